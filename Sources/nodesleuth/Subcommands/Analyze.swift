import ArgumentParser
import Correlation
import ForensicModel
import Ingest
import KernelEvents
import Foundation
import Reporting

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Line kernel events up against the captures and rank the root-cause hypotheses.",
        discussion: """
        PATH is a sosreport directory or tarball, an incident folder holding one or more of \
        them and captures, a journal directory, or a single log, journal or capture file (- \
        reads standard input). Every file is recognised by its content, never by its name. In \
        a sos tree the binary journal, dmesg (raw and -T), the journalctl text files, \
        var/log/messages, syslog and kern.log with their rotated and compressed siblings, and \
        the ps listings are found by themselves; captures found under PATH are used too. \
        Several sosreports are analysed one node at a time and reported per node, with a \
        short fleet summary.

        Problems that stop or weaken the run (nothing readable, no kernel log, unreadable \
        inputs, warnings) are said on standard error before the report is written.

        Examples:
          nodesleuth analyze ./incident-42
          nodesleuth analyze ./sosreport-node7 --pcap any.pcap
          nodesleuth analyze --dmesg dmesg.txt --pcap client.pcapng --format json
          nodesleuth analyze ./incident-42 --since -15m --format html -o report.html
        """)

    @Argument(help: "sosreport directory, journal directory, or a log / journal / capture file.")
    var path: String?

    @Option(name: .long, help: ArgumentHelp("A capture file (pcap or pcapng). Repeatable.", valueName: "file"))
    var pcap: [String] = []

    @Option(name: .long, help: ArgumentHelp("A journal directory, .journal file, or journalctl text file. Repeatable.", valueName: "path"))
    var journal: [String] = []

    @Option(name: .long, help: ArgumentHelp("A dmesg text file. Repeatable.", valueName: "file"))
    var dmesg: [String] = []

    @Flag(name: .long, help: "Keep multi-interface copies in (count retransmissions as Wireshark shows them).")
    var wiresharkCompatible = false

    @Option(name: .long, help: ArgumentHelp("Retransmissions closer than SECONDS form one burst.", valueName: "seconds"))
    var burstGap: Double = 2.0

    @Option(name: .long, help: ArgumentHelp("Add SECONDS to every capture time (when the capture host's clock was off).", valueName: "seconds"))
    var pcapOffset: Double = 0

    @Option(name: .long, help: ArgumentHelp("A file of the client's own timeout times (one ISO 8601 time or epoch per line): symptoms too.", valueName: "file"))
    var symptomTimes: String?

    @Option(name: .long, help: ArgumentHelp("Each --symptom-times entry stands for the SECONDS before it (the client's timeout: it logs the failure that long after the stall began).", valueName: "seconds"))
    var symptomWindow: Double = 1.0

    @Option(name: .long, help: ArgumentHelp("A symptom may start up to SECONDS before a cause's window and still count.", valueName: "seconds"))
    var lead: Double = 0.5

    @Option(name: .long, help: ArgumentHelp("A symptom may start up to SECONDS after a cause's window and still count.", valueName: "seconds"))
    var lag: Double = 1.0

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Only what happened from this time: ISO 8601 (2024-03-05T01:50:00Z; without a zone, '2024-03-05 01:50' is read in the node's time zone, UTC when unknown) or before the last event (--since -15m; s, m, h, d).", valueName: "time"))
    var since: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Only what happened up to this time (same forms as --since).", valueName: "time"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("The node's boot instant (ISO 8601 with a zone, or epoch seconds), when you know it better than the bundle: places raw dmesg stamps.", valueName: "time"))
    var bootTime: String?

    @Option(name: .long, help: ArgumentHelp("The node's time zone (e.g. Asia/Shanghai), when the bundle lacks it or has it wrong: places local times in text logs.", valueName: "zone"))
    var tz: String?

    @Option(name: .long, help: ArgumentHelp("A tarball may write at most this many MiB to the private extraction directory.", valueName: "MiB"))
    var maxExtractMb: Int = 8192

    @Option(name: .long, help: ArgumentHelp("A tarball may extract at most this many members.", valueName: "n"))
    var maxExtractMembers: Int = 200_000

    @OptionGroup var out: OutputOptions

    func validate() throws {
        if path == nil && pcap.isEmpty && journal.isEmpty && dmesg.isEmpty {
            throw ValidationError("give a PATH, or at least one of --pcap, --journal, --dmesg")
        }
        guard burstGap > 0 else { throw ValidationError("--burst-gap must be positive") }
        guard lead >= 0, lag >= 0 else { throw ValidationError("--lead and --lag must not be negative") }
        guard symptomWindow >= 0, symptomWindow <= 3600 else { throw ValidationError("--symptom-window must be between 0 and 3600 seconds") }
        guard abs(pcapOffset) < 86400 * 365 else { throw ValidationError("--pcap-offset is out of range") }
        guard maxExtractMb > 0, maxExtractMembers > 0 else { throw ValidationError("--max-extract-mb and --max-extract-members must be positive") }
        if let b = bootTime, LogText.parseTimestamp(Substring(b)) == nil { throw ValidationError("--boot-time \(b): give an ISO 8601 time with a zone or epoch seconds") }
        if let z = tz, TimeZone(identifier: z) == nil { throw ValidationError("--tz \(z): not a time zone name (e.g. Asia/Shanghai, Europe/Paris, UTC)") }
        for (name, v) in [("--since", since), ("--until", until)] where v != nil && TimeBoundParser.parse(v!) == nil {
            throw ValidationError("\(name) \(v!): give a time (2024-03-05T01:50:00Z; without a zone, '2024-03-05 01:50' is read in the node's zone) or a span before the last event (-15m, -2h)")
        }
    }

    func run() throws {
        var req = IngestRequest(path: path, pcaps: pcap, journals: journal, dmesgs: dmesg, keepCopies: wiresharkCompatible)
        req.progress = stderrIsTerminal && !out.quiet
        req.bootTime = bootTime.flatMap { LogText.parseTimestamp(Substring($0)) }
        req.zone = tz.flatMap { TimeZone(identifier: $0) }
        try requireReadable(pcap + journal + dmesg)
        try out.checkOutput(inputs: [path].compactMap { $0 } + pcap + journal + dmesg)
        req.extractLimits.maxBytes = Int64(maxExtractMb) << 20
        req.extractLimits.maxMembers = maxExtractMembers
        let nodes = Ingestor.plan(req)
        var results: [AnalysisResult] = []
        for n in nodes {
            var r = Ingestor().run(n)
            r.copiesKept = wiresharkCompatible
            try correlate(&r)
            results.append(r)
        }
        announce(results, paths: nodes.map(\.path))
        let text: StyledText
        if results.count == 1 {
            let r = results[0]
            switch out.format {
            case .json: text = StyledText(JSONReport.analyze(r, version: NodeSleuth.version).render())
            case .ndjson: text = StyledText(JSONReport.analyze(r, version: NodeSleuth.version).render(indent: 0))
            case .html: text = StyledText(HTMLReport.analyze(r, version: NodeSleuth.version))
            case .text: text = TextReport.analyzeStyled(r, options: .init(verbose: out.verbose))
            }
        } else {
            switch out.format {
            case .json: text = StyledText(JSONReport.fleet(results, version: NodeSleuth.version).render())
            case .ndjson: text = StyledText(results.map { JSONReport.analyze($0, version: NodeSleuth.version).render(indent: 0) }.joined())
            case .html: text = StyledText(HTMLReport.fleet(results, version: NodeSleuth.version))
            case .text: text = TextReport.fleetStyled(results, options: .init(verbose: out.verbose))
            }
        }
        try out.emit(text, inputs: [path].compactMap { $0 } + pcap + journal + dmesg)
        var all = AnalysisResult()
        for r in results { all.inputs += r.inputs }
        try exitIfNothingRead(all)
    }

    private func correlate(_ r: inout AnalysisResult) throws {
        var opts = CorrelationOptions()
        opts.burstGap = burstGap
        opts.pcapOffset = pcapOffset
        opts.lead = lead
        opts.lag = lag
        opts.symptomWindow = symptomWindow
        // a bound without a zone is read in this node's zone (each node of a fleet its own)
        let bounds = [since, until].map { $0.flatMap { TimeBoundParser.parse($0, zone: r.nodeZone) } }
        opts.since = bounds[0]?.bound
        opts.until = bounds[1]?.bound
        let notes = bounds.compactMap { $0?.note }
        opts.windowNote = notes.isEmpty ? nil : notes.joined(separator: "; ")
        if let symptomTimes {
            let (times, warnings) = SymptomTimes.read(path: symptomTimes)
            opts.symptomTimes = times
            r.warnings += warnings
            r.inputs.append(InputReport(path: symptomTimes, kind: "symptom-times", status: times.isEmpty ? .unreadable : (warnings.isEmpty ? .read : .partial),
                                        warnings: warnings.count, detail: "\(times.count) client timeout time(s)"))
        }
        Correlator.run(&r, options: opts)
    }
}
