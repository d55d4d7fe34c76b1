import ForensicModel

/// `nic-link-or-driver`: link down → up, NETDEV WATCHDOG transmit timeouts; ethtool/softnet drops support.
extension Correlator {
    static func nicCause(_ r: AnalysisResult) -> Cause {
        var nic = Cause(id: .nicLinkOrDriver, title: "The NIC lost its link or its driver timed out", noun: "link or driver event",
                        nextStep: "Check the NIC, cable and switch port (ethtool -S, the switch's logs); update the driver or firmware if it times out.",
                        headline: "")
        let downs = events(r, [.linkDown]), ups = events(r, [.linkUp]), dogs = events(r, [.netdevWatchdog])
        for d in downs {
            let up = ups.first { ($0.subject == d.subject) && ($0.time ?? Timestamp(nanos: .min)) >= (d.time ?? Timestamp(nanos: .max)) }
            let ev = Evidence("\(d.subject ?? "a NIC") link down" + (up?.time.map { ", up again at \($0.iso8601)" } ?? ", no 'Link is Up' after it"), source: d.provenance.description)
            if let t = d.time { nic.windows.append(.init(start: t, end: up?.time ?? t, weight: 1, evidence: ev)) } else { nic.unplaced.append(ev) }
        }
        for d in dogs {
            let ev = Evidence("transmit timeout: \(d.message.prefix(100))", source: d.provenance.description)
            if let t = d.time { nic.windows.append(.init(start: t - 5, end: t, weight: 1, evidence: ev)) } else { nic.unplaced.append(ev) }
        }
        nic.headline = "\(downs.count) link-down and \(dogs.count) transmit-timeout message(s)"
        for c in r.counters where c.name.hasPrefix("ethtool_drops_") && c.value > 0 {
            nic.support.append(Evidence("ethtool -S \(c.name.dropFirst("ethtool_drops_".count)): \(Int(c.value)) drop/miss/error counts since boot", source: c.source.description))
        }
        if let d = counter(r, "softnet_dropped"), d.value > 0 {
            nic.support.append(Evidence("softnet_stat: \(Int(d.value)) packets dropped by the kernel's backlog since boot", source: d.source.description))
        }
        return nic
    }
}
