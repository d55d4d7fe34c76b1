import Foundation

/// `2 GiB`, `1.9 GiB`, `42 MiB`, `512 KiB`: one decimal below 10 of the unit, none above.
public func formatKB(_ kb: Int) -> String {
    let units = [("GiB", 1 << 20), ("MiB", 1 << 10)]
    for (name, size) in units where kb >= size {
        let v = Double(kb) / Double(size)
        if v >= 10 || abs(v - v.rounded()) < 0.05 { return "\(Int(v.rounded())) \(name)" }
        return String(format: "%.1f %@", v, name)
    }
    return "\(kb) KiB"
}

extension OOMKill {
    /// Who the victim was: `java (logstash-0)`, with the pod's name when known.
    var victimLabel: String {
        var s = victimComm ?? "pid \(victimPid.map(String.init) ?? "?")"
        if let p = podName { s += " (\(p.split(separator: "/").last.map(String.init) ?? p))" }
        else if let u = podUID { s += " (pod \(u.prefix(8)))" }
        return s
    }

    /// `42 MiB < min 45 MiB`, in kB when the rounded figures would read the same.
    func pair(_ a: Int, _ name: String, _ b: Int) -> String {
        formatKB(a) == formatKB(b) ? "\(a) kB < \(name) \(b) kB" : "\(formatKB(a)) < \(name) \(formatKB(b))"
    }

    /// One sentence saying why the kernel killed: which limit or which zone ran out, and what
    /// filled it. Nil when the record holds too little to say (a `Killed process` line alone).
    public var why: String? {
        let m = memory
        var parts: [String] = []
        let threads = victimThreads.map { "; \($0) thread\($0 == 1 ? "" : "s")" } ?? ""
        let held: String? = anonRssKB.map { "\(victimLabel) held \(formatKB($0)) anon" }
            ?? m?.tasks?.victimRssPages.map { "\(victimLabel) held \(formatKB($0 * (m?.pageKB ?? 4))) rss" }
        switch scope {
        case .sysrq:
            return "manual OOM kill (sysrq f, order -1): requested by an operator or a watchdog, not a failed allocation"
        case .memcg:
            let usage = m?.memcg?.memory?.usageKB ?? memcgUsageKB
            let limit = m?.memcg?.memory?.limitKB ?? memcgLimitKB
            if let sw = m?.memcg?.memsw, let l = sw.limitKB, sw.usageKB >= l - l / 100 {
                parts.append("memcg memory+swap limit \(formatKB(l)) reached")
            } else if let l = limit, let u = usage {
                parts.append(u >= l - l / 100 ? "memcg limit \(formatKB(l)) reached" : "memcg at \(formatKB(u)) of its \(formatKB(l)) limit")
            } else if let l = limit {
                parts.append("memcg limit \(formatKB(l)) reached")
            } else {
                parts.append("memcg limit reached")
            }
            var s = parts[0] + ": " + (held ?? victimLabel) + threads
            if let g = m?.memcg {
                var mix: [String] = []
                if let f = g.fileBytes, f >= 64 << 20 { mix.append("\(formatKB(f / 1024)) page cache") }
                if let sh = g.shmemBytes, sh >= 64 << 20 { mix.append("\(formatKB(sh / 1024)) shmem (tmpfs, emptyDir in memory)") }
                if let k = g.kernelBytes, let u = usage, u > 0, k / 1024 * 5 >= u { mix.append("\(formatKB(k / 1024)) kernel memory") }
                if !mix.isEmpty { s += "; the cgroup also held " + mix.joined(separator: ", ") }
            }
            if m?.oomGroupMemcg != nil { s += "; killed with every task of its cgroup (memory.oom.group)" }
            return s
        default:
            guard let g = m?.global else {
                if scope == .global, let h = held { return "global: \(h)\(threads) (the record's memory figures were not in the log)" }
                return nil
            }
            let pageKB = m!.pageKB
            var s = scope == .global || scope == .unknown ? "global: " : "\(scope.rawValue) constraint (nodes \(m?.allocation.memsAllowed ?? m?.allocation.nodemask ?? "?")): "
            // the zone furthest below its watermarks (min before low before high), the biggest among equals
            let severity = ["min": 3, "low": 2, "high": 1]
            let worst = g.zones.filter { $0.belowWatermark != nil }.max { a, b in
                (severity[a.belowWatermark!]!, a.managedKB ?? a.presentKB ?? 0) < (severity[b.belowWatermark!]!, b.managedKB ?? b.presentKB ?? 0)
            }
            if let z = worst {
                let mark = z.belowWatermark!
                s += "\(z.name) zone free " + pair(z.freeKB, mark, mark == "min" ? z.minKB! : mark == "low" ? z.lowKB! : z.highKB!)
            } else if let o = m?.allocation.order, o > 0, !g.zones.isEmpty {
                s += "free memory above the watermarks, but no free block of order \(o) (\(formatKB(pageKB << o)) contiguous): fragmentation"
            } else if let f = g.memInfo("free") {
                s += "free \(formatKB(f * pageKB))"
            } else {
                s += "memory exhausted"
            }
            if let ram = g.ramPages, ram > 0 {
                let shares: [(String, Int?)] = [
                    ("unreclaimable slab", g.memInfo("slab_unreclaimable")),
                    ("anon", g.memInfo("active_anon").flatMap { a in g.memInfo("inactive_anon").map { a + $0 } }),
                    ("shmem", g.memInfo("shmem")),
                    ("page tables", g.memInfo("pagetables")),
                ]
                if let top = shares.compactMap({ n, v in v.map { (n, $0) } }).max(by: { $0.1 < $1.1 }) {
                    let pct = Int((Double(top.1) / Double(ram) * 100).rounded())
                    if pct >= 10 { s += "; \(pct) % of RAM \(top.0)" }
                }
            }
            if let t = g.totalSwapKB {
                if t == 0 { s += "; no swap" } else if let f = g.freeSwapKB, f * 20 < t { s += "; swap full (\(formatKB(f)) of \(formatKB(t)) free)" }
            }
            if let h = held {
                s += "; " + h
                if let share = m?.tasks?.victimShare { s += share < 0.005 ? " (< 1 % of the tasks' rss)" : " (\(Int((share * 100).rounded())) % of the tasks' rss)" }
                s += threads
            }
            return s
        }
    }
}
