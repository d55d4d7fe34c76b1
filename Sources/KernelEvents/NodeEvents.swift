import Foundation
import ForensicModel

/// Recognises the kernel lines of node events other than OOM kills. Pure function of one line.
public enum NodeEventExtractor {
    /// Byte needles for the prefilter (NeedleFilter), kept beside the patterns they guard.
    public static let needles = ["soft lockup", "blocked for more than", "rcu", "table full", "Link is Down", "Link is Up",
                                 "NETDEV WATCHDOG", "allocation failure", "TCP: out of memory", "SYN flooding", "allocation stall"]

    /// Stack frames of page reclaim and compaction (a hung task waiting in one of them is a reclaim stall).
    static let reclaimFrames = ["try_to_free_pages", "do_try_to_free_pages", "shrink_node", "shrink_zone", "shrink_inactive_list",
                                "shrink_page_list", "shrink_folio_list", "shrink_lruvec", "__alloc_pages_direct_reclaim", "__perform_reclaim",
                                "throttle_direct_reclaim", "balance_pgdat", "try_to_free_mem_cgroup_pages", "mem_cgroup_handle_over_high",
                                "__alloc_pages_direct_compact", "compact_zone", "reclaim_throttle", "congestion_wait", "wait_iff_congested"]

    /// The reclaim or compaction function a stack line names (`shrink_node+0x1c2/0x4b0`), if any.
    public static func reclaimFrame(_ message: String) -> String? {
        let m = Substring(message).trimmingLeadingSpaces()
        let body = m.hasPrefix("? ") ? m.dropFirst(2) : m.hasPrefix("[<") ? (m.after("] ").map { $0.hasPrefix("? ") ? $0.dropFirst(2) : $0 } ?? m) : m
        let name = body.prefix { $0 != "+" && $0 != " " }
        return reclaimFrames.first { name == $0 || name.hasPrefix($0 + ".") }
    }

    public static func classify(_ line: KernelLine) -> NodeEvent? {
        let m = Substring(line.message)
        func make(_ kind: NodeEvent.Kind, lasted: Double = 0, subject: String? = nil) -> NodeEvent {
            var e = NodeEvent(kind: kind, message: line.message, time: line.utc, kernelMicros: line.kernelMicros, lastedBefore: lasted, subject: subject, provenance: line.provenance)
            e.uncertainty = line.utc == nil ? nil : line.uncertainty
            return e
        }
        // watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [java:4242]
        if let r = m.find("soft lockup - CPU#") {
            let cpu = m[r.upperBound...].prefix { $0.isNumber }
            let secs = m.after("stuck for ").flatMap { $0.leadingInt()?.0 } ?? 20
            return make(.softLockup, lasted: Double(secs), subject: "CPU#\(cpu)")
        }
        // INFO: task kworker/u8:2:123 blocked for more than 120 seconds.
        if m.has(" blocked for more than "), let t = m.after("task ") {
            let name = t.prefix { $0 != " " }
            let secs = m.after("blocked for more than ").flatMap { $0.leadingInt()?.0 } ?? 120
            // kswapd itself stuck: reclaim is (the kswapd thread's name is kswapd<node>)
            return make(name.hasPrefix("kswapd") ? .reclaimHang : .hungTask, lasted: Double(secs), subject: String(name))
        }
        // java: page allocation stalls for 10068ms, order:0, mode:0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null)
        if let r = m.find("page allocation stalls for ") ?? m.find("page allocation stall for "), let (ms, rest) = m[r.upperBound...].leadingInt(), rest.hasPrefix("ms") {
            let who = m[..<r.lowerBound].trimmedSpaces()
            return make(.allocationStall, lasted: Double(ms) / 1000, subject: who.hasSuffix(":") ? String(who.dropLast()) : (who.isEmpty ? nil : String(who)))
        }
        // rcu: INFO: rcu_sched detected stalls on CPUs/tasks:  /  INFO: rcu_preempt self-detected stall on CPU
        if (m.has("rcu") && (m.has("detected stalls") || m.has("self-detected stall"))) {
            var secs = 21.0
            if let j = m.after("t="), let (jiffies, rest) = j.leadingInt(), rest.hasPrefix(" jiffies") { secs = Double(jiffies) / 1000 }
            return make(.rcuStall, lasted: secs)
        }
        if m.has("table full, dropping packet") { return make(.conntrackFull) }
        // e1000e 0000:00:19.0 eth0: NIC Link is Down / mlx5_core …: Link is Down / eth0: Link is Up at 1000 Mbps
        if m.has("Link is Down") || m.has("Link is Up") {
            let before = m[..<(m.find("Link is")!.lowerBound)]
            let iface = before.splitBytes(separator: " ").last(where: { $0.hasSuffix(":") }).map { String($0.dropLast()) }
            return make(m.has("Link is Down") ? .linkDown : .linkUp, subject: iface)
        }
        // NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out
        if let w = m.after("NETDEV WATCHDOG: ") { return make(.netdevWatchdog, subject: w.splitBytes(separator: " ").first.map(String.init)) }
        // java: page allocation failure: order:4, mode:0x40cc0(...)
        if m.has("page allocation failure") { return make(.pageAllocationFailure, subject: m.splitBytes(separator: ":", omittingEmptySubsequences: false).first.map(String.init)) }
        if m.has("TCP: out of memory") { return make(.tcpOutOfMemory) }
        // TCP: request_sock_TCP: Possible SYN flooding on port 8080. Sending cookies.
        if m.has("SYN flooding on port") {
            let port = m.after("SYN flooding on port ").map { $0.prefix { $0.isNumber } }.map(String.init)
            return make(.synFlood, subject: port.map { "port \($0)" })
        }
        return nil
    }
}

/// Counters that bundles hold (totals since boot at collection time).
public enum CounterFiles {
    /// `nstat -zas` (`TcpExtListenOverflows   12   0.0`) or `netstat -s` lines for the names that matter.
    public static func nstat(_ text: String) -> [(String, Double)] {
        let wanted: Set<String> = ["TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPBacklogDrop", "TcpRetransSegs",
                                   "TcpExtTCPTimeouts", "TcpExtTCPSynRetrans", "TcpOutSegs", "TcpExtTCPMemoryPressures"]
        var out: [(String, Double)] = []
        for l in text.splitBytes(separator: "\n") {
            let f = l.splitBytes(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 2, wanted.contains(String(f[0])), let v = Double(f[1]) else { continue }
            out.append((String(f[0]), v))
        }
        return out
    }

    /// `netstat -s` phrases: "12 times the listen queue of a socket overflowed", "N SYNs to LISTEN sockets dropped".
    public static func netstatS(_ text: String) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for l in text.splitBytes(separator: "\n") {
            let t = l.trimmedSpaces()
            guard let n = Double(t.splitBytes(separator: " ").first ?? "") else { continue }
            if t.has("times the listen queue of a socket overflowed") { out.append(("TcpExtListenOverflows", n)) }
            if t.has("SYNs to LISTEN sockets dropped") { out.append(("TcpExtListenDrops", n)) }
            if t.has("segments retransmitted") || t.has("segments retransmited") { out.append(("TcpRetransSegs", n)) }
        }
        return out
    }

    /// `ethtool -S <dev>`: the sum of the counters whose names say drop, miss, discard, fifo or
    /// error (driver names differ: rx_dropped, rx_missed_errors, rx_fifo_errors, tx_timeout_count…).
    public static func ethtool(_ text: String) -> Double {
        var sum = 0.0
        for l in text.splitBytes(separator: "\n") {
            let parts = l.splitBytes(separator: ":", maxSplits: 1)
            guard parts.count == 2, let v = Double(parts[1].trimmedSpaces()) else { continue }
            let name = parts[0].lowercased()
            if ["drop", "miss", "discard", "fifo", "error", "timeout"].contains(where: { name.has($0) }) { sum += v }
        }
        return sum
    }

    /// `/proc/net/softnet_stat`: hex columns per CPU: processed, dropped, time_squeeze. Returns the sums.
    public static func softnet(_ text: String) -> [(String, Double)] {
        var dropped = 0.0, squeezed = 0.0
        for l in text.splitBytes(separator: "\n") {
            let f = l.splitBytes(separator: " ")
            guard f.count >= 3, let d = UInt64(f[1], radix: 16), let s = UInt64(f[2], radix: 16) else { continue }
            dropped += Double(d); squeezed += Double(s)
        }
        return [("softnet_dropped", dropped), ("softnet_time_squeeze", squeezed)]
    }
}
