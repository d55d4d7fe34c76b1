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
    @Option(name: .long, help: ArgumentHelp("Colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(name: [.short, .long], help: "Print only the verdict (text), no progress.")
    var quiet = false

    @Option(name: .long, help: "Output format: text (for people), json (one document; several nodes under \"nodes\"), ndjson (one JSON object per node per line), html.")
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "file"))
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

    /// Refuses, before any analysis, an output that would touch the evidence: an input itself,
    /// a path inside an input folder (links resolved), or a directory.
    func checkOutput(inputs: [String]) throws {
        guard let output else { return }
        var st = stat()
        let exists = stat(output, &st) == 0
        if exists && (st.st_mode & S_IFMT) == S_IFDIR { throw ValidationError("--output \(output) is a directory") }
        let resolved: String = {
            if exists { return URL(fileURLWithPath: output).resolvingSymlinksInPath().path }
            let parent = URL(fileURLWithPath: output).deletingLastPathComponent().resolvingSymlinksInPath()
            return parent.appendingPathComponent(URL(fileURLWithPath: output).lastPathComponent).path
        }()
        for i in inputs where i != "-" && i != "/dev/stdin" {
            let root = URL(fileURLWithPath: i).resolvingSymlinksInPath().path
            var ist = stat()
            let same = exists && (st.st_mode & S_IFMT) == S_IFREG && stat(i, &ist) == 0 && ist.st_dev == st.st_dev && ist.st_ino == st.st_ino
            if same || resolved == root || resolved.hasPrefix(root + "/") {
                throw ValidationError("--output \(output) is \(same || resolved == root ? "an input" : "inside the input \(i)"); nodesleuth never writes into what it reads")
            }
        }
    }

    /// Writes the report: to stdout, to a new or regular file (replaced), or into a device or
    /// FIFO as a stream (never replacing the node). Write errors end the run with exit 3.
    func emit(_ text: String, inputs: [String]) throws {
        try emit(StyledText(text), inputs: inputs)
    }

    /// Text reports come styled (what each piece is); colour is drawn from that, on a terminal.
    func emit(_ styled: StyledText, inputs: [String]) throws {
        var styled = styled
        if quiet && format == .text { styled = styled.firstParagraph() }
        let text = format == .text && useColor ? styled.ansi : styled.plain
        try emitStream(inputs: inputs) { write in try write(text) }
    }

    /// Writes a report produced in pieces (`produce` hands each piece to `write`).
    func emitStream(inputs: [String], _ produce: ((String) throws -> Void) throws -> Void) throws {
        let stream = try openStream(inputs: inputs)
        try produce { piece in try stream.write(piece) }
        try stream.finish()
    }

    /// The report's destination, open: stdout, a new or replaced regular file, or a device or
    /// FIFO written as a stream.
    func openStream(inputs: [String]) throws -> ReportStream {
        try checkOutput(inputs: inputs)
        guard let output else { return ReportStream(fd: STDOUT_FILENO, name: "standard output", owned: false) }
        var st = stat()
        let special = stat(output, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG
        let fd = special ? open(output, O_WRONLY | O_CLOEXEC) : open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            FileHandle.standardError.write(Data("nodesleuth: cannot write \(output): \(String(cString: strerror(errno)))\n".utf8))
            throw ExitCode(3)
        }
        return ReportStream(fd: fd, name: output, owned: true)
    }
}

/// An open report destination. Pieces are written as they come, from one thread at a time (the
/// capture's analysing thread may write `--frames` rows while the main one waits). A write error
/// is said once on stderr and ends the run with exit 3 (`finish`), never a trap.
final class ReportStream: @unchecked Sendable {
    private let fd: Int32
    private let name: String
    private let owned: Bool
    private var buffer: [UInt8] = []
    private(set) var failed = false

    init(fd: Int32, name: String, owned: Bool) { self.fd = fd; self.name = name; self.owned = owned }
    deinit { if owned { close(fd) } }

    /// Buffers `piece` (64 KiB at a time go out); throws exit 3 once writing failed.
    func write(_ piece: String) throws {
        if failed { throw ExitCode(3) }
        buffer.append(contentsOf: piece.utf8)
        if buffer.count >= 64 << 10 { try flush() }
    }

    /// `write` for a thread that cannot throw: a failure is remembered for `finish`.
    func writeQuietly(_ piece: String) { try? write(piece) }

    func flush() throws {
        var done = 0
        defer { buffer.removeAll(keepingCapacity: true) }
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let why = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                FileHandle.standardError.write(Data("nodesleuth: cannot write the report to \(name): \(why)\n".utf8))
                failed = true
                throw ExitCode(3)
            }
            done += n
        }
    }

    /// Writes what is buffered; exit 3 if anything failed.
    func finish() throws {
        if failed { throw ExitCode(3) }
        try flush()
    }
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

/// Exit status 2 when nothing could be read (said on stderr unless `announce` already did).
func exitIfNothingRead(_ r: AnalysisResult) throws {
    if nothingRead(r) {
        if !nothingReadAnnounced { FileHandle.standardError.write(Data("nodesleuth: no input could be read\n".utf8)) }
        throw ExitCode(2)
    }
}

func nothingRead(_ r: AnalysisResult) -> Bool {
    r.inputs.isEmpty || r.inputs.allSatisfy({ $0.status == .unreadable || $0.status == .skipped })
}

nonisolated(unsafe) private var nothingReadAnnounced = false

/// What stops or weakens the run, on stderr *before* the report is written (someone reading
/// a long report on a terminal sees the problem first, and a report sent to a file still
/// leaves it on the terminal): nothing readable, no kernel log, inputs that could not be read
/// or were read in part, and how many warnings the report lists.
func announce(_ results: [AnalysisResult], paths: [String?], kernelLogExpected: Bool = true) {
    var msg = ""
    var all = AnalysisResult()
    for r in results { all.inputs += r.inputs }
    if nothingRead(all) {
        msg += "nodesleuth: no input could be read\n"
        nothingReadAnnounced = true
    }
    for (r, path) in zip(results, paths) {
        let node = results.count > 1 ? " (node \(r.node ?? "?"))" : ""
        if kernelLogExpected, r.kernelLogInputs == 0 {
            msg += "nodesleuth: no kernel log found\(path.map { " under \($0)" } ?? "")\(node)"
            if !r.logSearch.isEmpty { msg += " (looked in: " + r.logSearch.joined(separator: ", ") + ")" }
            msg += "; OOM kills and other node events cannot be seen, so no verdict can rule them out\n"
        }
        let weak = r.inputs.filter { $0.status == .unreadable || $0.status == .partial }
        for i in weak.prefix(5) {
            msg += "nodesleuth: \(i.status == .unreadable ? "cannot read" : "read in part:") \(i.path)\(i.detail.isEmpty ? "" : ": " + i.detail)\n"
        }
        if weak.count > 5 { msg += "nodesleuth: … and \(weak.count - 5) more inputs not read or read in part, listed in the report\n" }
        if !r.warnings.isEmpty {
            msg += "nodesleuth: \(r.warnings.count) warning\(r.warnings.count == 1 ? "" : "s") about the inputs\(node), listed in the report\n"
        }
    }
    if !msg.isEmpty { FileHandle.standardError.write(Data(msg.utf8)) }
}

/// Progress goes to stderr only when a person is watching it.
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

import Correlation
import KernelEvents

/// `--since`/`--until` values: ISO 8601 with a zone, epoch seconds, `-N[smhd]` before the last
/// event, or a date and time without a zone (`2024-03-05 01:50`, as journalctl takes it), read in
/// the node's zone when the bundle tells it, else as UTC; `note` says which.
enum TimeBoundParser {
    static func parse(_ s: String) -> TimeBound? { parse(s, zone: nil)?.bound }

    static func parse(_ s: String, zone: String?) -> (bound: TimeBound, note: String?)? {
        let s = s.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("-"), let unit = s.last, let n = Double(s.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)) {
            let mult: Double? = ["s": 1, "m": 60, "h": 3600, "d": 86400][unit]
            if let mult { return (.beforeLast(n * mult), nil) }
        }
        if let t = LogText.parseTimestamp(Substring(s)) { return (.at(t), nil) }
        // no zone given: the civil time as if it were UTC, then moved by the node's offset then
        let iso = s.replacingOccurrences(of: " ", with: "T")
        // seconds may be left out, as journalctl allows ("2024-03-05 01:50")
        guard !s.hasSuffix("Z"), let asUTC = LogText.parseTimestamp(Substring(iso + "Z")) ?? LogText.parseTimestamp(Substring(iso + ":00Z")) else { return nil }
        guard let zone, let tz = TimeZone(identifier: zone) else {
            return (.at(asUTC), "\(s) read as UTC: the node's time zone is not known")
        }
        // the offset in force at that local time (twice: near a daylight-saving change the
        // first guess may be on the other side)
        var off = tz.secondsFromGMT(for: Date(timeIntervalSince1970: asUTC.seconds))
        off = tz.secondsFromGMT(for: Date(timeIntervalSince1970: asUTC.seconds - Double(off)))
        let h = abs(off) / 3600, m = abs(off) % 3600 / 60
        let offText = (off < 0 ? "-" : "+") + (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        return (.at(asUTC - Double(off)), "\(s) read in the node's time zone \(zone) (UTC\(offText))")
    }
}
