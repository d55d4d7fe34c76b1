import Foundation
import ForensicModel
import KernelEvents
import SystemdJournal

/// Reads kernel entries from binary journal files through sd-journal.
enum JournalIngest {
    struct Output {
        var lines: [KernelLine] = []
        var reports: [InputReport] = []
        var warnings: [Warning] = []
        var bootOffsets: [String: Int64] = [:]
        var podNames: [String: KubeletNames.Names] = [:]
        var entriesRead = 0
        var kernelEntries = 0
    }

    /// `files` are `*.journal` / `*.journal~` paths; `label` names the group in provenance
    /// (the journal directory). Each file is classified from its header and opened alone first,
    /// so a bad one is reported with its reason and never hides the good ones
    /// (sd_journal_open_files is all-or-nothing). Truncated files are read from a private copy
    /// extended back to their declared size. Entries lost to damage are counted per file
    /// (header n_entries against entries iterated).
    static func read(files: [String], label: String, discovered: Bool) -> Output {
        var out = Output()
        var good: [(path: String, original: String)] = []
        var recovered: [RecoveredJournal] = []
        defer { for r in recovered { r.cleanup() } }
        for f in files {
            let cls = JournalFileClass.classify(path: f)
            var openPath = f
            var notes: [String] = []
            var status = InputReport.Status.read
            var warnings = 0
            switch cls {
            case .empty, .notJournal, .badSignature, .unsupported, .unreadable:
                // libsystemd has the last word (a newer libsystemd may know more flags).
                if (try? Journal.open(files: [f])) == nil {
                    out.warnings.append(Warning(source: Provenance(path: f), message: "journal file not read: \(cls.reason)"))
                    out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: cls.reason, discovered: discovered))
                    continue
                }
            case .truncated(let h, _):
                guard let r = RecoveredJournal.make(from: f, expectedSize: h.expectedSize) else {
                    out.warnings.append(Warning(source: Provenance(path: f), message: "journal file \(cls.reason); a private copy to recover it could not be made"))
                    out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: cls.reason, discovered: discovered))
                    continue
                }
                recovered.append(r)
                openPath = r.path
                notes.append(cls.reason + "; read from a private copy extended with zeros")
                status = .partial
                warnings += 1
                out.warnings.append(Warning(source: Provenance(path: f), message: "journal file \(cls.reason): recovered what precedes the cut from a private copy"))
            case .online:
                notes.append(cls.reason)
            case .ok:
                break
            }
            // Count entries alone, and compare with the header.
            var count = 0
            do {
                let j = try Journal.open(files: [openPath])
                try j.seekHead()
                while try j.next() { count += 1 }
            } catch {
                out.warnings.append(Warning(source: Provenance(path: f), message: "journal file not readable: \(error)"))
                out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: error.description, discovered: discovered))
                continue
            }
            var header: JournalFileHeader?
            switch cls {
            case .ok(let h), .online(let h), .truncated(let h, _): header = h
            default: break
            }
            if let n = header?.nEntries, n > UInt64(count) {
                let lost = n - UInt64(count)
                notes.append("\(lost) of \(n) entries lost to damage")
                status = .partial
                warnings += 1
                out.warnings.append(Warning(source: Provenance(path: f), message: "\(lost) of \(n) entries in the header could not be read (damaged or cut off)"))
            }
            out.entriesRead += count
            good.append((openPath, f))
            out.reports.append(InputReport(path: f, kind: "journal-binary", status: status, warnings: warnings,
                                           detail: (["\(count) entries"] + notes).joined(separator: "; "), discovered: discovered))
        }
        guard !good.isEmpty else { return out }
        do {
            let j = try Journal.open(files: good.map(\.path))
            j.setDataThreshold(0)
            try j.addMatch("_TRANSPORT=kernel")
            try j.seekHead()
            var gate = OOMLineGate()
            while try j.next() {
                out.kernelEntries += 1
                guard let keep = try j.withData("MESSAGE", { gate.pass($0) }), keep else { continue }
                let realtime = Int64(truncatingIfNeeded: try j.realtimeMicros())
                let (mono, boot) = try j.monotonic()
                guard let msg = try j.string("MESSAGE") else { continue }
                var src = Int64(truncatingIfNeeded: mono)
                if let s = try j.string("_SOURCE_MONOTONIC_TIMESTAMP"), let v = Int64(s), v > 0 { src = v }
                let offset = realtime &- Int64(truncatingIfNeeded: mono)
                if out.bootOffsets[boot] == nil { out.bootOffsets[boot] = offset }
                let cursor = (try? j.cursor()) ?? ""
                out.lines.append(KernelLine(message: msg, kernelMicros: src, bootID: boot,
                                            utc: Timestamp(micros: offset &+ src), sourceKind: .journalBinary,
                                            provenance: Provenance(path: label, cursor: cursor),
                                            timeSource: "journal entry: its realtime − monotonic pair + printk time (_SOURCE_MONOTONIC_TIMESTAMP)"))
            }
        } catch {
            out.warnings.append(Warning(source: Provenance(path: label), message: "journal read stopped: \(error)"))
        }
        // Pod and container names from kubelet entries (they name the pod UID).
        if let j = try? Journal.open(files: good.map(\.path)) {
            j.setDataThreshold(0)
            try? j.addMatch("SYSLOG_IDENTIFIER=kubelet")
            try? j.addMatch("_SYSTEMD_UNIT=kubelet.service")
            try? j.seekHead()
            let podUID = NeedleFilter(["podUID="])
            while (try? j.next()) == true {
                guard (try? j.withData("MESSAGE", { podUID.matches($0) })) == true else { continue }
                if let m = try? j.string("MESSAGE"), let n = KubeletNames.scan(Substring(m)) {
                    PodNameTable.add(n, to: &out.podNames)
                }
            }
        }
        return out
    }

    /// Journal files under a directory (machine-id subdirectories included).
    static func files(under dir: String) -> [String] {
        let tree = InputTree(root: dir)   // paths come back as `dir/...`
        return tree.find(where: { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }, maxDepth: 3)
    }
}

/// Reads kernel lines from text logs: dmesg (raw, `-T`, `--time-format iso`, `-r`, `-x`),
/// journalctl output (`short*`, `verbose`, `export`, `json`, `json-seq`) and syslog files
/// (RFC 3164, RFC 3339, RFC 5424). Lines are first tested as bytes (NeedleFilter / OOMLineGate);
/// only candidates become Strings and are parsed.
enum TextLogIngest {
    enum Format: String {
        case dmesg, journalText = "journal-text", syslog
        case journalExport = "journal-export", journalJSON = "journal-json", journalVerbose = "journal-verbose"
    }

    struct Output {
        var lines: [KernelLine] = []
        var report: InputReport
        var warnings: [Warning] = []
    }

    static func read(path: String, format declared: Format, clock: LocalClock, discovered: Bool, podNames: inout [String: KubeletNames.Names]) -> Output {
        let data: Data
        switch readBytes(path) {
        case .failure(let w): return Output(report: InputReport(path: path, kind: declared.rawValue, status: .unreadable, warnings: 1, detail: w.message, discovered: discovered), warnings: [w])
        case .success(let d): data = d
        }
        let format = data.withUnsafeBytes { refine(declared, $0) }
        var clock = clock
        if format == .journalText || format == .syslog, let end = data.withUnsafeBytes({ journalHeaderEnd($0) }) {
            clock.reference = end
            clock.note += "; year from journalctl's '-- Logs begin at … end at …' line"
        }
        var out = Output(report: InputReport(path: path, kind: format.rawValue, status: .read, discovered: discovered))
        var total = 0, unparsed = 0, metaLines = 0
        var firstUnparsed: Int?
        var gate = OOMLineGate()
        let kind: KernelLine.SourceKind = format == .syslog ? .syslog : format == .dmesg ? .dmesg : format == .journalText ? .journalText : .journalExport
        let podNeedle = NeedleFilter(["podUID="])

        func addEntry(_ e: JournalEntryFields, _ prov: Provenance, gated: Bool = false) {
            if e.isKernel, let msg = e.message {
                var m = msg
                let ok = gated || m.withUTF8 { gate.pass(UnsafeRawBufferPointer($0)) }
                if ok, var l = e.kernelLine(kind: kind, provenance: prov) {
                    l.timeSource = e.monotonic != nil ? "journal entry (\(format.rawValue)): realtime − monotonic + printk time" : "journal entry (\(format.rawValue)): reception time"
                    out.lines.append(l)
                }
            } else if e.identifier == "kubelet", let m = e.message, m.contains("podUID="), let n = KubeletNames.scan(Substring(m)) {
                PodNameTable.add(n, to: &podNames)
            }
        }

        data.withUnsafeBytes { buf in
            switch format {
            case .journalExport:
                var entries = 0
                let problems = JournalExportFormat.forEachEntry(buf) { e, offset in
                    entries += 1
                    addEntry(e, Provenance(path: path, cursor: e.cursor, byteOffset: Int64(offset)))
                }
                total = entries
                for p in problems {
                    if case .truncatedBinaryField(let off) = p {
                        out.warnings.append(Warning(source: Provenance(path: path, byteOffset: Int64(off)), message: "export stream cut inside a binary field at byte \(off); entries before it were read"))
                    }
                }
            case .journalVerbose:
                var cur: JournalEntryFields?
                var curLine = 0
                LineScanner.forEachLine(buf) { n, _, raw in
                    guard !raw.isEmpty else { return }
                    let line = Substring(String(bytes: raw))
                    if raw[0] == 0x20 || raw[0] == 0x09 {
                        if cur != nil { JournalVerboseFormat.field(line, into: &cur!) }
                    } else if let h = JournalVerboseFormat.header(line) {
                        if let c = cur { addEntry(c, Provenance(path: path, line: curLine)) }
                        cur = h; curLine = n; total += 1
                    } else if line.hasPrefix("-- ") || isJournalctlMessage(line) {
                        metaLines += 1
                    } else { unparsed += 1; firstUnparsed = firstUnparsed ?? n }
                }
                if let c = cur { addEntry(c, Provenance(path: path, line: curLine)) }
            case .journalJSON:
                LineScanner.forEachLine(buf) { n, _, raw in
                    guard !raw.isEmpty else { return }
                    total += 1
                    // Only candidate lines are decoded (the message is inside the line's bytes).
                    guard gate.pass(raw) || podNeedle.matches(raw) else { return }  // the whole JSON line holds the message
                    guard let e = JournalJSONFormat.entry(raw) else { unparsed += 1; firstUnparsed = firstUnparsed ?? n; return }
                    addEntry(e, Provenance(path: path, line: n), gated: true)
                }
            case .dmesg, .journalText, .syslog:
                // Where the needles are, found by one scan of the whole buffer per needle.
                let hits = NeedleFilter.oom.hits(in: buf)
                var h = 0
                LineScanner.forEachLine(buf) { n, offset, raw in
                    while h < hits.count && hits[h] < offset { h += 1 }
                    let candidate = h < hits.count && hits[h] < offset + raw.count
                    guard let c = raw.first else { return }
                    if c == 0x20 || c == 0x09 { return } // continuation of a multi-line message
                    if raw.starts(with: "-- ".utf8) { metaLines += 1; return }
                    total += 1
                    let isPod = candidate && format != .dmesg && podNeedle.matches(raw)
                    guard gate.pass(raw, candidate: candidate) || isPod else { return }
                    let line = Substring(String(bytes: raw))
                    if format == .dmesg {
                        if let (micros, msg) = LogText.parseDmesg(line) {
                            out.lines.append(KernelLine(message: String(msg), kernelMicros: micros, sourceKind: .dmesg, provenance: Provenance(path: path, line: n)))
                        } else if let (utc, msg) = LogText.parseDmesgWall(line, clock: clock) ?? LogText.parseDmesgISO(line).map({ ($0.utc, $0.message) }) {
                            out.lines.append(KernelLine(message: String(msg), utc: utc, sourceKind: .dmesg, provenance: Provenance(path: path, line: n),
                                                        timeSource: utc == nil ? nil : "dmesg wall time (\(clock.note)); dmesg computes it as now − uptime + stamp, wrong after suspend"))
                        } else { unparsed += 1; firstUnparsed = firstUnparsed ?? n }
                        return
                    }
                    if isJournalctlMessage(line) { metaLines += 1; total -= 1; return }
                    guard let p = LogText.parseSyslogLike(line, clock: clock) else { unparsed += 1; firstUnparsed = firstUnparsed ?? n; return }
                    if p.isKernel {
                        let src: String? = p.utc == nil ? nil : (first(line) == "<" || first(line).isNumber ? "\(format.rawValue) line time with its UTC offset" : "\(format.rawValue) local time (\(clock.note))")
                        out.lines.append(KernelLine(message: String(p.message), kernelMicros: p.kernelMicros, utc: p.utc, sourceKind: kind, provenance: Provenance(path: path, line: n), timeSource: src))
                    } else if p.identifier == "kubelet", let names = KubeletNames.scan(p.message) {
                        PodNameTable.add(names, to: &podNames)
                    }
                }
            }
        }
        if unparsed > 0 {
            out.warnings.append(Warning(source: Provenance(path: path, line: firstUnparsed), message: "\(unparsed) candidate line(s) not in a known \(format.rawValue) layout (first at line \(firstUnparsed!)); skipped"))
        }
        out.report.warnings = out.warnings.count
        out.report.status = out.warnings.isEmpty ? .read : .partial
        if total == 0 && metaLines > 0 {
            out.report.detail = "no entries (only journalctl's own messages, e.g. '-- No entries --')"
        } else {
            out.report.detail = "\(total) \(format == .journalExport || format == .journalVerbose ? "entries" : "lines"), \(data.count) bytes; \(out.lines.count) kernel lines kept for analysis"
        }
        return out
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

    static func first(_ l: Substring) -> Character { l.first ?? " " }

    /// Lines journalctl prints instead of entries (sos captures them with the output).
    static func isJournalctlMessage(_ l: Substring) -> Bool {
        l.hasPrefix("Data from the specified boot") || l.hasPrefix("No journal files were found") || l.hasPrefix("Failed to ")
            || l.hasPrefix("Hint: ") || l.hasPrefix("Journal file ") || l.hasPrefix("Warning: ")
    }

    /// The format a text file is really in, from its first bytes (the name is only a hint).
    static func refine(_ declared: Format, _ b: UnsafeRawBufferPointer) -> Format {
        let head = String(bytes: UnsafeRawBufferPointer(rebasing: b.prefix(4096)))
        if head.hasPrefix("__CURSOR=") || head.hasPrefix("__REALTIME_TIMESTAMP=") { return .journalExport }
        if head.hasPrefix("{") || head.hasPrefix("\u{1E}{") { return .journalJSON }
        // "[ 3600.123456] …" is raw dmesg or journalctl short-monotonic ("[ …] host kernel: …"):
        // vote over the first lines.
        var stamped = 0, monotonicKernel = 0
        for l in head.split(separator: "\n").prefix(40) {
            if l.hasPrefix("-- ") || isJournalctlMessage(l) || l.first?.isWhitespace == true { continue }
            if JournalVerboseFormat.header(l) != nil { return .journalVerbose }
            if declared == .dmesg { return .dmesg }
            if LogText.parseDmesgWall(l, clock: .utcUnknownYear) != nil { return .dmesg }
            // util-linux's --time-format iso writes a comma before the microseconds
            if l.count > 20, l[l.index(l.startIndex, offsetBy: 19)] == ",", LogText.parseDmesgISO(l) != nil { return .dmesg }
            if LogText.parseDmesg(l) != nil {
                stamped += 1
                if let p = LogText.parseSyslogLike(l, clock: .utcUnknownYear), p.hostname != nil { monotonicKernel += 1 }
                continue
            }
            return declared
        }
        if stamped > 0 { return monotonicKernel * 2 > stamped ? .journalText : .dmesg }
        return declared
    }

    /// Sniffs a text file given without a kind.
    static func sniff(_ path: String) -> Format {
        guard let h = FileHandle(forReadingAtPath: path) else { return .syslog }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: 4096)) ?? Data()
        return data.withUnsafeBytes { refine(.syslog, $0) }
    }
}

enum PodNameTable {
    /// Keeps the most complete names seen for each pod UID.
    static func add(_ n: KubeletNames.Names, to table: inout [String: KubeletNames.Names]) {
        var cur = table[n.podUID] ?? n
        cur.pod = cur.pod ?? n.pod
        cur.container = cur.container ?? n.container
        table[n.podUID] = cur
    }
}
