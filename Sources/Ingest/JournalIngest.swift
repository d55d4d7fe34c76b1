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
    }

    /// `files` are `*.journal` / `*.journal~` paths; `label` names the group in provenance
    /// (the journal directory). Each file is opened alone first so a bad one is reported with its
    /// reason and never hides the good ones (sd_journal_open_files is all-or-nothing).
    static func read(files: [String], label: String, discovered: Bool) -> Output {
        var out = Output()
        var good: [String] = []
        for f in files {
            do {
                _ = try Journal.open(files: [f])
                good.append(f)
            } catch {
                let w = Warning(source: Provenance(path: f), message: "journal file not readable: \(error)")
                out.warnings.append(w)
                out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: error.description, discovered: discovered))
            }
        }
        guard !good.isEmpty else { return out }
        var entries = 0
        var kernelEntries = 0
        var readWarnings = 0
        do {
            let j = try Journal.open(files: good)
            j.setDataThreshold(0)
            try j.addMatch("_TRANSPORT=kernel")
            try j.seekHead()
            while try j.next() {
                entries += 1
                do {
                    let realtime = Int64(try j.realtimeMicros())
                    let (mono, boot) = try j.monotonic()
                    guard let msg = try j.string("MESSAGE") else { continue }
                    kernelEntries += 1
                    var src = Int64(mono)
                    if let s = try j.string("_SOURCE_MONOTONIC_TIMESTAMP"), let v = Int64(s), v > 0 { src = v }
                    let offset = realtime - Int64(mono)
                    if out.bootOffsets[boot] == nil { out.bootOffsets[boot] = offset }
                    let cursor = (try? j.cursor()) ?? ""
                    out.lines.append(KernelLine(message: msg, kernelMicros: src, bootID: boot,
                                                utc: Timestamp(micros: offset + src), sourceKind: .journalBinary,
                                                provenance: Provenance(path: label, cursor: cursor)))
                } catch {
                    readWarnings += 1
                    out.warnings.append(Warning(source: Provenance(path: label), message: "journal entry \(entries) unreadable: \(error)"))
                }
            }
        } catch {
            readWarnings += 1
            out.warnings.append(Warning(source: Provenance(path: label), message: "journal read stopped: \(error)"))
        }
        // Pod and container names from kubelet entries (they name the pod UID).
        if let j = try? Journal.open(files: good) {
            j.setDataThreshold(0)
            try? j.addMatch("SYSLOG_IDENTIFIER=kubelet")
            try? j.addMatch("_SYSTEMD_UNIT=kubelet.service")
            try? j.seekHead()
            while (try? j.next()) == true {
                if let m = try? j.string("MESSAGE"), m.contains("podUID="), let n = KubeletNames.scan(Substring(m)) {
                    PodNameTable.add(n, to: &out.podNames)
                }
            }
        }
        for f in good {
            out.reports.append(InputReport(path: f, kind: "journal-binary", status: readWarnings == 0 ? .read : .partial,
                                           warnings: readWarnings, detail: "read with \(good.count - 1) other file(s): \(kernelEntries) kernel entries in all", discovered: discovered))
        }
        return out
    }

    /// Journal files under a directory (machine-id subdirectories included).
    static func files(under dir: String) -> [String] {
        let tree = InputTree(root: dir)   // paths come back as `dir/...`
        return tree.find(where: { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }, maxDepth: 3)
    }
}

/// Reads kernel lines from text logs: raw dmesg, journalctl short* output, syslog files.
enum TextLogIngest {
    enum Format: String { case dmesg, journalText = "journal-text", syslog }

    static func read(path: String, format: Format, clock: LocalClock, discovered: Bool, podNames: inout [String: KubeletNames.Names]) -> (lines: [KernelLine], report: InputReport, warnings: [Warning]) {
        let text: String
        switch readText(path) {
        case .failure(let w): return ([], InputReport(path: path, kind: format.rawValue, status: .unreadable, warnings: 1, detail: w.message, discovered: discovered), [w])
        case .success(let t): text = t
        }
        var out: [KernelLine] = []
        var unparsed = 0
        var firstUnparsed: Int?
        var total = 0
        var metaLines = 0
        for (n, l) in lines(of: text) {
            if l.isEmpty { continue }
            total += 1
            let prov = Provenance(path: path, line: n)
            switch format {
            case .dmesg:
                if let (micros, msg) = LogText.parseDmesg(l) {
                    out.append(KernelLine(message: String(msg), kernelMicros: micros, sourceKind: .dmesg, provenance: prov))
                } else if !l.first!.isWhitespace { unparsed += 1; firstUnparsed = firstUnparsed ?? n }
            case .journalText, .syslog:
                if l.first!.isWhitespace || l.hasPrefix("-- ") || isJournalctlMessage(l) { total -= 1; metaLines += 1; continue }
                if let p = LogText.parseSyslogLike(l, clock: clock) {
                    if p.isKernel {
                        out.append(KernelLine(message: String(p.message), kernelMicros: p.kernelMicros, utc: p.utc,
                                              sourceKind: format == .syslog ? .syslog : .journalText, provenance: prov))
                    } else if p.identifier == "kubelet", let n = KubeletNames.scan(p.message) {
                        PodNameTable.add(n, to: &podNames)
                    }
                } else { unparsed += 1; firstUnparsed = firstUnparsed ?? n }
            }
        }
        var warnings: [Warning] = []
        if unparsed > 0 {
            warnings.append(Warning(source: Provenance(path: path, line: firstUnparsed), message: "\(unparsed) of \(total) lines not in a known \(format.rawValue) layout (first at line \(firstUnparsed!)); skipped"))
        }
        let status: InputReport.Status = total > 0 && unparsed == total ? .unreadable : (unparsed > 0 ? .partial : .read)
        let detail = total == 0 && metaLines > 0 ? "no entries (only journalctl's own messages, e.g. '-- No entries --')" : "\(total) lines, \(out.count) kernel"
        return (out, InputReport(path: path, kind: format.rawValue, status: status, warnings: warnings.count,
                                 detail: detail, discovered: discovered), warnings)
    }

    /// Lines journalctl prints instead of entries (sos captures them with the output).
    static func isJournalctlMessage(_ l: Substring) -> Bool {
        l.hasPrefix("Data from the specified boot") || l.hasPrefix("No journal files were found") || l.hasPrefix("Failed to ")
            || l.hasPrefix("Hint: ") || l.hasPrefix("Journal file ") || l.hasPrefix("Warning: ")
    }

    /// Sniffs a text file: dmesg (`[ s.us]`), or syslog-like.
    static func sniff(_ path: String) -> Format {
        guard let h = FileHandle(forReadingAtPath: path) else { return .syslog }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: 4096)) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        for l in text.split(separator: "\n").prefix(20) where !l.hasPrefix("-- ") {
            if LogText.parseDmesg(l) != nil && LogText.parseSyslogLike(l, clock: .utcUnknownYear) == nil { return .dmesg }
            return .syslog
        }
        return .syslog
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
