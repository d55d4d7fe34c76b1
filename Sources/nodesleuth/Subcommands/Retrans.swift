import ArgumentParser
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

    @OptionGroup var out: OutputOptions

    func validate() throws {
        if pcaps.isEmpty { throw ValidationError("give at least one capture file") }
    }

    func run() throws {
        let r = Ingestor().run(IngestRequest(path: nil, pcaps: pcaps, keepCopies: wiresharkCompatible))
        let text = out.format == .json ? JSONReport.retrans(r, version: NodeSleuth.version).render()
                                       : TextReport.retrans(r, options: .init(verbose: out.verbose))
        try out.emit(text, inputs: pcaps)
        try exitIfNothingRead(r)
    }
}
