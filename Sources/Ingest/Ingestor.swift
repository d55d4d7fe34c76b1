import Foundation
import BundleArchive
import ForensicModel
import KernelEvents
import NetworkEvents

/// What the user asked to read.
public struct IngestRequest: Sendable {
    /// A sosreport directory, a journal directory or a single log / journal / capture file.
    public var path: String?
    public var pcaps: [String] = []
    public var journals: [String] = []
    public var dmesgs: [String] = []
    public var keepCopies = false
    /// Progress on stderr for long passes.
    public var progress = false
    /// Log files found beside the bundle in an incident folder (read by content like `dmesgs`).
    public var extraLogs: [String] = []
    /// The node's name when the request is one node of an incident folder.
    public var node: String?
    /// `--boot-time`: the boot instant, when the user knows it better than the bundle.
    public var bootTime: Timestamp?
    /// `--tz`: the node's zone, when the bundle does not say or says wrong.
    public var zone: TimeZone?
    /// Caps on what a tarball may extract.
    public var extractLimits = BundleArchive.Limits()
    /// Files of an incident folder that are not inputs, and why (reported, not read).
    public var notInputs: [String: String] = [:]
    /// Files and folders of the incident folder that could not be read or listed, and why.
    public var unreadableInputs: [String: String] = [:]
    public init(path: String?, pcaps: [String] = [], journals: [String] = [], dmesgs: [String] = [], keepCopies: Bool = false) {
        self.path = path; self.pcaps = pcaps; self.journals = journals; self.dmesgs = dmesgs; self.keepCopies = keepCopies
    }
}

/// Finds the inputs, reads them with the wrappers, runs the extractors. Produces the model.
public struct Ingestor {
    public init() {}

    private struct Found {
        var journalFiles: [(files: [String], label: String, discovered: Bool)] = []
        var texts: [(path: String, discovered: Bool)] = []
        var ps: [String] = []
        var counters: [(path: String, kind: String)] = []
        var procStatus: [(status: String, cgroup: String?)] = []
        var pcaps: [(String, Bool)] = []
        var skipped: [(String, String)] = []
        var unreadable: [(String, String)] = []
        /// Candidates for sar text, /proc/vmstat and /proc/pressure/* (each checked by content).
        var stallFiles: [String] = []
    }

    /// Splits what PATH holds into nodes: each sosreport tree or tarball found below it is one
    /// node; captures and loose logs go with the node whose folder holds them, else with every
    /// node (one node: with it). A PATH with no sosreport is one node made of its loose files.
    public static func plan(_ req: IngestRequest) -> [IngestRequest] {
        guard let path = req.path else { return [req] }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue, !Discovery.isSosRoot(path) else { return [req] }
        let d = Discovery.scan(InputTree(root: path).given)
        let roots = d.sosRoots + d.archives
        guard roots.count > 1 else {
            var one = req
            if let r = roots.first {
                one.path = r
                one.extraLogs += d.textFiles + d.journalFiles
                one.pcaps += d.captures
                for (p, why) in d.skipped { one.notInputs[p] = why }
                for (p, why) in d.unreadable { one.unreadableInputs[p] = why }
            }
            return [one]
        }
        return roots.map { root in
            var r = req
            r.path = root
            let dir = (root as NSString).deletingLastPathComponent
            func mine(_ f: String) -> Bool {
                // a file in a folder of its own beside this node's bundle, or named after it
                let name = ((root as NSString).lastPathComponent as NSString).deletingPathExtension
                return f.hasPrefix(dir + "/") && dir != InputTree(root: path).given || f.contains(name)
            }
            let caps = d.captures.filter(mine)
            r.pcaps += caps.isEmpty ? d.captures : caps
            r.extraLogs += (d.textFiles + d.journalFiles).filter(mine)
            r.node = ((root as NSString).lastPathComponent as NSString).deletingPathExtension
            // what could not be read cannot be placed with a node: every node's report names it
            for (p, why) in d.unreadable { r.unreadableInputs[p] = why }
            return r
        }
    }

    public func run(_ req0: IngestRequest) -> AnalysisResult {
        // An incident folder holding one sosreport (tree or tarball) and captures: that node.
        let nodes = Self.plan(req0)
        let req = nodes.count == 1 ? nodes[0] : req0
        // A sosreport tarball: extract what is needed into a private directory, read that, then
        // report paths as "<archive>:<member>" and remove the directory.
        if let path = req.path, FileKind.sniff(path) == .tarArchive {
            return runArchive(path, req)
        }
        var r = runTree(req)
        r.node = r.node ?? req.node
        return r
    }

    /// Members of a sos tarball worth extracting.
    static func wanted(_ rel: String) -> Bool {
        let r = "/" + rel
        let keys = ["/sos_commands/kernel/", "/sos_commands/logs/", "/sos_commands/process/", "/sos_commands/date/",
                    "/sos_commands/host/", "/sos_commands/general/", "/sos_commands/systemd/", "/sos_commands/networking/nstat",
                    "/sos_commands/networking/netstat_-s", "/var/log/journal/", "/run/log/journal/", "/var/log/messages",
                    "/var/log/syslog", "/var/log/kern.log", "/var/log/kern", "/var/log/dmesg", "/var/log/boot.log",
                    "/var/log/console", "/var/log/warn", "/var/log/localmessages", "/proc/stat", "/proc/uptime",
                    "/sos_reports/manifest.json", "/etc/hostname", "/usr/share/zoneinfo/", "/proc/net/softnet_stat",
                    "/proc/sys/net/netfilter/", "/etc/localtime", "/etc/timezone", "/version.txt",
                    "/sos_commands/sar/", "/var/log/sa/sar", "/proc/vmstat", "/proc/pressure/"]
        if keys.contains(where: { r.contains($0) }) { return true }
        if r.hasSuffix("/status") || r.hasSuffix("/cgroup"), r.contains("/proc/") { return true }
        if r.hasSuffix(".pcap") || r.hasSuffix(".pcapng") { return true }
        return false
    }

    private func runArchive(_ path: String, _ req: IngestRequest) -> AnalysisResult {
        let extracted: BundleArchive.Result
        do {
            var tmp = NSTemporaryDirectory()
            while tmp.count > 1 && tmp.hasSuffix("/") { tmp.removeLast() }
            let dir = tmp.isEmpty ? "/tmp" : tmp
            BundleArchive.clearStale(in: dir)
            let name = (path as NSString).lastPathComponent
            extracted = try BundleArchive.extract(path: path, into: dir, limits: req.extractLimits, created: { ExtractionCleanup.register($0) },
                                                  progress: req.progress ? { n, b in FileHandle.standardError.write(Data("\r\u{1B}[K  \(name): \(n) members, \(b >> 20) MB extracted".utf8)) } : nil,
                                                  select: Self.wanted)
            if req.progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        } catch {
            var sub = req
            sub.path = nil
            var r = runTree(sub)
            r.warnings.append(Warning(source: Provenance(path: path), message: "archive not readable: \(error)", code: "archive.unreadable"))
            r.inputs.insert(InputReport(path: path, kind: "archive", status: .unreadable, warnings: 1, detail: error.description), at: 0)
            return r
        }
        defer { BundleArchive.cleanup(extracted.directory); ExtractionCleanup.unregister(extracted.directory) }
        // The bundle root is the folder holding sos_commands (usually the one top-level folder).
        let top = (try? FileManager.default.contentsOfDirectory(atPath: extracted.directory)) ?? []
        let root = top.count == 1 && !FileManager.default.fileExists(atPath: extracted.directory + "/sos_commands") ? extracted.directory + "/" + top[0] : extracted.directory
        var sub = req
        sub.path = root
        var r = runTree(sub)
        let label = path + ":" + (root == extracted.directory ? "" : top[0])
        r.rewritePaths(from: root, to: label)
        r.inputRoot = label
        r.node = r.node ?? req.node ?? ((path as NSString).lastPathComponent.components(separatedBy: ".tar").first)
        var warnings: [Warning] = extracted.refused.map { Warning(source: Provenance(path: path + ":" + $0.path), message: "archive member refused: \($0.reason)", code: "archive.member-refused") }
        if let e = extracted.error { warnings.append(Warning(source: Provenance(path: path), message: "archive read stopped early: \(e); members before it were used", code: "archive.read-stopped")) }
        for t in extracted.truncated { warnings.append(Warning(source: Provenance(path: path + ":" + t.path), message: "archive member only partly extracted: \(t.reason); what it holds is incomplete", code: "archive.member-partial")) }
        r.warnings = warnings + r.warnings
        r.inputs.insert(InputReport(path: path, kind: "archive", status: extracted.error == nil && extracted.truncated.isEmpty ? .read : .partial, warnings: warnings.count,
                                    detail: "\(extracted.extracted) members extracted (\(extracted.bytes >> 10) KiB) to a private directory, removed afterwards; \(extracted.refused.count) refused"), at: 0)
        return r
    }

    private func runTree(_ req: IngestRequest) -> AnalysisResult {
        var result = AnalysisResult()
        result.inputRoot = req.path.map { InputTree(root: $0).given }
        var found = Found()
        var clock = ClockContext()
        if let path = req.path { discover(path, into: &found, clock: &clock, result: &result) }
        // --journal / --dmesg / loose logs: read by content, whatever the flag or the name.
        for j in req.journals + req.dmesgs { addGiven(j, into: &found, discovered: false) }
        for j in req.extraLogs { addGiven(j, into: &found, discovered: true) }
        for p in req.pcaps { found.pcaps.append((p, false)) }
        if let z = req.zone {
            clock.localClock.timeZone = z
            clock.localClock.zoneAssumed = false
            clock.localClock.note = "zone \(z.identifier) (--tz)" + (clock.collectionTime == nil ? "; year unknown" : "; year from the collection date")
            clock.zoneKnown = true
        }
        result.clockNotes = clock.notes
        if clock.zoneKnown { result.nodeZone = clock.localClock.timeZone.identifier }
        result.collectionTime = clock.collectionTime
        for (p, why) in found.skipped + req.notInputs.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
            result.inputs.append(InputReport(path: p, kind: "unknown", status: .skipped, detail: why, discovered: true))
        }
        for (p, why) in found.unreadable + req.unreadableInputs.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
            result.warnings.append(Warning(source: Provenance(path: p), message: why + " (what it holds is not in this report)", code: "input.unreadable"))
            result.inputs.append(InputReport(path: p, kind: "unknown", status: .unreadable, warnings: 1, detail: why, discovered: true))
        }

        // 1. Binary journals (they anchor the kernel clock of the other sources).
        var streams: [[KernelLine]] = []
        var podNames: [String: KubeletNames.Names] = [:]
        var anchors: [AnchorKey: (Int64, String)] = [:]
        for group in found.journalFiles {
            if group.files.isEmpty {
                let w = Warning(source: Provenance(path: group.label), message: "no *.journal files found", code: "journal.no-files")
                result.warnings.append(w)
                result.inputs.append(InputReport(path: group.label, kind: "journal-binary", status: .unreadable, warnings: 1, detail: w.message, discovered: group.discovered))
                continue
            }
            if req.progress { FileHandle.standardError.write(Data("\r\u{1B}[K  reading \(group.files.count) journal file(s) under \((group.label as NSString).lastPathComponent)…".utf8)) }
            let out = JournalIngest.read(files: group.files, label: group.label, discovered: group.discovered, progress: req.progress)
            if req.progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            result.inputs += out.reports
            if out.kernelEntries > 0 { result.kernelLogInputs += 1 }
            if let sp = out.span {
                let end = group.discovered ? max(sp.1, clock.collectionTime ?? sp.1) : sp.1
                result.logCoverage.append(LogCoverage(path: group.label, start: sp.0, end: end))
            }
            result.warnings += out.warnings
            for (k, v) in out.bootOffsets { clock.journalBootOffsets[k] = v }
            for n in out.podNames.values { PodNameTable.add(n, to: &podNames) }
            for l in out.lines where l.kernelMicros != nil && l.utc != nil && OOMAssembler.mightMatter(l.message) {
                anchors[AnchorKey(micros: l.kernelMicros!, message: l.message)] = (l.utc!.micros - l.kernelMicros!, l.bootID ?? "")
            }
            streams.append(out.lines)
        }

        // sar output, /proc/vmstat and PSI files are told from logs by their content.
        var stallFiles = found.stallFiles
        found.texts.removeAll { t in
            guard t.path != "-", t.path != "/dev/stdin", StallInputs.sniff(t.path) != nil else { return false }
            stallFiles.append(t.path)
            return true
        }

        // 2. Text logs: read them all, then place their kernel clocks (raw dmesg and its -T copy
        //    together pin the boot instant).
        var echoes: [KernelLine] = []
        var texts: [(t: (path: String, discovered: Bool), o: TextLogIngest.Output)] = []
        for t in found.texts {
            texts.append((t, TextLogIngest.read(path: t.path, clock: clock.localClock, discovered: t.discovered, podNames: &podNames, progress: req.progress)))
        }
        if clock.zoneKnown, let pair = Self.ctimePairs(texts.map(\.o.lines)) {
            clock.bootIntervals.append(pair)
            clock.resolveBoot()
        }
        if let bt = req.bootTime {
            clock.bootTime = bt; clock.bootUncertainty = 0.001; clock.bootTimeSource = "--boot-time"
        }
        if let b = clock.bootTime {
            result.clockNotes.append("boot at \(b.iso8601) ± \(fmtSeconds(clock.bootUncertainty)) (\(clock.bootTimeSource ?? "?"))")
        }
        for c in clock.conflicts {
            result.warnings.append(Warning(source: Provenance(path: req.path ?? "clock"), message: "clock sources disagree: \(c)", code: "clock.sources-disagree"))
        }
        for i in texts.indices {
            // taken out of `texts`, not copied: the lines are changed below, and a second
            // reference would make that a copy of every line (64 000 kills: ~90 MB)
            let t = texts[i].t
            var o = texts[i].o
            texts[i].o.lines = []
            texts[i].o.spanLines = []
            var lines = o.lines
            o.lines = []
            var (report, warnings) = (o.report, o.warnings)
            echoes += o.echoes
            if o.kernelLines > 0 { result.kernelLogInputs += 1 } else if t.discovered && report.status == .read && o.echoes.isEmpty {
                report.status = .skipped
                report.detail += "; no kernel lines in it"
            }
            let nSpan = o.spanLines.count
            lines += o.spanLines
            if lines.contains(where: { $0.utc == nil && $0.kernelMicros != nil }) {
                let (note, placed) = placeKernelClock(&lines, anchors: anchors, clock: clock)
                report.detail += "; " + note
                if !placed {
                    warnings.append(Warning(source: Provenance(path: t.path), message: "kernel timestamps kept on the kernel clock: \(note)", code: "clock.kernel-clock-only"))
                    report.warnings += 1
                }
            }
            // copied out first: a slice would keep the whole array alive and make the removal copy it
            let span = Array(lines.suffix(nSpan))
            lines.removeLast(nSpan)
            if o.kernelLines > 0 {
                var end = span.count > 1 ? span.last?.utc : span.first?.utc
                // A log collected with the bundle covers time up to the collection: a quiet
                // kernel prints nothing, and that is what it says.
                if t.discovered, let c = clock.collectionTime, let e = end, c > e { end = c }
                result.logCoverage.append(LogCoverage(path: t.path, start: span.first?.utc, end: end))
            }
            result.inputs.append(report)
            result.warnings += warnings
            streams.append(lines)
        }

        // 3. OOM records, per source, then merged across sources.
        var (kills, oomWarnings) = Self.assembleKills(streams: streams, echoes: echoes)
        result.warnings += oomWarnings
        result.nodeEvents = NodeEventMerge.collect(streams)
        streams = []   // the kernel lines are not needed past this point
        for i in kills.indices where kills[i].tInvoked == nil && kills[i].tKilled == nil {
            kills[i].timeSource = "not placed on UTC: only the kernel clock is known (no journal copy of these lines, no boot time in the input)"
        }
        for i in kills.indices {
            if let uid = kills[i].podUID, let n = podNames[uid] {
                kills[i].podName = n.pod
                kills[i].containerName = n.container
            }
        }

        // 4. Thread counts from ps listings.
        var processes: [(PsProcess, String)] = []
        for p in found.ps {
            switch readText(p) {
            case .failure(let w):
                result.warnings.append(w)
                result.inputs.append(InputReport(path: p, kind: "ps", status: .unreadable, warnings: 1, detail: w.message, discovered: true))
            case .success(let text):
                let (procs, format) = PsListing.parse(text)
                if let format {
                    processes += procs.map { ($0, p) }
                    result.inputs.append(InputReport(path: p, kind: "ps", status: .read, detail: "\(procs.count) processes (\(format))", discovered: true))
                } else {
                    result.inputs.append(InputReport(path: p, kind: "ps", status: .skipped, detail: "no thread counts in this layout", discovered: true))
                }
            }
        }
        var statusRead = 0
        for (st, cg) in found.procStatus {
            guard case .success(let text) = readText(st) else { continue }
            let cgText: String? = cg.flatMap { if case .success(let t) = readText($0) { return t } else { return nil } }
            if let p = ProcStatus.parse(status: text, cgroup: cgText) { processes.append((p, st)); statusRead += 1 }
        }
        if statusRead > 0 {
            result.inputs.append(InputReport(path: (req.path ?? "") + "/proc/*/status", kind: "proc-status", status: .read, detail: "\(statusRead) processes with thread counts", discovered: true))
        }
        ThreadCounts.attach(to: &kills, processes: processes)
        var haveNstat = false
        for (p, kind) in found.counters {
            guard case .success(let text) = readText(p) else { continue }
            var facts: [(String, Double)] = []
            switch kind {
            case "nstat": facts = CounterFiles.nstat(text); haveNstat = !facts.isEmpty
            case "netstat-s": if !haveNstat { facts = CounterFiles.netstatS(text) }
            case "softnet": facts = CounterFiles.softnet(text)
            case "ethtool":
                let dev = (p as NSString).lastPathComponent.replacingOccurrences(of: "ethtool_-S_", with: "")
                facts = [("ethtool_drops_" + dev, CounterFiles.ethtool(text))]
            default: if let v = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) { facts = [("nf_" + kind, v)] }
            }
            result.counters += facts.map { CounterFact(name: $0.0, value: $0.1, source: Provenance(path: p)) }
        }
        // Memory-stall inputs: sar intervals placed with the node's zone, vmstat / PSI counters.
        for p in stallFiles {
            switch StallInputs.sniff(p) {
            case .sar?:
                let (samples, report, warnings) = StallInputs.readSar(p, clock: clock.localClock)
                result.sar += samples
                result.inputs.append(report)
                result.warnings += warnings
            case let k?:
                let (facts, report) = StallInputs.readCounters(p, k)
                result.counters += facts
                result.inputs.append(report)
            case nil where access(p, R_OK) != 0:
                let why = "cannot be read: \(String(cString: strerror(errno)))"
                result.warnings.append(Warning(source: Provenance(path: p), message: why + " (what it holds is not in this report)", code: "input.unreadable"))
                result.inputs.append(InputReport(path: p, kind: "unknown", status: .unreadable, warnings: 1, detail: why, discovered: true))
            case nil:
                result.inputs.append(InputReport(path: p, kind: "unknown", status: .skipped, detail: "not sar text, /proc/vmstat or PSI (a binary sa file?)", discovered: true))
            }
        }
        result.oomKills = kills.sorted { ($0.tInvoked ?? $0.tKilled ?? Timestamp(nanos: .max)) < ($1.tInvoked ?? $1.tKilled ?? Timestamp(nanos: .max)) }

        // 5. Captures.
        var seenPcaps: Set<String> = []
        var keys: [String: SegmentKeys] = [:]
        let several = Set(found.pcaps.map { URL(fileURLWithPath: $0.0).resolvingSymlinksInPath().path }).count > 1
        for (p, discovered) in found.pcaps {
            let real = URL(fileURLWithPath: p).resolvingSymlinksInPath().path
            guard seenPcaps.insert(real).inserted else { continue }
            let (analysis, report0, warnings) = CaptureIngest.read(path: p, options: { var o = CaptureIngest.Options(keepCopies: req.keepCopies); o.progress = req.progress; o.recordSegmentKeys = several; return o }())
            var report = report0
            report.discovered = discovered
            result.inputs.append(report)
            result.warnings += warnings
            if let analysis {
                if let k = analysis.segmentKeys { keys[p] = k }
                result.captures.append(analysis.summary)
                result.retransmissions += analysis.events
                if let why = analysis.events.spillError { result.warnings.append(Warning(source: Provenance(path: p), message: why, code: "capture.events-in-memory")) }
                for z in analysis.zeroWindows {
                    result.symptoms.append(Symptom(kind: .zeroWindow, start: Timestamp(nanos: z.time), end: Timestamp(nanos: z.time), count: 1, provenance: Provenance(path: p, frame: z.frame)))
                }
                for z in analysis.resets {
                    result.symptoms.append(Symptom(kind: .resetStorm, start: Timestamp(nanos: z.time), end: Timestamp(nanos: z.time), count: 1, provenance: Provenance(path: p, frame: z.frame)))
                }
            }
        }
        if let w = StallInputs.checkKillCount(result, bootTime: clock.bootTime) { result.warnings.append(w) }
        Self.dedupeAcrossCaptures(&result)
        if keys.count > 1 { result.bothEnds = Self.bothEnds(result.retransmissions, keys) }
        return result
    }

    /// For each real retransmission of a connection another capture also saw: had the segment's
    /// original reached the other capture point before the retransmission was sent (its first
    /// sighting there earlier than the retransmission less half its RTO: clocks of two hosts
    /// under NTP agree far better than that), or not?
    static func bothEnds(_ events: RetransmissionLog, _ keys: [String: SegmentKeys]) -> BothEnds? {
        var b = BothEnds()
        var counted = Set<UInt64>()
        for e in events where e.copyOf == nil {
            guard let d = e.directedHash, let c = e.conversationHash, let seq = e.seq else { continue }
            let k = SegmentKeys.key(directed: d, seq: seq)
            for (path, other) in keys where path != e.capturePath && other.conversations.contains(c) {
                guard counted.insert(k).inserted else { break }
                b.checked += 1
                let before = e.time.nanos - Int64(((e.rto ?? 0.2) / 2) * 1e9)
                if let first = other.segments[k], first <= before { b.reachedOtherEnd += 1; b.example = b.example ?? e.provenance } else { b.lostBetween += 1 }
                if other.full { b.incomplete = true }
                break
            }
        }
        return b.checked > 0 ? b : nil
    }

    /// Two capture points (an `-i any` file and a veth file, a capture split in two that
    /// overlaps) see the same packets: a real retransmission of the same flow and sequence number
    /// within 50 ms in another file is that packet again, counted once.
    static func dedupeAcrossCaptures(_ r: inout AnalysisResult) {
        guard Set(r.captures.map(\.path)).count > 1 else { return }
        struct Key: Hashable { var flow: String; var seq: UInt32 }
        func key(_ e: RetransmissionEvent) -> Key? {
            guard let s = e.seq else { return nil }
            // one direction's flow text, whichever way round it was written
            let parts = e.flow.components(separatedBy: " -> ")
            return Key(flow: parts.count == 2 ? parts.sorted().joined(separator: "|") + (parts[0] < parts[1] ? ">" : "<") : e.flow, seq: s)
        }
        // the events are read in time order; what is older than 50 ms is dropped from the table,
        // so it holds 50 ms of retransmissions, not all of them
        var kept: [Key: [(Timestamp, String, Int)]] = [:]
        var fifo: [(Timestamp, Key)] = []
        var head = 0
        var marks: [(String, Int, Int, String)] = []
        for e in r.retransmissions where e.copyOf == nil {
            guard let k = key(e) else { continue }
            while head < fifo.count, e.time - fifo[head].0 > 0.05 {
                let old = fifo[head].1
                if var list = kept[old] {
                    list.removeFirst()
                    kept[old] = list.isEmpty ? nil : list
                }
                head += 1
            }
            if head > 65_536, head * 2 > fifo.count { fifo.removeFirst(head); head = 0 }
            if let twin = kept[k]?.first(where: { $0.1 != e.capturePath && abs(e.time - $0.0) <= 0.05 }) {
                marks.append((e.capturePath, e.frame, twin.2, twin.1))
            } else {
                kept[k, default: []].append((e.time, e.capturePath, e.frame))
                fifo.append((e.time, k))
            }
        }
        for m in marks { r.retransmissions.markCopy(capturePath: m.0, frame: m.1, of: m.2, in: m.3) }
        r.crossCaptureCopies += marks.count
        if r.crossCaptureCopies > 0 {
            r.clockNotes.append("\(r.crossCaptureCopies) real retransmission(s) are in two capture files (the same packet at two capture points): counted once")
        }
    }

    struct AnchorKey: Hashable { var micros: Int64; var message: String }

    /// A raw dmesg line and its `dmesg -T` copy: `-T` prints boot + stamp cut to the second, so
    /// each pair puts the boot instant in a one-second interval; all pairs together, in their
    /// intersection. Nil when there are no pairs, or when they disagree (a suspend shifts `-T`).
    static func ctimePairs(_ streams: [[KernelLine]]) -> ClockContext.BootInterval? {
        // The same text recurs (every OOM record has a `Call Trace:`): the n-th copy in one file
        // pairs with the n-th in the other.
        var raw: [String: [Int64]] = [:]
        for s in streams { for l in s where l.utc == nil { if let k = l.kernelMicros { raw[l.message, default: []].append(k) } } }
        var seen: [String: Int] = [:]
        var lo = -Double.infinity, hi = Double.infinity, n = 0
        for s in streams {
            for l in s where l.kernelMicros == nil && (l.timeSource ?? "").hasPrefix("dmesg -T") {
                let i = seen[l.message, default: 0]
                seen[l.message] = i + 1
                guard let u = l.utc, let ks = raw[l.message], i < ks.count else { continue }
                let k = ks[i]
                let b = u.seconds - Double(k) / 1e6
                lo = max(lo, b); hi = min(hi, b + 1); n += 1
            }
        }
        guard n > 0, lo <= hi else { return nil }
        return ClockContext.BootInterval(lo: lo, hi: hi, source: "dmesg and dmesg -T (\(n) line pair\(n == 1 ? "" : "s"))")
    }

    /// OOM records from each source's kernel lines, then the quoted kill lines (echoes), merged
    /// across sources: one record per kill.
    static func assembleKills(streams: [[KernelLine]], echoes: [KernelLine]) -> ([OOMKill], [Warning]) {
        var kills: [OOMKill] = []
        var warnings: [Warning] = []
        for s in streams {
            var a = OOMAssembler()
            // Every line the gate kept (the record's body: memory figures, task table), not only
            // the lines `mightMatter` names: the memory decoder reads the body.
            for l in s { a.feed(l) }
            a.finish()
            // the first stream's kills are taken, not copied (64 000 kills: ~90 MB)
            if kills.isEmpty { kills = a.kills } else { kills += a.kills }
            warnings += a.warnings
        }
        // Kill lines quoted by node-problem-detector / events: a kill of their own only where
        // no kernel record of it was read.
        var echoAssembler = OOMAssembler()
        for l in echoes { echoAssembler.feed(l) }
        kills += echoAssembler.kills.map { var k = $0; k.echo = true; return k }
        let merged = OOMMerge.merge(kills)
        for k in merged where k.echo {
            warnings.append(Warning(source: k.source, message: "OOM kill of \(k.victimComm ?? "?") (pid \(k.victimPid.map(String.init) ?? "?")) known only from a quote of the kernel's kill line (node-problem-detector / Kubernetes events): the kernel log that holds it was not read; invoker, duration and kernel time unknown", code: "oom.echo-only"))
        }
        return (merged, warnings)
    }

    /// Places printk-stamped lines on UTC: by the journal's copy of the same line, using the
    /// offset of the nearest matched line in kernel time (not one constant for the boot: the wall
    /// clock may have been stepped), else the bundle's boot time. Returns a note and whether the
    /// lines were placed.
    private func placeKernelClock(_ lines: inout [KernelLine], anchors: [AnchorKey: (Int64, String)], clock: ClockContext) -> (String, Bool) {
        var matched: [(k: Int64, offset: Int64)] = []
        var boot: String?
        for l in lines where l.kernelMicros != nil {
            if let a = anchors[AnchorKey(micros: l.kernelMicros!, message: l.message)] { matched.append((l.kernelMicros!, a.0)); boot = a.1 }
        }
        matched.sort { $0.k < $1.k }
        if !matched.isEmpty {
            for i in lines.indices where lines[i].utc == nil {
                guard let k = lines[i].kernelMicros else { continue }
                // nearest anchor by kernel time (binary search)
                var lo = 0, hi = matched.count - 1
                while lo < hi { let mid = (lo + hi) / 2; if matched[mid].k < k { lo = mid + 1 } else { hi = mid } }
                var best = matched[lo]
                if lo > 0, abs(matched[lo - 1].k - k) < abs(best.k - k) { best = matched[lo - 1] }
                lines[i].utc = Timestamp(micros: k + best.offset)
                lines[i].bootID = boot
                lines[i].timeSource = "printk time + offset of the nearest journal entry with the same kernel line (\(abs(best.k - k) / 1000) ms away)"
                lines[i].uncertainty = 0.001
            }
            let spread = (matched.map(\.offset).max()! - matched.map(\.offset).min()!)
            return ("kernel clock placed on UTC from \(matched.count) matching journal entries (boot \(boot!.prefix(8)); offsets vary by \(spread) µs)", true)
        }
        guard let bt = clock.bootTime else { return ("no journal or boot time to place the kernel clock on UTC", false) }
        // one string for every line (shared storage: 64 000 kills' lines must not each own a copy)
        let source = "printk time + boot time from \(clock.bootTimeSource ?? "the bundle") (± \(fmtSeconds(clock.bootUncertainty)))"
        for i in lines.indices where lines[i].utc == nil {
            if let k = lines[i].kernelMicros {
                lines[i].utc = Timestamp(micros: k + bt.micros)
                lines[i].timeSource = source
                lines[i].uncertainty = clock.bootUncertainty
            }
        }
        return ("kernel clock placed on UTC from the boot time (\(clock.bootTimeSource ?? "bundle"), ± \(fmtSeconds(clock.bootUncertainty)))", true)
    }

    /// A log named on the command line (or found loose): a journal directory, a journal file,
    /// or a text log, told apart by content.
    private func addGiven(_ p: String, into found: inout Found, discovered: Bool) {
        if p == "-" || p == "/dev/stdin" { found.texts.append((p, discovered)); return }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
            found.journalFiles.append((JournalIngest.files(under: p), p, discovered))
            return
        }
        switch FileKind.sniff(p) {
        case .journal: found.journalFiles.append(([p], p, discovered))
        case .pcap, .pcapng: found.pcaps.append((p, discovered))
        case .special("a FIFO"): found.texts.append((p, discovered))   // a pipe or process substitution: read it in full
        default: found.texts.append((p, discovered))
        }
    }

    private func discover(_ path: String, into found: inout Found, clock: inout ClockContext, result: inout AnalysisResult) {
        var isDir: ObjCBool = false
        guard path == "-" || FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            let w = Warning(source: Provenance(path: path), message: "no such file or directory", code: "input.not-found")
            result.warnings.append(w)
            result.inputs.append(InputReport(path: path, kind: "unknown", status: .unreadable, warnings: 1, detail: w.message))
            return
        }
        if !isDir.boolValue {
            addGiven(path, into: &found, discovered: false)
            return
        }
        let tree = InputTree(root: path)
        guard Discovery.isSosRoot(tree.root) else {
            // A folder of loose files (no sosreport): everything in it, by content.
            let d = Discovery.scan(tree.given)
            if !d.journalFiles.isEmpty { found.journalFiles.append((d.journalFiles, path, true)) }
            for f in d.textFiles { found.texts.append((f, true)) }
            for f in d.captures { found.pcaps.append((f, true)) }
            found.skipped += d.skipped
            found.unreadable += d.unreadable
            result.logSearch.append("\(tree.given) (every file, by content)")
            return
        }
        clock = ClockContext.from(tree: tree)
        if let h = tree.resolve("sos_commands/host/hostname") ?? tree.resolve("etc/hostname"),
           let name = try? String(contentsOfFile: h, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty {
            result.node = name
        }
        var journalFiles: [String] = []
        for rel in ["var/log/journal", "run/log/journal"] {
            if tree.resolve(rel) != nil { journalFiles += JournalIngest.files(under: tree.given + "/" + rel) }
        }
        if !journalFiles.isEmpty { found.journalFiles.append((journalFiles, tree.given + "/var/log/journal", true)) }
        // Kernel and system logs: where sos puts them, every rotated or compressed sibling too;
        // each read by content.
        let places: [(dir: String, keep: (String) -> Bool)] = [
            ("sos_commands/kernel", { $0.hasPrefix("dmesg") }),
            ("sos_commands/general", { $0.hasPrefix("dmesg") }),
            ("sos_commands/logs", { $0.hasPrefix("journalctl_") && !$0.contains("list-boots") && !$0.contains("disk-usage") && !$0.hasSuffix("_--verify") && !$0.contains("--header") }),
            ("var/log", { n in ["messages", "syslog", "kern.log", "kern", "dmesg", "boot.log", "console", "warn", "localmessages"].contains { n == $0 || n.hasPrefix($0 + ".") || n.hasPrefix($0 + "-") || n.hasPrefix($0 + "_") } }),
        ]
        for (dir, keep) in places {
            result.logSearch.append(tree.given + "/" + dir)
            let (names, error) = tree.listing(dir)
            if let error { found.unreadable.append((tree.given + "/" + dir, error)) }
            for name in names where keep(name) {
                guard let p = tree.resolve(dir + "/" + name) else { continue }
                let kind = FileKind.sniff(p)
                switch kind {
                case .text, .compressedText: found.texts.append((tree.display(p), true))
                case .journal: found.journalFiles.append(([tree.display(p)], tree.display(p), true))
                case .empty: break
                case .unreadable(let why): found.unreadable.append((tree.display(p), "cannot be read: \(why)"))
                default: found.skipped.append((tree.display(p), "not a text log: \(kind)"))
                }
            }
        }
        for dir in ["sos_commands/process", "sos_commands/networking", "proc", "var/log/journal"] {
            if let error = tree.listing(dir).error { found.unreadable.append((tree.given + "/" + dir, error)) }
        }
        for name in tree.list("sos_commands/process") where name.hasPrefix("ps_") {
            if let p = tree.resolve("sos_commands/process/" + name) { found.ps.append(tree.display(p)) }
        }
        for (rel, kind) in [("sos_commands/networking/nstat_-zas", "nstat"), ("sos_commands/networking/netstat_-s", "netstat-s"),
                            ("proc/net/softnet_stat", "softnet"), ("proc/sys/net/netfilter/nf_conntrack_count", "conntrack_count"),
                            ("proc/sys/net/netfilter/nf_conntrack_max", "conntrack_max")] {
            if let p = tree.resolve(rel) { found.counters.append((tree.display(p), kind)) }
        }
        for name in tree.list("sos_commands/networking") where name.hasPrefix("ethtool_-S_") {
            if let p = tree.resolve("sos_commands/networking/" + name) { found.counters.append((tree.display(p), "ethtool")) }
        }
        for dir in ["sos_commands/sar", "var/log/sa", "proc/pressure"] {
            // every file, by content (binary saDD files are recognised as not text and skipped)
            for name in tree.list(dir) {
                if let p = tree.resolve(dir + "/" + name) { found.stallFiles.append(tree.display(p)) }
            }
        }
        if let p = tree.resolve("proc/vmstat") { found.stallFiles.append(tree.display(p)) }
        for name in tree.list("proc") where name.allSatisfy(\.isNumber) {
            if let st = tree.resolve("proc/\(name)/status") {
                found.procStatus.append((tree.display(st), tree.resolve("proc/\(name)/cgroup").map(tree.display)))
            }
        }
        for f in tree.find(where: { _ in true }, maxDepth: 4) where !f.contains("/proc/") && !f.contains("/sos_commands/") && !f.contains("/var/log/journal/") {
            let k = FileKind.sniff(f)
            if k == .pcap || k == .pcapng { found.pcaps.append((f, true)) }
        }
    }
}

/// `--symptom-times FILE`: one ISO 8601 time or epoch per line; `#` comments and blank lines skipped.
public enum SymptomTimes {
    public static func read(path: String) -> (times: [(Timestamp, Provenance)], warnings: [Warning]) {
        switch readText(path) {
        case .failure(let w): return ([], [w])
        case .success(let text):
            var out: [(Timestamp, Provenance)] = [], warnings: [Warning] = []
            for (n, l) in lines(of: text) {
                let t = l.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.hasPrefix("#") { continue }
                if let ts = LogText.parseTimestamp(Substring(t)) { out.append((ts, Provenance(path: path, line: n))) } else {
                    warnings.append(Warning(source: Provenance(path: path, line: n), message: "not a time (ISO 8601 with a zone, or epoch seconds): \(t.prefix(60))", code: "symptom-times.not-a-time"))
                }
            }
            return (out, warnings)
        }
    }
}

extension AnalysisResult {
    /// Replaces a path prefix everywhere a path is reported (archive members read from a
    /// private directory are shown as `<archive>:<member>`).
    mutating func rewritePaths(from old: String, to new: String) {
        func fix(_ p: String) -> String { p.hasPrefix(old) ? new + p.dropFirst(old.count) : p }
        func fix(_ p: Provenance) -> Provenance { var q = p; q.path = fix(p.path); return q }
        for i in inputs.indices { inputs[i].path = fix(inputs[i].path) }
        for i in warnings.indices { warnings[i].source = fix(warnings[i].source) }
        for i in oomKills.indices {
            oomKills[i].source = fix(oomKills[i].source)
            oomKills[i].alsoSeenIn = oomKills[i].alsoSeenIn.map(fix)
            oomKills[i].invokedAt = oomKills[i].invokedAt.map(fix)
            oomKills[i].killedAt = oomKills[i].killedAt.map(fix)
            oomKills[i].reapedAt = oomKills[i].reapedAt.map(fix)
            oomKills[i].victimThreadsSource = oomKills[i].victimThreadsSource.map { $0.replacingOccurrences(of: old, with: new) }
        }
        for i in nodeEvents.indices { nodeEvents[i].provenance = fix(nodeEvents[i].provenance) }
        for i in sar.indices { sar[i].provenance = fix(sar[i].provenance) }
        for i in counters.indices { counters[i].source = fix(counters[i].source) }
        for i in captures.indices { captures[i].path = fix(captures[i].path) }
        retransmissions.rewritePaths(fix)
        for i in symptoms.indices { symptoms[i].provenance = fix(symptoms[i].provenance) }
        clockNotes = clockNotes.map { $0.replacingOccurrences(of: old, with: new) }
    }
}

/// Test access to the archive path check (kept in the wrapper module).
enum BundleArchiveProbe {
    static func safe(_ s: String) -> String? { BundleArchive.safeRelativePath(s) }
}
