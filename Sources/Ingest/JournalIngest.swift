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
        /// First and last kernel entry (realtime).
        var span: (Timestamp, Timestamp)?
    }

    /// `files` are `*.journal` / `*.journal~` paths; `label` names the group in provenance
    /// (the journal directory). Each file is classified from its header and opened alone first,
    /// so a bad one is reported with its reason and never hides the good ones
    /// (sd_journal_open_files is all-or-nothing). Truncated files are read from a private copy
    /// extended back to their declared size. Entries lost to damage are counted per file
    /// (header n_entries against entries iterated).
    static func read(files: [String], label: String, discovered: Bool, progress: Bool = false) -> Output {
        var out = Output()
        let name = (label as NSString).lastPathComponent
        func say(_ s: String) { FileHandle.standardError.write(Data("\r\u{1B}[K  \(name): \(s)".utf8)) }
        var good: [(path: String, original: String)] = []
        var recovered: [RecoveredJournal] = []
        defer { for r in recovered { r.cleanup() } }
        for (fileIndex, f) in files.enumerated() {
            if progress { say("checking journal file \(fileIndex + 1) of \(files.count), \(out.entriesRead) entries so far") }
            let cls = JournalFileClass.classify(path: f)
            var openPath = f
            var notes: [String] = []
            var status = InputReport.Status.read
            var warnings = 0
            switch cls {
            case .empty, .notJournal, .badSignature, .unsupported, .unreadable:
                // libsystemd has the last word (a newer libsystemd may know more flags).
                if (try? Journal.open(files: [f])) == nil {
                    out.warnings.append(Warning(source: Provenance(path: f), message: "journal file not read: \(cls.reason)", code: "journal.file-not-read"))
                    out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: cls.reason, discovered: discovered))
                    continue
                }
            case .truncated(let h, _):
                guard let r = RecoveredJournal.make(from: f, expectedSize: h.expectedSize) else {
                    out.warnings.append(Warning(source: Provenance(path: f), message: "journal file \(cls.reason); a private copy to recover it could not be made", code: "journal.recovery-failed"))
                    out.reports.append(InputReport(path: f, kind: "journal-binary", status: .unreadable, warnings: 1, detail: cls.reason, discovered: discovered))
                    continue
                }
                recovered.append(r)
                openPath = r.path
                notes.append(cls.reason + "; read from a private copy extended with zeros")
                status = .partial
                warnings += 1
                out.warnings.append(Warning(source: Provenance(path: f), message: "journal file \(cls.reason): recovered what precedes the cut from a private copy", code: "journal.recovered-from-copy"))
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
                while try j.next() {
                    count += 1
                    if progress, count & 0x3FFFF == 0 { say("checking journal file \(fileIndex + 1) of \(files.count), \(out.entriesRead + count) entries") }
                }
            } catch {
                out.warnings.append(Warning(source: Provenance(path: f), message: "journal file not readable: \(error)", code: "journal.file-not-read"))
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
                out.warnings.append(Warning(source: Provenance(path: f), message: "\(lost) of \(n) entries in the header could not be read (damaged or cut off)", code: "journal.entries-lost"))
            }
            out.entriesRead += count
            good.append((openPath, f))
            out.reports.append(InputReport(path: f, kind: "journal-binary", status: status, warnings: warnings,
                                           detail: (["\(count) entries"] + notes).joined(separator: "; "), discovered: discovered))
        }
        guard !good.isEmpty else { return out }
        // sd-journal keeps every file open at once: with more files than free descriptors, read
        // them in batches (in name order: a machine's files rotate in that order), each batch
        // interleaved by sd-journal, and say so.
        let batches = Self.batches(good.map(\.path))
        if batches.count > 1 {
            out.warnings.append(Warning(source: Provenance(path: label), message: "\(good.count) journal files, more than the open-file limit allows at once: read in \(batches.count) batches (entries are interleaved within a batch only)", code: "journal.read-in-batches"))
        }
        for batch in batches {
        do {
            let j = try Journal.open(files: batch)
            j.setDataThreshold(0)
            try j.addMatch("_TRANSPORT=kernel")
            try j.seekHead()
            var gate = OOMLineGate()
            while try j.next() {
                out.kernelEntries += 1
                if progress, out.kernelEntries & 0xFFFF == 0 { say("\(out.kernelEntries) kernel entries read, \(out.lines.count) kept") }
                let realtime = Int64(truncatingIfNeeded: try j.realtimeMicros())
                let t = Timestamp(micros: realtime)
                out.span = out.span.map { (min($0.0, t), max($0.1, t)) } ?? (t, t)
                guard let keep = try j.withData("MESSAGE", { gate.pass($0) }), keep else { continue }
                let (mono, boot) = try j.monotonic()
                guard let msg = try j.string("MESSAGE") else { continue }
                var src = Int64(truncatingIfNeeded: mono)
                // the printk stamp, not the reception time (docs/spec/journal.md, "Timestamps")
                if let s = try j.string("_SOURCE_MONOTONIC_TIMESTAMP"), let v = Int64(s), v > 0 { src = v }
                let offset = realtime &- Int64(truncatingIfNeeded: mono)
                if out.bootOffsets[boot] == nil { out.bootOffsets[boot] = offset }
                let cursor = (try? j.cursor()) ?? ""
                out.lines.append(KernelLine(message: msg, kernelMicros: src, bootID: boot,
                                            utc: Timestamp(micros: offset &+ src), sourceKind: .journalBinary,
                                            provenance: Provenance(path: label, cursor: cursor),
                                            timeSource: "journal entry: its realtime − monotonic pair + printk time (_SOURCE_MONOTONIC_TIMESTAMP)", uncertainty: 0))
            }
        } catch {
            out.warnings.append(Warning(source: Provenance(path: label), message: "journal read stopped: \(error) (files \(batch.first.map { ($0 as NSString).lastPathComponent } ?? "") …); kernel entries of these files after that point are missing", code: "journal.read-stopped"))
        }
        }
        // Pod and container names from kubelet entries (they name the pod UID).
        for batch in batches {
        if let j = try? Journal.open(files: batch) {
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
        }
        return out
    }

    /// Files in groups small enough for the free file descriptors (the soft limit, less a margin).
    static func batches(_ files: [String]) -> [[String]] {
        var lim = rlimit()
        var free = 900
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 {
            free = max(8, Int(min(lim.rlim_cur, 1 << 20)) - 64)
        }
        let sorted = files.sorted()
        return stride(from: 0, to: sorted.count, by: free).map { Array(sorted[$0..<min($0 + free, sorted.count)]) }
    }

    /// Journal files under a directory (machine-id subdirectories included).
    static func files(under dir: String) -> [String] {
        let tree = InputTree(root: dir)   // paths come back as `dir/...`
        return tree.find(where: { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }, maxDepth: 3)
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
