import ForensicModel

/// `listen-overflow`: SYN-flood messages; listen overflow counters and SYN retransmissions support.
extension Correlator {
    static func listenCause(_ r: AnalysisResult) -> Cause {
        var listen = eventCause(r, .listenOverflow, "A listening socket overflows (accept queue full, SYN flood protection)", "SYN-flood message",
                                events(r, [.synFlood]),
                                next: "Raise the listen backlog (somaxconn, the server's backlog) or add server capacity; check for a SYN flood.",
                                headline: "\(events(r, [.synFlood]).count) 'possible SYN flooding' message(s)")
        for name in ["TcpExtListenOverflows", "TcpExtListenDrops"] {
            if let c = counter(r, name), c.value > 0 { listen.support.append(Evidence("\(name) = \(Int(c.value)) since boot", source: c.source.description)) }
        }
        let synRetrans = r.retransmissions.filter { $0.copyOf == nil && $0.isSYN }
        if !synRetrans.isEmpty {
            listen.support.append(Evidence("\(synRetrans.count) SYN retransmission(s) in the capture (connect stalls)", source: synRetrans[0].provenance.description))
        }
        return listen
    }
}
