import ArgumentParser
import Foundation
import ForensicModel
import Reporting

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, ndjson, html
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never.")
    var color: ColorChoice = .auto

    @Flag(name: [.short, .long], help: "Print only the verdict (text), no progress.")
    var quiet = false

    @Option(name: .long, help: "Output format: text (for people), json (one document; several nodes under \"nodes\"), ndjson (one JSON object per node per line), html.")
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: "Write the report to FILE instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Per-input details and every warning in full.")
    var verbose = false

    /// Whether to colour text written to stdout.
    var useColor: Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto: return output == nil && format == .text && isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }

    /// Writes the report; refuses to write inside an input tree.
    func emit(_ text: String, inputs: [String]) throws {
        var text = text
        if quiet && format == .text {
            text = text.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }.joined(separator: "\n") + "\n"
        }
        if format == .text && useColor { text = TerminalColor.apply(text) }
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        for i in inputs {
            let root = URL(fileURLWithPath: i).standardizedFileURL.resolvingSymlinksInPath().path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue, target.hasPrefix(root + "/") {
                throw ValidationError("--output \(output) is inside the input \(i); nodesleuth never writes into what it reads")
            }
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            throw ValidationError("cannot write --output \(output)")
        }
    }
}

/// Says on stderr when no kernel log was found, and where it looked.
func noteMissingKernelLog(_ r: AnalysisResult, path: String?) {
    guard r.kernelLogInputs == 0 else { return }
    var msg = "nodesleuth: no kernel log found"
    if let path { msg += " under \(path)" }
    if !r.logSearch.isEmpty { msg += " (looked in: " + r.logSearch.joined(separator: ", ") + ")" }
    msg += "; OOM kills and other node events cannot be seen, so no verdict can rule them out\n"
    FileHandle.standardError.write(Data(msg.utf8))
}

/// An input named on the command line that cannot be read is an error before any analysis
/// (exit 2): a typo in `--pcap` must not turn into a report that silently lacks the capture.
func requireReadable(_ paths: [String]) throws {
    for p in paths where p != "-" && p != "/dev/stdin" {
        if access(p, R_OK) != 0 {
            let why = errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno))
            FileHandle.standardError.write(Data("nodesleuth: cannot read \(p): \(why)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Exit status 2 when nothing could be read.
func exitIfNothingRead(_ r: AnalysisResult) throws {
    if r.inputs.isEmpty || r.inputs.allSatisfy({ $0.status == .unreadable || $0.status == .skipped }) {
        FileHandle.standardError.write(Data("nodesleuth: no input could be read\n".utf8))
        throw ExitCode(2)
    }
}

/// Progress goes to stderr only when a person is watching it.
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

import Correlation
import KernelEvents

/// `--since`/`--until` values: ISO 8601 with a zone, epoch seconds, or `-N[smhd]` before the last event.
enum TimeBoundParser {
    static func parse(_ s: String) -> TimeBound? {
        if s.hasPrefix("-"), let unit = s.last, let n = Double(s.dropFirst().dropLast()) {
            let mult: Double? = ["s": 1, "m": 60, "h": 3600, "d": 86400][unit]
            if let mult { return .beforeLast(n * mult) }
        }
        return LogText.parseTimestamp(Substring(s)).map(TimeBound.at)
    }
}
