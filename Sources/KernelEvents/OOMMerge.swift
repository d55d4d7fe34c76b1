import Foundation
import ForensicModel

/// The same kill appears in several sources (journal, dmesg, journalctl text, syslog). Keep one
/// record, from the source with the best clocks, and fill its gaps from the others.
public enum OOMMerge {
    public static func merge(_ kills: [OOMKill]) -> [OOMKill] {
        var out: [OOMKill] = []
        out.reserveCapacity(kills.count)
        // Candidates by victim pid: a kill is only compared with the records of its own pid.
        var byPid: [Int: [Int]] = [:]
        // Kernel records first (best clocks first), echoes (quotes by other programs) last; an
        // order of indexes (a sorted copy of the records would cost 832 bytes a record)
        let order = kills.indices.sorted { a, b in
            (kills[a].echo ? 1 : 0, kills[a].sourceKind.rank, a) < (kills[b].echo ? 1 : 0, kills[b].sourceKind.rank, b)
        }
        for k in order.lazy.map({ kills[$0] }) {
            let key = k.victimPid ?? -1
            if let i = byPid[key]?.first(where: { same(out[$0], k) }) {
                fill(&out[i], from: k)
            } else {
                byPid[key, default: []].append(out.count)
                out.append(k)
            }
        }
        return out
    }

    static func same(_ a: OOMKill, _ b: OOMKill) -> Bool {
        guard a.victimPid == b.victimPid, a.victimComm == b.victimComm else { return false }
        // The kill line's memory figures are a fingerprint: equal figures, same kill, whatever
        // the clocks say (a dmesg placed from an uncertain boot time, a -T copy in local time).
        if let x = a.totalVmKB, let y = b.totalVmKB, let p = a.anonRssKB, let q = b.anonRssKB {
            guard x == y && p == q else { return false }
            if let ta = a.tKilled, let tb = b.tKilled, abs(ta - tb) > 86400 { return false }
            return true
        }
        if a.echo || b.echo {
            guard let ta = a.tKilled, let tb = b.tKilled else { return true }
            return abs(ta - tb) <= 10
        }
        if let ka = a.kKilled, let kb = b.kKilled {
            if let ba = a.bootID, let bb = b.bootID, ba != bb { return false }
            return abs(ka - kb) <= 1000
        }
        if let ta = a.tKilled, let tb = b.tKilled { return abs(ta - tb) <= 2.0 }
        return false
    }

    static func fill(_ a: inout OOMKill, from b: OOMKill) {
        a.alsoSeenIn.append(b.source)
        if a.invokerComm == nil { a.invokerComm = b.invokerComm; a.invokerPid = b.invokerPid; a.invokedAt = b.invokedAt; a.gfpMask = b.gfpMask; a.order = b.order }
        if a.invokerPid == nil { a.invokerPid = b.invokerPid }
        if a.scope == .unknown { a.scope = b.scope }
        if a.taskMemcg == nil { a.taskMemcg = b.taskMemcg; a.podUID = b.podUID; a.containerID = b.containerID }
        if a.memcg == nil { a.memcg = b.memcg }
        if a.memcgUsageKB == nil { a.memcgUsageKB = b.memcgUsageKB; a.memcgLimitKB = b.memcgLimitKB }
        // the decoded memory part: from the copy that held more of the record
        if let bm = b.memory, a.memory == nil || (a.memory!.global == nil && a.memory!.memcg == nil && (bm.global != nil || bm.memcg != nil)) { a.memory = bm }
        if a.victimThreads == nil, b.victimThreads != nil { a.victimThreads = b.victimThreads; a.victimThreadsSource = b.victimThreadsSource }
        if a.kInvoked == nil && a.kKilled == nil && a.kReaped == nil { a.kInvoked = b.kInvoked; a.kKilled = b.kKilled; a.kReaped = b.kReaped }
        // The copy placed on UTC most tightly gives the times (a raw dmesg placed from `uptime`
        // ± 60 s loses to its `dmesg -T` copy ± 1 s, or to the journal's ± 0).
        let ua = a.tKilled == nil ? Double.infinity : (a.timeUncertainty ?? 0), ub = b.tKilled == nil ? Double.infinity : (b.timeUncertainty ?? 0)
        if ub < ua && !b.echo {
            a.tInvoked = b.tInvoked ?? (a.tInvoked.flatMap { ti in a.tKilled.flatMap { tk in b.tKilled.map { $0 - (tk - ti) } } })
            a.tKilled = b.tKilled
            if let bk = b.tKilled, let ak = a.kKilled, let ar = a.kReaped { a.tReaped = bk + Double(ar - ak) / 1e6 } else { a.tReaped = b.tReaped ?? a.tReaped }
            a.timeSource = b.timeSource; a.timeUncertainty = b.timeUncertainty
        }
        if a.tInvoked == nil && a.tKilled == nil { a.timeSource = b.timeSource; a.timeUncertainty = b.timeUncertainty }
        if a.tInvoked == nil { a.tInvoked = b.tInvoked }
        if a.tKilled == nil { a.tKilled = b.tKilled }
        if !a.reaped && b.reaped { a.reaped = true; a.tReaped = b.tReaped; a.kReaped = b.kReaped; a.reapedAt = b.reapedAt }
        if a.bootID == nil { a.bootID = b.bootID }
    }
}

/// Victim thread counts from the bundle's ps listings (taken after the kill).
public enum ThreadCounts {
    public static func attach(to kills: inout [OOMKill], processes: [(PsProcess, String)]) {
        for i in kills.indices where kills[i].victimThreads == nil {
            let k = kills[i]
            guard let comm = k.victimComm else { continue }
            // 1. The victim itself, still listed (same pid and comm).
            if let pid = k.victimPid, let (p, file) = processes.first(where: { $0.0.pid == pid && $0.0.comm == comm }) {
                kills[i].victimThreads = p.threads
                kills[i].victimThreadsSource = "ps: same pid (\(file):\(p.line))"
                continue
            }
            // 2. The same comm in the same container (the victim was a child; the container lives
            //    on), 3. the restarted instance in the same pod (a new container), same comm.
            let places: [(String?, (String) -> String?, String)] = [
                (k.containerID, CgroupPath.containerID, "estimate: %@ in the same container, listed by ps after the kill"),
                (k.podUID, CgroupPath.podUID, "estimate: restarted %@ in the same pod, listed by ps after the kill"),
            ]
            for (want, key, phrase) in places {
                guard let want else { continue }
                let cands = processes.filter { $0.0.comm == comm && $0.0.cgroup.flatMap(key) == want }
                if let (p, file) = cands.max(by: { $0.0.threads < $1.0.threads }) {
                    kills[i].victimThreads = p.threads
                    kills[i].victimThreadsSource = phrase.replacingOccurrences(of: "%@", with: "\(comm) pid \(p.pid)") + " (\(file):\(p.line))"
                    break
                }
            }
        }
    }
}

/// Node events from every source, each reported once (the same line is usually in the journal,
/// dmesg and the journalctl text), from the source with the best clocks.
public enum NodeEventMerge {
    public static func collect(_ streams: [[KernelLine]]) -> [NodeEvent] {
        // Events of the same kind and text, sorted by kernel time (else UTC): copies from other
        // sources sit next to each other, so each is compared with its neighbours only (a log
        // with 40 000 identical conntrack lines stays n log n).
        struct Item { var e: NodeEvent; var rank: Int; var stream: Int }
        var groups: [String: [Item]] = [:]
        for (si, s) in streams.enumerated() {
            for (li, l) in s.enumerated() {
                guard var e = NodeEventExtractor.classify(l) else { continue }
                // A hung task's stack (the lines after it, until the next report) in reclaim or compaction.
                if e.kind == .hungTask {
                    for next in s[(li + 1)..<min(s.count, li + 41)] {
                        if next.message.contains(" blocked for more than ") || next.message.contains("invoked oom-killer") { break }
                        if let f = NodeEventExtractor.reclaimFrame(next.message) {
                            e.kind = .reclaimHang
                            e.subject = (e.subject ?? "?") + " in " + f
                            break
                        }
                    }
                }
                groups[e.kind.rawValue + "\u{0}" + e.message, default: []].append(Item(e: e, rank: l.sourceKind.rank, stream: si))
            }
        }
        var out: [NodeEvent] = []
        // Keeps, of each run of copies (from other sources, close on `close`), the one from the
        // source with the best clocks.
        func sweep(_ list: [Item], _ close: (NodeEvent, NodeEvent) -> Bool) -> [Item] {
            var result: [Item] = []
            var run: [Item] = []
            for it in list {
                if let i = run.lastIndex(where: { $0.stream != it.stream && close($0.e, it.e) }) {
                    // the better source; between equals, the copy with the tighter clock
                    func key(_ x: Item) -> (Int, Double, Int) { (x.rank, x.e.uncertainty ?? .infinity, x.e.kernelMicros == nil ? 1 : 0) }
                    if key(it) < key(run[i]) { run[i] = it }
                    continue
                }
                if let last = run.last, !close(last.e, it.e) { result += run; run.removeAll() }
                run.append(it)
            }
            return result + run
        }
        for (_, items) in groups {
            // 1. copies that both carry the kernel's own stamp: within 1 ms of each other
            let withK = sweep(items.filter { $0.e.kernelMicros != nil }.sorted { $0.e.kernelMicros! < $1.e.kernelMicros! },
                              { abs($0.kernelMicros! - $1.kernelMicros!) <= 1000 })
            // 2. then by UTC (a dmesg -T or syslog copy has no stamp): within 2 s, unless both
            //    have a stamp (step 1 already found them different)
            let timed = (withK + items.filter { $0.e.kernelMicros == nil }).filter { $0.e.time != nil }.sorted { $0.e.time! < $1.e.time! }
            out += sweep(timed, { abs($0.time! - $1.time!) <= 2 && ($0.kernelMicros == nil || $1.kernelMicros == nil) }).map(\.e)
            out += (withK + items.filter { $0.e.kernelMicros == nil }).filter { $0.e.time == nil }.map(\.e)
        }
        return out.sorted { ($0.time ?? Timestamp(nanos: .max), $0.kernelMicros ?? .max, $0.message) < ($1.time ?? Timestamp(nanos: .max), $1.kernelMicros ?? .max, $1.message) }
    }

    static func same(_ a: NodeEvent, _ b: NodeEvent) -> Bool {
        guard a.kind == b.kind, a.message == b.message else { return false }
        if let x = a.kernelMicros, let y = b.kernelMicros { return abs(x - y) <= 1000 }
        if let x = a.time, let y = b.time { return abs(x - y) <= 2 }
        return false
    }
}
