import ArgumentParser
import ForensicModel
import Ingest
import Reporting

struct Oom: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the kernel OOM kills in logs: invoker, victim, scope, cgroup, threads, kill duration.",
        discussion: """
        Examples:
          nodesleuth oom ./sosreport-node7
          nodesleuth oom dmesg.txt /var/log/journal --format json
        """)

    @Argument(help: "sosreport directories, journal directories, or log / journal files.")
    var inputs: [String]

    @OptionGroup var out: OutputOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input") }
        if out.format == .html { throw ValidationError("--format html is the analyze report's; use text, json or ndjson here") }
    }

    func run() throws {
        try out.checkOutput(inputs: inputs)
        var merged = AnalysisResult()
        // The first input is read as a bundle; the others join it as journals / logs.
        var req = IngestRequest(path: inputs[0])
        req.progress = stderrIsTerminal && !out.quiet
        for extra in inputs.dropFirst() { req.journals.append(extra) }
        // An incident folder with several nodes: every node's kills, one list (each kill's
        // source path says which node it is from).
        let nodes = Ingestor.plan(req)
        if nodes.count > 1 {
            for n in nodes {
                let r = Ingestor().run(n)
                merged.oomKills += r.oomKills
                merged.inputs += r.inputs
                merged.warnings += r.warnings
                merged.kernelLogInputs += r.kernelLogInputs
                merged.logSearch += r.logSearch
            }
        } else {
            merged = Ingestor().run(req)
        }
        announce([merged], paths: [inputs[0]])
        if out.format == .text {
            try out.emit(TextReport.oomOnlyStyled(merged, options: .init(verbose: out.verbose)), inputs: inputs)
        } else {
            let indent = out.format == .ndjson ? 0 : 2
            try out.emitStream(inputs: inputs) { write in try JSONReport.oomOnly(merged, version: NodeSleuth.version, indent: indent, write: write) }
        }
        try exitIfNothingRead(merged)
    }
}
