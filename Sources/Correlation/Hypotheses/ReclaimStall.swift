import ForensicModel

/// `reclaim-stall`: the node stalls in page reclaim. Windows: `page allocation stalls for Nms`
/// (the N ms before the line), hung tasks whose stack is in reclaim or compaction and hung
/// kswapd (the N s before the line), and sar intervals with direct reclaim (`sar -B`
/// pgscand/s > 0: allocating tasks scanned pages themselves), each widened by its clock's
/// uncertainty. Counters that support it: allocstall and compact_stall in /proc/vmstat, PSI
/// memory `full` (time every task waited for memory).
extension Correlator {
    static func reclaimCause(_ r: AnalysisResult) -> Cause {
        let stalls = events(r, [.allocationStall, .reclaimHang])
        var c = eventCause(r, .reclaimStall, "Direct reclaim and allocation stalls stall the node", "reclaim stall", stalls,
                           next: "Give the node memory headroom (lower the pods' limits or requests, move pods away, or raise vm.min_free_kbytes so kswapd starts earlier); find what fills memory (sar -r/-B, the OOM records' task tables).",
                           headline: "")
        let direct = r.sar.filter { $0.metric == "pgscand/s" && $0.value > 0 }.sorted { $0.start < $1.start }
        let eff = Dictionary(r.sar.filter { $0.metric == "%vmeff" }.map { ($0.end, $0.value) }, uniquingKeysWith: { a, _ in a })
        let blocked = Dictionary(r.sar.filter { $0.metric == "blocked" }.map { ($0.end, $0.value) }, uniquingKeysWith: { a, _ in a })
        var sarWindows: [Cause.Window] = []
        for s in direct {
            let w = (start: s.start - s.uncertainty, end: s.end + s.uncertainty)
            let ev = Evidence("sar -B: direct reclaim scanned \(fmt(s.value)) pages/s\(eff[s.end].map { ", %vmeff \(fmt($0))" } ?? "")\(blocked[s.end].map { $0 > 0 ? ", \(fmt($0)) tasks blocked (sar -q)" : "" } ?? "") in \(s.start.clockString)–\(s.end.clockString) (a \(Int(s.interval)) s interval: when in it cannot be told)", source: s.provenance.description)
            // consecutive intervals of direct reclaim are one episode
            if let last = sarWindows.last, w.start <= last.end {
                sarWindows[sarWindows.count - 1].end = max(last.end, w.end)
                continue
            }
            sarWindows.append(.init(start: w.start, end: w.end, weight: 1, evidence: ev))
        }
        c.windows = (c.windows + sarWindows).sorted { $0.start < $1.start }
        var parts: [String] = []
        let allocs = stalls.filter { $0.kind == .allocationStall }
        if !allocs.isEmpty { parts.append("\(allocs.count) allocation stall\(allocs.count == 1 ? "" : "s") of up to \(fmtDuration(allocs.map(\.lastedBefore).max()!))") }
        let hangs = stalls.count - allocs.count
        if hangs > 0 { parts.append("\(hangs) hung task\(hangs == 1 ? "" : "s") waiting in reclaim") }
        if !direct.isEmpty { parts.append("\(direct.count) sar interval\(direct.count == 1 ? "" : "s") with direct reclaim (pgscand/s up to \(fmt(direct.map(\.value).max()!)))") }
        c.headline = parts.isEmpty ? "No reclaim stall in the inputs" : parts.joined(separator: ", ")
        if let a = counter(r, "vmstat_allocstall_total"), a.value > 0 {
            c.support.append(Evidence("allocstall = \(Int(a.value)) since boot: tasks entered direct reclaim that often (/proc/vmstat)", source: a.source.description))
        }
        if let a = counter(r, "vmstat_compact_stall"), a.value > 0 {
            c.support.append(Evidence("compact_stall = \(Int(a.value)) since boot: allocations waited for compaction (/proc/vmstat)", source: a.source.description))
        }
        for n in ["psi_memory_full_avg300", "psi_memory_full_avg60", "psi_memory_full_avg10"] {
            if let p = counter(r, n), p.value > 0 {
                c.support.append(Evidence("PSI memory full \(n.split(separator: "_").last!) = \(fmt(p.value)) %: all tasks stalled on memory that share of the time, at collection", source: p.source.description))
                break
            }
        }
        if let p = counter(r, "psi_memory_full_total_s"), p.value >= 1 {
            c.support.append(Evidence("PSI memory full total = \(fmt(p.value)) s since boot", source: p.source.description))
        }
        // Fast kills are not stalls; the reclaim before them may be.
        let fast = r.oomKills.compactMap { $0.killDuration?.seconds }.filter { $0 < 0.01 }
        if !fast.isEmpty && !c.windows.isEmpty {
            c.support.append(Evidence("\(fast.count) OOM kill(s) took under 10 ms: a kill that short does not stall a node, the reclaim before it can"))
        }
        return c
    }
}
