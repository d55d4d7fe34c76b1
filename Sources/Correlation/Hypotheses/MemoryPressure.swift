import ForensicModel

/// `memory-pressure`: page allocation failures, TCP out of memory; global OOM kills and TCPMemoryPressures support.
extension Correlator {
    static func memoryCause(_ r: AnalysisResult) -> Cause {
        var mem = eventCause(r, .memoryPressure, "The node is short of memory (allocation failures, TCP memory limits)", "memory-pressure event",
                             events(r, [.pageAllocationFailure, .tcpOutOfMemory]),
                             next: "Add memory or lower the pods' requests on this node; check net.ipv4.tcp_mem if 'TCP: out of memory' appears.",
                             headline: "\(events(r, [.pageAllocationFailure, .tcpOutOfMemory]).count) page-allocation-failure / TCP out-of-memory message(s)")
        // sar: memory nearly all used (sar -r %memused ≥ 95) or swapping out (sar -W pswpout/s > 0),
        // each interval a window widened by its clock's uncertainty.
        let full = r.sar.filter { ($0.metric == "%memused" && $0.value >= 95) || ($0.metric == "pswpout/s" && $0.value > 0) }.sorted { $0.start < $1.start }
        var sarWindows: [Cause.Window] = []
        for s in full {
            let w = (start: s.start - s.uncertainty, end: s.end + s.uncertainty)
            let what = s.metric == "%memused" ? "sar -r: \(fmt(s.value)) % of memory used" : "sar -W: swapping out \(fmt(s.value)) pages/s"
            let ev = Evidence("\(what) in \(s.start.clockString)–\(s.end.clockString) (a \(Int(s.interval)) s interval)", source: s.provenance.description)
            if let last = sarWindows.last, w.start <= last.end { sarWindows[sarWindows.count - 1].end = max(last.end, w.end); continue }
            sarWindows.append(.init(start: w.start, end: w.end, weight: 1, evidence: ev))
        }
        mem.windows = (mem.windows + sarWindows).sorted { $0.start < $1.start }
        if !full.isEmpty { mem.headline += "; \(full.count) sar interval(s) with memory ≥ 95 % used or swapping out" }
        // sar -r %commit: memory promised to processes beyond RAM + swap. Not a stall by itself
        // (overcommit is normal), so support, not a window.
        if let c = r.sar.filter({ $0.metric == "%commit" }).max(by: { $0.value < $1.value }), c.value >= 100 {
            mem.support.append(Evidence("sar -r: %commit up to \(fmt(c.value)) % (more memory promised than RAM and swap hold) at \(c.start.clockString)–\(c.end.clockString)", source: c.provenance.description))
        }
        if let p = counter(r, "TcpExtTCPMemoryPressures"), p.value > 0 {
            mem.support.append(Evidence("TCPMemoryPressures = \(Int(p.value)) since boot", source: p.source.description))
        }
        let globalKills = r.oomKills.filter { $0.scope == .global }
        if !globalKills.isEmpty { mem.support.append(Evidence("\(globalKills.count) global (node-wide) OOM kill(s) (see oom-kill-stall)", source: globalKills[0].source.description)) }
        return mem
    }
}
