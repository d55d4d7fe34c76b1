import ForensicModel

/// `conntrack-full`: `nf_conntrack: table full` episodes; the table's fill at collection supports or argues against.
extension Correlator {
    static func conntrackCause(_ r: AnalysisResult) -> Cause {
        var conn = eventCause(r, .conntrackFull, "The conntrack table is full and the kernel drops packets", "conntrack drop", events(r, [.conntrackFull]),
                              next: "Raise net.netfilter.nf_conntrack_max (and the hash size) or find what opens so many connections.",
                              headline: "the kernel printed 'nf_conntrack: table full, dropping packet' \(events(r, [.conntrackFull]).count) time(s)")
        if let n = counter(r, "nf_conntrack_count"), let m = counter(r, "nf_conntrack_max"), m.value > 0 {
            let e = Evidence("conntrack table at collection: \(Int(n.value)) of \(Int(m.value)) entries (\(Int(n.value / m.value * 100)) %)", source: n.source.description)
            if n.value / m.value >= 0.9 { conn.support.append(e) } else { conn.against.append(e) }
        }
        return conn
    }
}
