import ArgumentParser
import Foundation
import ForensicModel
import Ingest
import Reporting

struct Retrans: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify TCP retransmissions in captures the way Wireshark does, after removing -i any copies.",
        discussion: """
        Examples:
          nodesleuth retrans any.pcap
          nodesleuth retrans any.pcap --wireshark-compatible --format json
        """)

    @Argument(help: "pcap or pcapng files.")
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
            var text = "file,frame,flags,dup_ack_num,dup_ack_frame,copy_of\n"
            var failed = false
            for p in pcaps {
                let (a, report, warnings) = CaptureIngest.read(path: p, options: .init(keepCopies: wiresharkCompatible, recordFrames: true))
                guard let a else {
                    // an unreadable capture is an error, not an empty table
                    FileHandle.standardError.write(Data("nodesleuth: \(p): \(([report.detail] + warnings.map(\.message)).joined(separator: "; "))\n".utf8))
                    failed = true
                    continue
                }
                let view = wiresharkCompatible ? a.wiresharkFrames : a.realFrames
                for f in Set(view.keys).union(a.copyFrames.keys).sorted() {
                    let v = view[f]
                    text += "\(p),\(f),\(v?.flags.names.joined(separator: "|") ?? ""),\(v?.dupAckNumber.map(String.init) ?? ""),\(v?.dupAckFrame.map(String.init) ?? ""),\(a.copyFrames[f].map(String.init) ?? "")\n"
                }
            }
            try out.emit(text, inputs: pcaps)
            if failed { throw ExitCode(2) }
            return
        }
        var req = IngestRequest(path: nil, pcaps: pcaps, keepCopies: wiresharkCompatible)
        req.progress = stderrIsTerminal && !out.quiet
        let r = Ingestor().run(req)
        if out.format == .json {
            try out.emitStream(inputs: pcaps) { write in try JSONReport.retrans(r, version: NodeSleuth.version, write: write) }
        } else {
            let text = out.format == .ndjson ? JSONReport.retrans(r, version: NodeSleuth.version).render(indent: 0)
                                             : TextReport.retrans(r, options: .init(verbose: out.verbose))
            try out.emit(text, inputs: pcaps)
        }
        try exitIfNothingRead(r)
    }
}
