import ArgumentParser
import Correlation
import ForensicModel
import Ingest
import Reporting

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Line kernel events up against the captures and rank the root-cause hypotheses.",
        discussion: """
        PATH is an extracted sosreport directory, a journal directory or a single log file. In a sos
        tree the binary journal (var/log/journal), sos_commands/kernel/dmesg, the journalctl text
        files, var/log/messages and the ps listings are found by themselves; captures found under
        PATH are used too.

        Examples:
          nodesleuth analyze ./sosreport-node7 --pcap any.pcap
          nodesleuth analyze --dmesg dmesg.txt --pcap client.pcapng --format json
        """)

    @Argument(help: "sosreport directory, journal directory, or a log / journal / capture file.")
    var path: String?

    @Option(name: .long, help: "A capture file (pcap or pcapng). Repeatable.")
    var pcap: [String] = []

    @Option(name: .long, help: "A journal directory, .journal file, or journalctl text file. Repeatable.")
    var journal: [String] = []

    @Option(name: .long, help: "A dmesg text file. Repeatable.")
    var dmesg: [String] = []

    @Flag(name: .long, help: "Keep multi-interface copies in (count retransmissions as Wireshark shows them).")
    var wiresharkCompatible = false

    @Option(name: .long, help: "Retransmissions closer than SECONDS form one burst.")
    var burstGap: Double = 2.0

    @OptionGroup var out: OutputOptions

    func validate() throws {
        if path == nil && pcap.isEmpty && journal.isEmpty && dmesg.isEmpty {
            throw ValidationError("give a PATH, or at least one of --pcap, --journal, --dmesg")
        }
        guard burstGap > 0 else { throw ValidationError("--burst-gap must be positive") }
    }

    func run() throws {
        var req = IngestRequest(path: path, pcaps: pcap, journals: journal, dmesgs: dmesg, keepCopies: wiresharkCompatible)
        req.progress = stderrIsTerminal
        var r = Ingestor().run(req)
        var opts = CorrelationOptions()
        opts.burstGap = burstGap
        Correlator.run(&r, options: opts)
        let text: String
        switch out.format {
        case .json: text = JSONReport.analyze(r, version: NodeSleuth.version).render()
        case .text: text = TextReport.analyze(r, options: .init(verbose: out.verbose))
        }
        try out.emit(text, inputs: [path].compactMap { $0 } + pcap + journal + dmesg)
        try exitIfNothingRead(r)
    }
}
