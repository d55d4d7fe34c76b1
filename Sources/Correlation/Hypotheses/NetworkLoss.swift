import ForensicModel

/// `network-loss`: bursts that a kernel log covers and no node event explains.
extension Correlator {
    static func networkLoss(_ r: AnalysisResult, explainedBy: [Timestamp: Double], hasCapture: Bool, options: CorrelationOptions) -> Hypothesis {
        var h = Hypothesis(id: .networkLoss, title: "Packet loss in the network that no node event explains", score: 0, scoreExplanation: "", summary: "")
        let sarEpisodes = hasCapture ? [] : r.symptoms.filter { $0.kind.coarse }
        if r.bursts.isEmpty && !sarEpisodes.isEmpty {
            // No capture: the raised sar intervals no node cause explains (a kernel log must cover them).
            let mid = { (s: Symptom) in s.start + (s.end - s.start) / 2 }
            let covered = sarEpisodes.filter { VerdictRule.covered(mid($0), r) }
            let weight = covered.reduce(0.0) { $0 + (1 - (explainedBy[mid($1)] ?? 0)) }
            h.score = weight / Double(sarEpisodes.count)
            h.scoreExplanation = "share of sar intervals with raised retransmissions or drops that a kernel log covers and no node event explains, each counted 1 − (1 − p) of the best cause whose window holds it (\(fmt(weight))/\(sarEpisodes.count))"
            let unexplained = covered.filter { (explainedBy[mid($0)] ?? 0) < 0.5 }
            h.summary = "No capture was given; \(unexplained.count) of \(sarEpisodes.count) sar interval(s) with raised TCP retransmissions or interface drops have no node event to explain them."
            for s in unexplained.prefix(5) {
                h.evidence.append(Evidence("\(s.kind.rawValue) \(s.start.iso8601) – \(s.end.clockString) (about \(s.count) in the interval)", source: s.provenance.description))
            }
            if covered.count < sarEpisodes.count { h.counterEvidence.append(Evidence("\(sarEpisodes.count - covered.count) of them lie where no kernel log was read: unknown, not counted")) }
            h.nextStep = "Capture on both ends during the next episode to see where packets are lost."
            return h
        }
        guard !r.bursts.isEmpty else {
            h.summary = hasCapture ? "No real retransmission bursts." : "No capture was given."
            h.scoreExplanation = "0: no bursts"
            return h
        }
        // A burst no kernel log covers is unknown, not network loss: nothing says the node was quiet then.
        let covered = r.bursts.filter { VerdictRule.covered($0.start, r) }
        let uncovered = r.bursts.count - covered.count
        let unexplained = covered.filter { (explainedBy[$0.start] ?? 0) < 0.5 }
        let weight = covered.reduce(0.0) { $0 + (1 - (explainedBy[$1.start] ?? 0)) }
        h.score = weight / Double(r.bursts.count)
        h.scoreExplanation = "share of retransmission bursts that a kernel log covers and no node event explains, each burst counted 1 − (1 − p) of the best cause whose window holds it (\(fmt(weight))/\(r.bursts.count))"
        h.summary = "\(unexplained.count) of \(r.bursts.count) retransmission bursts (\(unexplained.reduce(0) { $0 + $1.count }) real retransmissions) have no node event to explain them."
        if uncovered > 0 {
            h.summary += " \(uncovered) burst(s) lie where no kernel log was read: unknown, not counted."
            h.counterEvidence.append(Evidence("\(uncovered) of \(r.bursts.count) bursts are outside every kernel log's time span (or no kernel log was read)"))
        }
        for b in unexplained.prefix(5) {
            h.evidence.append(Evidence("\(b.count) retransmission(s) \(b.start.iso8601) – \(b.end.clockString), no convincing node event within \(fmt(options.lead)) s before to \(fmt(options.lag)) s after", source: b.firstFrame.description))
        }
        let explainedCount = r.bursts.count - unexplained.count
        if explainedCount > 0 { h.counterEvidence.append(Evidence("\(explainedCount) burst(s) line up with node events")) }
        if let rs = r.counters.first(where: { $0.name == "TcpRetransSegs" }), rs.value > 0 {
            h.evidence.append(Evidence("the node's TCP stack retransmitted \(Int(rs.value)) segments since boot (RetransSegs)", source: rs.source.description))
        }
        h.nextStep = "Capture on both ends (client and server node) to see where packets are lost; check NIC and switch counters."
        // Captures from two points answer where a resent segment's original went. Where the two
        // points are is the user's to know (two interfaces of one node look like two ends), so
        // this is reported as evidence, not folded into the score.
        if let b = r.bothEnds {
            let text = "with two capture points: of \(b.checked) real retransmission(s) of connections both captures saw, \(b.lostBetween) never reached the other capture point before being resent (lost between them), \(b.reachedOtherEnd) had reached it (the receiving node got the segment and did not answer in time: it stalled, or its ACK was lost)" + (b.incomplete ? "; a capture's segment table filled up, the rest unchecked" : "")
            if b.lostBetween > 0 { h.evidence.insert(Evidence(text), at: 0) } else { h.counterEvidence.insert(Evidence(text, source: b.example?.description), at: 0) }
            h.nextStep = b.lostBetween > 0
                ? "If the two captures were taken at the two ends: find the hop that drops packets between them (NIC, switch and overlay counters)."
                : "If the two captures were taken at the two ends, the network delivered these segments: look at the receiving node (what stalled it at those times)."
        }
        return h
    }
}
