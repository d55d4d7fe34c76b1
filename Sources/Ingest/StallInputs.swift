import Foundation
import ForensicModel
import KernelEvents

/// Reads the memory-stall inputs of a bundle (sar text, /proc/vmstat, /proc/pressure/*), each
/// recognised by its content, and places sar intervals on UTC through the bundle's clock.
enum StallInputs {
    /// sar columns kept (the rest of `sar -A` is not about stalls or symptoms).
    static let sarMetrics: Set<String> = ["pgscand/s", "pgscank/s", "pgsteal/s", "%vmeff", "majflt/s", "%memused", "%commit",
                                          "kbavail", "kbmemfree", "pswpin/s", "pswpout/s", "runq-sz", "blocked", "ldavg-1",
                                          "retrans/s", "rxdrop/s", "txdrop/s", "rxerr/s", "txerr/s", "rxpck/s", "txpck/s"]

    enum Kind { case sar, vmstat, pressure(String) }

    /// What a file holds, from its first 64 KiB; nil when none of these formats.
    static func sniff(_ path: String) -> Kind? {
        // only regular files: reading a FIFO or a device to look would consume or block it
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        guard let data = try? fh.read(upToCount: 64 << 10), !data.isEmpty, !data.contains(0) else { return nil }
        let text = Substring(String(decoding: data, as: UTF8.self))
        if SarText.looksLikeSar(text) { return .sar }
        if ProcVmstat.looksLikeVmstat(text) { return .vmstat }
        if ProcPressure.looksLikePressure(text) {
            let name = (path as NSString).lastPathComponent   // the resource is only in the path (memory, io, cpu)
            return .pressure(["memory", "io", "cpu", "irq"].contains(name) ? name : "unknown")
        }
        return nil
    }

    /// One sar text file: its samples on UTC, an input report and warnings.
    static func readSar(_ path: String, clock: LocalClock) -> ([SarSample], InputReport, [Warning]) {
        guard case .success(let text) = readText(path) else {
            let w = Warning(source: Provenance(path: path), message: "sar output not readable", code: "sar.unreadable")
            return ([], InputReport(path: path, kind: "sar", status: .unreadable, warnings: 1, detail: w.message, discovered: true), [w])
        }
        let sar = SarText(Substring(text))
        var warnings: [Warning] = []
        guard let y = sar.year, let m = sar.month, let d = sar.day,
              let midnight = clock.utc(year: y, month: m, day: d, hour: 0, minute: 0, second: 0, micros: 0) else {
            let w = Warning(source: Provenance(path: path), message: "sar output without a date in its banner (\(sar.dateNote ?? "no banner")): its intervals cannot be placed on UTC", code: "sar.no-date")
            return ([], InputReport(path: path, kind: "sar", status: .partial, warnings: 1, detail: w.message, discovered: true), [w])
        }
        // The zone decides where local times land: unknown, they may be off by 14 h.
        let u = clock.zoneAssumed ? 14 * 3600.0 : 1.0
        var out: [SarSample] = []
        var intervals: [Int] = []
        for s in sar.samples {
            if s.end > s.start { intervals.append(s.end - s.start) }
            for (metric, v) in s.values where sarMetrics.contains(metric) {
                out.append(SarSample(metric: metric, label: s.label, start: midnight + Double(s.start), end: midnight + Double(s.end),
                                     value: v, uncertainty: u, provenance: Provenance(path: path, line: s.line)))
            }
        }
        if sar.skippedLines > 0 {
            warnings.append(Warning(source: Provenance(path: path), message: "\(sar.skippedLines) sar line(s) in no known shape skipped", code: "sar.lines-skipped"))
        }
        let typical = intervals.sorted().dropFirst(intervals.count / 2).first
        let metrics = Set(out.map(\.metric)).sorted()
        let host: String = sar.host ?? "?", kernel: String = sar.kernel ?? "?"
        var detail = "sar output of \(host) (\(kernel)), \(sar.samples.count) rows"
        if let t = typical { detail += ", every \(t) s" }
        detail += "; " + (sar.dateNote ?? "")
        if clock.zoneAssumed { detail += "; zone unknown: times ± 14 h" }
        detail += "; kept: " + (metrics.isEmpty ? "nothing about memory, swap, load or TCP" : metrics.joined(separator: " "))
        return (out, InputReport(path: path, kind: "sar", status: .read, warnings: warnings.count, detail: detail, discovered: true), warnings)
    }

    /// Counters of /proc/vmstat or /proc/pressure/<resource>.
    static func readCounters(_ path: String, _ kind: Kind) -> ([CounterFact], InputReport) {
        guard case .success(let text) = readText(path) else {
            return ([], InputReport(path: path, kind: "proc", status: .unreadable, warnings: 0, detail: "not readable", discovered: true))
        }
        let facts: [(String, Double)]
        let name: String
        switch kind {
        case .vmstat: facts = ProcVmstat.parse(Substring(text)); name = "vmstat"
        case .pressure(let r): facts = ProcPressure.parse(Substring(text), resource: r); name = "pressure"
        case .sar: facts = []; name = "sar"
        }
        let detail = facts.isEmpty ? "no stall counters in it" : "\(facts.count) counters (totals since boot at collection)"
        return (facts.map { CounterFact(name: $0.0, value: $0.1, source: Provenance(path: path)) },
                InputReport(path: path, kind: name, status: facts.isEmpty ? .skipped : .read, detail: detail, discovered: true))
    }

    /// The kernel's own OOM-kill count since boot (`oom_kill` in /proc/vmstat, 4.13+) against the
    /// kills the logs hold from that boot: a warning when the logs miss some.
    static func checkKillCount(_ r: AnalysisResult, bootTime: Timestamp?) -> Warning? {
        guard let c = r.counters.first(where: { $0.name == "vmstat_oom_kill" }) else { return nil }
        let counted = Int(c.value)
        let inBoot = r.oomKills.filter { k in
            guard !k.echo else { return false }
            guard let b = bootTime, let t = k.tKilled ?? k.tInvoked else { return true }
            return t >= b - 60
        }.count
        guard counted > inBoot else { return nil }
        return Warning(source: c.source, message: "the kernel counted \(counted) OOM kill(s) since boot (oom_kill in /proc/vmstat) but the logs read hold \(inBoot) from this boot: \(counted - inBoot) kill(s) are missing from the logs (rotated away, ring buffer overwritten, journal rate-limited or not collected)", code: "oom.kills-missing-from-logs")
    }
}
