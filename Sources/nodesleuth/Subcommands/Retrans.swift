import ArgumentParser
import Foundation
import ForensicModel
import Ingest
import NetworkEvents
import Reporting

struct Retrans: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify TCP retransmissions in captures the way Wireshark does, after removing -i any copies.",
        discussion: """
        Examples:
          nodesleuth retrans any.pcap
          nodesleuth retrans any.pcap --wireshark-compatible --format json
        """)

    @Argument(help: "pcap or pcapng files (compressed ones too; - or a FIFO: a capture streamed in, e.g. tcpdump -w - | nodesleuth retrans -).")
    var pcaps: [String]

    @Flag(name: .long, help: "Keep multi-interface copies in, to reproduce what Wireshark shows.")
    var wiresharkCompatible = false

    @Flag(name: .long, help: "Print every frame's TCP analysis flags as CSV (frame,flags,dup_ack_num,dup_ack_frame,copy_of), like the tshark reference files.")
    var frames = false

    @OptionGroup var out: OutputOptions

    func validate() throws {
        if pcaps.isEmpty { throw ValidationError("give at least one capture file") }
        if out.format == .html { throw ValidationError("--format html is the analyze report's; use text, json or ndjson here") }
    }

    func run() throws {
        try out.checkOutput(inputs: pcaps)
        if frames {
            // rows are written as the analysis decides them (file order): nothing is held per frame
            let stream = try out.openStream(inputs: pcaps)
            try stream.write("file,frame,flags,dup_ack_num,dup_ack_frame,copy_of\n")
            var failed = false
            for p in pcaps {
                var options = CaptureIngest.Options(keepCopies: wiresharkCompatible)
                options.frameObserver = FrameObserver { f, v, copyOf in
                    stream.writeQuietly("\(p),\(f),\(v?.flags.names.joined(separator: "|") ?? ""),\(v?.dupAckNumber.map(String.init) ?? ""),\(v?.dupAckFrame.map(String.init) ?? ""),\(copyOf.map(String.init) ?? "")\n")
                }
                let (a, report, warnings) = CaptureIngest.read(path: p, options: options)
                if a == nil {
                    // an unreadable capture is an error, not an empty table
                    FileHandle.standardError.write(Data("nodesleuth: \(p): \(([report.detail] + warnings.map(\.message)).joined(separator: "; "))\n".utf8))
                    failed = true
                }
            }
            try stream.finish()
            if failed { throw ExitCode(2) }
            return
        }
        var req = IngestRequest(path: nil, pcaps: pcaps, keepCopies: wiresharkCompatible)
        req.progress = stderrIsTerminal && !out.quiet
        let r = Ingestor().run(req)
        announce([r], paths: [nil], kernelLogExpected: false)   // retrans reads captures only
        if out.format == .json || out.format == .ndjson {
            let indent = out.format == .json ? 2 : 0
            try out.emitStream(inputs: pcaps) { write in try JSONReport.retrans(r, version: NodeSleuth.version, indent: indent, write: write) }
        } else {
            try out.emit(TextReport.retransStyled(r, options: .init(verbose: out.verbose)), inputs: pcaps)
        }
        try exitIfNothingRead(r)
    }
}
