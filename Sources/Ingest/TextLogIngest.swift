import Foundation
import ForensicModel
import KernelEvents

/// Reads kernel lines from any text log, whatever its name: dmesg in every layout, journalctl's
/// text outputs (`short*`, `cat`, `verbose`, `export`, `json`, `json-seq`), syslog files (RFC 3164,
/// RFC 3339, RFC 5424, busybox `logread`), consoles and pastes. The entry formats (export, JSON,
/// verbose) are recognised by their first bytes; every other line is decoded on its own by
/// `KernelLineDecoder`. The file is streamed (`LineStream`): lines are first tested as bytes
/// (NeedleFilter / OOMLineGate) and only candidates are decoded.
enum TextLogIngest {
    enum Format: String { case text, journalExport = "journal-export", journalJSON = "journal-json", journalJSONPretty = "journal-json-pretty", journalVerbose = "journal-verbose" }

    struct Output {
        var lines: [KernelLine] = []
        /// Kill lines quoted by node-problem-detector or Kubernetes events.
        var echoes: [KernelLine] = []
        var report: InputReport
        var warnings: [Warning] = []
        /// Whether any kernel line was found (for "no kernel log found").
        var kernelLines = 0
        /// The first and the last kernel line with a time: what span of time the log covers.
        var spanLines: [KernelLine] = []
    }

    static func read(path: String, clock: LocalClock, discovered: Bool, podNames: inout [String: KubeletNames.Names], progress: Bool = false) -> Output {
        let stream: LineStream
        switch LineStream.open(path) {
        case .failure(let w): return Output(report: InputReport(path: path, kind: "text-log", status: .unreadable, warnings: 1, detail: w.message, discovered: discovered), warnings: [w])
        case .success(let s): stream = s
        }
        let format = stream.head.withUnsafeBytes { sniff($0) }
        var clock = clock
        if format == .text, let end = stream.head.withUnsafeBytes({ journalHeaderEnd($0) }) {
            clock.reference = end
            clock.note += "; year from journalctl's '-- Logs begin at … end at …' line"
        }
        var out = Output(report: InputReport(path: path, kind: format == .text ? "text-log" : format.rawValue, status: .read, discovered: discovered))
        var total = 0, unparsed = 0, metaLines = 0
        var firstUnparsed: Int?
        var gate = OOMLineGate()
        var memo: [SourceKey: String] = [:]
        let podNeedle = NeedleFilter(["podUID="])

        // the two descriptions, made once (every line shares their storage)
        let sourceMono = "journal entry (\(format.rawValue)): realtime − monotonic + printk time"
        let sourceReception = "journal entry (\(format.rawValue)): reception time"
        func addEntry(_ e: JournalEntryFields, _ prov: Provenance, gated: Bool = false) {
            if e.isKernel, let msg = e.message {
                var m = msg
                let ok = gated || m.withUTF8 { gate.pass(UnsafeRawBufferPointer($0)) }
                if ok, var l = e.kernelLine(kind: format == .journalVerbose || format == .journalJSONPretty ? .journalText : .journalExport, provenance: prov) {
                    l.timeSource = e.monotonic != nil ? sourceMono : sourceReception
                    l.uncertainty = e.monotonic != nil ? 0 : 1
                    out.lines.append(l)
                }
                out.kernelLines += 1
            } else if e.identifier == "kubelet", let m = e.message, m.contains("podUID="), let n = KubeletNames.scan(Substring(m)) {
                PodNameTable.add(n, to: &podNames)
            }
        }

        var decoder = KernelLineDecoder()
        var sawJournalMeta = false
        let readError: Warning?
        switch format {
        case .journalExport:
            // Binary fields carry their length: read the stream whole (export files are entry streams, not logs people paste).
            var data = Data()
            readError = stream.forEachBatch { chunk, _, _ in data.append(contentsOf: chunk); return nil }
            data.withUnsafeBytes { buf in
                let problems = JournalExportFormat.forEachEntry(buf) { e, offset in
                    total += 1
                    addEntry(e, Provenance(path: path, cursor: e.cursor, byteOffset: Int64(offset)))
                }
                for case .truncatedBinaryField(let off) in problems {
                    out.warnings.append(Warning(source: Provenance(path: path, byteOffset: Int64(off)), message: "export stream cut inside a binary field at byte \(off); entries before it were read", code: "log.export-cut"))
                }
            }
        case .journalVerbose:
            var cur: JournalEntryFields?
            var curLine = 0
            readError = stream.forEachBatch { chunk, _, first in
                return LineScanner.forEachLine(chunk) { n0, _, raw in
                    let n = first + n0
                    guard !raw.isEmpty else { return }
                    let line = Substring(String(bytes: raw))
                    if raw[0] == 0x20 || raw[0] == 0x09 {
                        if cur != nil { JournalVerboseFormat.field(line, into: &cur!) }
                    } else if let h = JournalVerboseFormat.header(line) {
                        if let c = cur { addEntry(c, Provenance(path: path, line: curLine)) }
                        cur = h; curLine = n; total += 1
                    } else if KernelLineDecoder.isJournalctlOwn(line) {
                        metaLines += 1
                    } else { unparsed += 1; firstUnparsed = firstUnparsed ?? n }
                }
            }
            if let c = cur { addEntry(c, Provenance(path: path, line: curLine)) }
        case .journalJSONPretty:
            // one object over many lines: gathered from `{` to the `}` that closes it
            var object: [UInt8] = []
            var startLine = 0
            readError = stream.forEachBatch { chunk, _, first in
                return LineScanner.forEachLine(chunk) { n0, _, raw in
                    let n = first + n0
                    if object.isEmpty {
                        guard raw.first == 0x7B else { if !raw.isEmpty { unparsed += 1; firstUnparsed = firstUnparsed ?? n }; return }
                        startLine = n
                    }
                    object += raw
                    object.append(0x0A)
                    if object.count > 16 << 20 {   // an object that never closes: dropped, not held
                        unparsed += 1; firstUnparsed = firstUnparsed ?? startLine
                        object.removeAll(keepingCapacity: false)
                        return
                    }
                    guard raw.first == 0x7D else { return }
                    total += 1
                    object.withUnsafeBytes { b in
                        if gate.pass(b) || podNeedle.matches(b) {
                            if let e = JournalJSONFormat.entry(b) { addEntry(e, Provenance(path: path, line: startLine), gated: true) }
                            else { unparsed += 1; firstUnparsed = firstUnparsed ?? startLine }
                        }
                    }
                    object.removeAll(keepingCapacity: true)
                }
            }
        case .journalJSON:
            readError = stream.forEachBatch { chunk, _, first in
                return LineScanner.forEachLine(chunk) { n0, _, raw in
                    let n = first + n0
                    guard !raw.isEmpty else { return }
                    total += 1
                    guard gate.pass(raw) || podNeedle.matches(raw) else { return }
                    guard let e = JournalJSONFormat.entry(raw) else { unparsed += 1; firstUnparsed = firstUnparsed ?? n; return }
                    addEntry(e, Provenance(path: path, line: n), gated: true)
                }
            }
        case .text:
            // Learn the file's habits from its first lines.
            var sample: [Substring] = []
            stream.head.withUnsafeBytes { buf in
                _ = LineScanner.forEachLine(buf) { n, _, raw in if n <= 2000 { sample.append(Substring(String(bytes: raw))) } }
            }
            if sample.count > 1 && stream.head.count >= (64 << 10) { sample.removeLast() }   // maybe cut
            decoder.learn(sample)
            let bare = decoder.bareFile
            var wrapped: DecodedLine?
            var wrappedAt: Provenance?
            func handle(_ raw: UnsafeRawBufferPointer, _ n: Int, _ candidate: Bool) {
                guard !raw.isEmpty else { return }
                // An OOM line wrapped by a mail client or a terminal: `… Killed process 4242`
                // then `(java) total-vm:…,` then `UID:1000 …` on the lines after.
                if var w = wrapped {
                    let next = Substring(String(bytes: raw)).trimmedSpaces()
                    if Self.continuesWrap(next) {
                        w.message = Substring(String(w.message) + " " + next)
                        if Self.wantsMore(w.message) { wrapped = w } else {
                            wrapped = nil
                            out.kernelLines += 1
                            out.lines.append(kernelLine(w, wrappedAt!, clock, &memo))
                        }
                        return
                    }
                    wrapped = nil
                    out.kernelLines += 1
                    out.lines.append(kernelLine(w, wrappedAt!, clock, &memo))
                }
                guard gate.pass(raw, candidate: candidate) || bare && candidate else { return }
                let d = decoder.decode(Substring(String(bytes: raw)), number: n)
                let prov = Provenance(path: path, line: n)
                if d.kind == .kernel, Self.wantsMore(d.message) {
                    wrapped = d; wrappedAt = prov
                    return
                }
                switch d.kind {
                case .kernel:
                    out.kernelLines += 1
                    out.lines.append(kernelLine(d, prov, clock, &memo))
                case .echo:
                    out.echoes.append(kernelLine(d, prov, clock, &memo))
                case .app:
                    if d.identifier == "kubelet", let names = KubeletNames.scan(d.message) { PodNameTable.add(names, to: &podNames) }
                case .meta:
                    metaLines += 1
                    if d.message.hasPrefix("-- ") { sawJournalMeta = true }
                case .continuation:
                    // `Mem-Info:` counters printed as one printk record of several lines: raw
                    // dmesg shows the later lines indented, without a stamp; they carry the
                    // record's time (no other continuation becomes a line).
                    if gate.isOpen, let last = out.lines.last, OOMMemoryDecoder.isCounterContinuation(d.message) {
                        var l = last
                        l.message = String(d.message.trimmedSpaces())
                        l.provenance = prov
                        out.lines.append(l)
                    }
                case .foreign: break
                }
            }
            var linesSeen = 0
            var tail: [UInt8] = []
            readError = stream.forEachBatch { chunk, _, first in
                defer {
                    // keep the batch's last 64 KiB: the last kernel line with a time is in there
                    let keep = min(chunk.count, 64 << 10)
                    let cut = UnsafeRawBufferPointer(rebasing: chunk[(chunk.count - keep)...])
                    tail = Array(cut)
                }
                // Only lines holding a needle, and every line of an open OOM record, are looked
                // at; the stretches between are skipped, their newlines counted (SIMD) for the
                // line numbers.
                let hits = NeedleFilter.oom.hits(in: chunk)
                guard let base = chunk.baseAddress else { return 0 }
                var pos = 0, lineNo = first, h = 0
                while pos < chunk.count {
                    if !gate.isOpen && wrapped == nil {
                        while h < hits.count && hits[h] < pos { h += 1 }
                        guard h < hits.count else {
                            lineNo += LineScanner.countLines(UnsafeRawBufferPointer(rebasing: chunk[pos...]))
                            if chunk[chunk.count - 1] != 0x0A { lineNo += 1 }
                            pos = chunk.count
                            break
                        }
                        var s = hits[h]
                        while s > pos && chunk[s - 1] != 0x0A { s -= 1 }
                        lineNo += LineScanner.countLines(UnsafeRawBufferPointer(rebasing: chunk[pos..<s]))
                        pos = s
                    }
                    let end = memchr(base + pos, 0x0A, chunk.count - pos).map { UnsafeRawPointer($0) - base } ?? chunk.count
                    var len = end - pos
                    if len > 0 && chunk[pos + len - 1] == 0x0D { len -= 1 }
                    lineNo += 1
                    while h < hits.count && hits[h] < pos { h += 1 }
                    handle(UnsafeRawBufferPointer(rebasing: chunk[pos..<(pos + len)]), lineNo, h < hits.count && hits[h] < end)
                    pos = end + 1
                }
                linesSeen = lineNo
                if progress, stream.bytesRead >> 26 != (stream.bytesRead - Int64(chunk.count)) >> 26 {
                    FileHandle.standardError.write(Data("\r\u{1B}[K  \((path as NSString).lastPathComponent): \(stream.bytesRead >> 20) MB, \(lineNo) lines".utf8))
                }
                return lineNo - first
            }
            // journalctl's own lines (`-- No entries --`) are rarely candidates: count them in the sample
            total = linesSeen - max(metaLines, decoder.sampleMetaLines)
            if progress && stream.bytesRead >= 1 << 26 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            // Coverage: the first and last kernel lines with a time.
            out.kernelLines += decoder.sampleKernelLines
            var tailLines: [Substring] = []
            tail.withUnsafeBytes { b in _ = LineScanner.forEachLine(b) { _, _, raw in tailLines.append(Substring(String(bytes: raw))) } }
            if !tailLines.isEmpty && tail.count == (64 << 10) { tailLines.removeFirst() }   // maybe cut at its start
            for (d, n) in [(decoder.firstTimed, 0), (decoder.lastTimed(tailLines), linesSeen)] {
                if let d { out.spanLines.append(kernelLine(d, Provenance(path: path, line: n == 0 ? nil : n), clock, &memo)) }
            }
            if let w = wrapped, let at = wrappedAt { out.kernelLines += 1; out.lines.append(kernelLine(w, at, clock, &memo)) }
            if decoder.foreignLines > 0 {
                out.warnings.append(Warning(source: Provenance(path: path, line: decoder.firstForeign.first),
                                            message: "\(decoder.foreignLines) candidate line(s) in no log layout (a prompt, a marker, another tool's text), skipped; first at line \(decoder.firstForeign.map(String.init).joined(separator: ", "))", code: "log.foreign-lines"))
            }
        }
        if let readError { out.warnings.append(readError) }
        if stream.linesCut > 0 {
            out.warnings.append(Warning(source: Provenance(path: path), message: "\(stream.linesCut) line(s) longer than \(LineStream.maxLine >> 20) MiB cut", code: "log.lines-cut"))
        }
        if unparsed > 0 {
            out.warnings.append(Warning(source: Provenance(path: path, line: firstUnparsed), message: "\(unparsed) line(s) not in the \(format.rawValue) layout (first at line \(firstUnparsed!)); skipped", code: "log.lines-not-in-layout"))
        }
        // Report: the kind from what the lines were, not from the name.
        if format == .text {
            let counts = decoder.sampleLayouts.merging(decoder.layoutCounts, uniquingKeysWith: +)
            var headerLayouts: [LineLayout] = [.bsd, .weekday, .unix, .rfc5424]
            if decoder.headers { headerLayouts.append(.iso) }
            let headerish: Int = headerLayouts.reduce(0) { $0 + (counts[$1] ?? 0) }
            let dmesgish = counts.values.reduce(0, +) - headerish
            out.report.kind = headerish > dmesgish ? (sawJournalMeta ? "journal-text" : "syslog") : (counts.isEmpty ? "text-log" : "dmesg")
            let kind: KernelLine.SourceKind = out.report.kind == "dmesg" ? .dmesg : out.report.kind == "journal-text" ? .journalText : .syslog
            for i in out.lines.indices { out.lines[i].sourceKind = kind }
        }
        out.report.warnings = out.warnings.count
        out.report.status = out.warnings.isEmpty ? .read : .partial
        var detail: String
        if total == 0 && (metaLines > 0 || decoder.sampleMetaLines > 0) {
            detail = "no entries (only journalctl's own messages, e.g. '-- No entries --')"
        } else {
            let unit = format == .journalExport || format == .journalVerbose || format == .journalJSONPretty ? "entries" : "lines"
            detail = "\(total) \(unit), \(stream.bytesRead) bytes\(stream.compression.map { " (\($0)-compressed)" } ?? "")"
            if format == .text {
                detail += "; \(decoder.sampleKernelLines) of the first \(decoder.sampleLines) lines are kernel messages"
                let layouts = decoder.sampleLayouts.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \($0.value)" }
                if !layouts.isEmpty { detail += " (layouts: " + layouts.joined(separator: ", ") + ")" }
            }
            detail += "; \(out.lines.count) kernel lines kept for analysis (OOM records, node events)"
            if decoder.bareFile { detail += "; no time stamps (bare kernel text)" }
            if decoder.foreignLines > 0 { detail += "; \(decoder.foreignLines) foreign line(s) skipped" }
            if !out.echoes.isEmpty { detail += "; \(out.echoes.count) kill line(s) quoted by node-problem-detector / events" }
        }
        out.report.detail = detail
        return out
    }

    /// An OOM line that was cut where a wrapping tool breaks lines: its rest is on the next line.
    static func wantsMore(_ m: Substring) -> Bool {
        let t = m.trimmedSpaces()
        if t.hasSuffix(" invoked oom-killer:") { return true }
        if let r = t.find("Killed process ", last: true), case let tail = t[r.upperBound...], !tail.isEmpty, tail.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        if t.hasSuffix(","), t.has("Killed process ") || t.has("reaped process ") || t.has(" invoked oom-killer: ") { return true }
        return false
    }

    /// The rest of a wrapped OOM line: no stamp of its own, and it opens with `(comm)` or a
    /// `key:value` / `key=value` figure.
    static func continuesWrap(_ l: Substring) -> Bool {
        guard let f = l.first, f != "[" else { return false }
        if f == "(" { return true }
        let key = l.prefix { $0.isLetter || $0 == "_" || $0 == "-" }
        guard !key.isEmpty, key.count < l.count else { return false }
        let sep = l[l.index(l.startIndex, offsetBy: key.count)]
        return sep == ":" || sep == "="
    }

    /// What placed a line's time, per layout and kind of wall time: made once per file and
    /// shared by its lines (a string per line cost ~100 bytes each on a log of 64 000 kills).
    struct SourceKey: Hashable { var layout: LineLayout; var kind: UInt8 }

    /// A decoded kernel line as the model's `KernelLine`, its wall time placed through `clock`.
    static func kernelLine(_ d: DecodedLine, _ prov: Provenance, _ clock: LocalClock, _ memo: inout [SourceKey: String]) -> KernelLine {
        var utc: Timestamp?
        var src: String?
        if let w = d.wall {
            utc = clock.place(w)
            if utc != nil {
                let kind: UInt8
                switch (w, d.layout) {
                case (.utc, _): kind = 0
                case (.local, .dmesgCtime): kind = 1
                case (.local, _): kind = 2
                }
                let key = SourceKey(layout: d.layout, kind: kind)
                if let s = memo[key] { src = s } else {
                    switch kind {
                    case 0: src = "\(d.layout.rawValue) line time with its UTC offset"
                    case 1: src = "dmesg -T wall time (\(clock.note)); dmesg computes it as now − uptime + stamp, wrong after suspend"
                    default: src = "\(d.layout.rawValue) local time (\(clock.note))"
                    }
                    memo[key] = src
                }
            }
        }
        // Whole seconds (syslog, dmesg -T, most short layouts) are good to ±1 s; a fraction to its last digit.
        var u: Double?
        if utc != nil, let w = d.wall {
            switch w {
            case .utc: u = 0.001
            case let .local(_, _, _, _, _, _, us): u = clock.zoneAssumed ? 14 * 3600 : (us == 0 ? 1 : 0.001)
            }
        }
        return KernelLine(message: String(d.message), kernelMicros: d.kernelMicros, utc: utc, sourceKind: .dmesg, provenance: prov, timeSource: src, uncertainty: u)
    }

    /// The entry format, from the first bytes (never from the name).
    static func sniff(_ b: UnsafeRawBufferPointer) -> Format {
        let head = String(bytes: UnsafeRawBufferPointer(rebasing: b.prefix(4096)))
        let trimmed = head.drop { $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("__CURSOR=") || trimmed.hasPrefix("__REALTIME_TIMESTAMP=") { return .journalExport }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("\u{1E}{"),
           let firstLine = trimmed.split(separator: "\n").first, firstLine.contains("\"MESSAGE\"") || firstLine.contains("\"__CURSOR\"") || firstLine.contains("\"__REALTIME_TIMESTAMP\"") {
            return .journalJSON
        }
        // json-pretty: `{` alone on the first line, then `\t"FIELD" : value,` lines
        if let firstLine = trimmed.split(separator: "\n").first, firstLine.trimmingCharacters(in: .whitespaces) == "{",
           let object = trimmed.range(of: "\n}"), trimmed[..<object.lowerBound].contains("\"__CURSOR\"") || trimmed[..<object.lowerBound].contains("\"MESSAGE\"") {
            return .journalJSONPretty
        }
        for l in trimmed.split(separator: "\n").prefix(40) {
            if l.hasPrefix("-- ") || l.first?.isWhitespace == true { continue }
            if JournalVerboseFormat.header(l) != nil { return .journalVerbose }
            break
        }
        return .text
    }

    /// `-- Logs begin at Mon 2024-03-11 09:12:01 UTC, end at Tue 2024-03-12 10:00:00 UTC. --`
    /// (systemd ≤ 245) or `-- Journal begins at …, ends at … --` (246–249): the end time, which
    /// gives the year of the year-less lines that follow (zone abbreviation read as UTC: the
    /// year is all that is taken from it).
    static func journalHeaderEnd(_ b: UnsafeRawBufferPointer) -> Timestamp? {
        let head = String(bytes: UnsafeRawBufferPointer(rebasing: b.prefix(512)))
        guard let first = head.split(separator: "\n").first, first.hasPrefix("-- ") else { return nil }
        guard let r = first.range(of: ", end at ") ?? first.range(of: ", ends at ") else { return nil }
        let tail = first[r.upperBound...].split(separator: " ")
        guard tail.count >= 3, let date = tail.first(where: { $0.contains("-") && $0.first?.isNumber == true }) else { return nil }
        let ymd = date.split(separator: "-").compactMap { Int($0) }
        guard ymd.count == 3 else { return nil }
        return Timestamp(nanos: CivilTime(year: ymd[0], month: ymd[1], day: ymd[2], hour: 23, minute: 59, second: 59).epochSeconds * 1_000_000_000)
    }
}
