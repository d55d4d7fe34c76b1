/// `/proc/vmstat` (`name value` per line): the counters that tell of memory stalls, as totals
/// since boot at collection time. Pure.
public enum ProcVmstat {
    /// Counter names kept: direct reclaim entries (`allocstall` before 4.8, `allocstall_<zone>`
    /// after), pages scanned and stolen by direct reclaim and by kswapd, compaction stalls, the
    /// kernel's own OOM-kill count (4.13+), swap traffic, memcg work-set refaults.
    static func wanted(_ n: Substring) -> Bool {
        n == "allocstall" || n.hasPrefix("allocstall_") || n.hasPrefix("pgscan_direct") || n.hasPrefix("pgsteal_direct")
            || n.hasPrefix("pgscan_kswapd") || n.hasPrefix("pgsteal_kswapd") || n == "compact_stall" || n == "compact_fail"
            || n == "oom_kill" || n == "pswpin" || n == "pswpout" || n == "kswapd_low_wmark_hit_quickly" || n == "kswapd_high_wmark_hit_quickly"
            || n == "workingset_refault" || n == "workingset_refault_anon" || n == "workingset_refault_file"
    }

    /// Whether a text is /proc/vmstat: most lines `name number`, and some of the names only it has.
    public static func looksLikeVmstat(_ text: Substring) -> Bool {
        let lines = text.splitBytes(separator: "\n").prefix(400)
        guard lines.count >= 3 else { return false }
        let pairs = lines.filter { l in let f = l.splitBytes(separator: " "); return f.count == 2 && Int(f[1]) != nil }
        return pairs.count * 10 >= lines.count * 9 && lines.contains { $0.hasPrefix("nr_free_pages ") } && lines.contains { $0.hasPrefix("pgfault ") }
    }

    /// The wanted counters, `vmstat_<name>`, plus `vmstat_allocstall_total` (all zones summed).
    public static func parse(_ text: Substring) -> [(String, Double)] {
        var out: [(String, Double)] = []
        var stalls = 0.0, sawStall = false
        for l in text.splitBytes(separator: "\n") {
            let f = l.splitBytes(separator: " ")
            guard f.count == 2, wanted(f[0]), let v = Double(f[1]) else { continue }
            out.append(("vmstat_" + f[0], v))
            if f[0] == "allocstall" || f[0].hasPrefix("allocstall_") { stalls += v; sawStall = true }
        }
        if sawStall { out.append(("vmstat_allocstall_total", stalls)) }
        return out
    }
}
