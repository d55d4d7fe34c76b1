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
        var synCount = 0
        var firstSYN: RetransmissionEvent?
        for e in r.retransmissions where e.copyOf == nil && e.isSYN {
            synCount += 1
            if firstSYN == nil { firstSYN = e }
        }
        if let firstSYN {
            listen.support.append(Evidence("\(synCount) SYN retransmission(s) in the capture (connect stalls)", source: firstSYN.provenance.description))
        }
        return listen
    }
}
