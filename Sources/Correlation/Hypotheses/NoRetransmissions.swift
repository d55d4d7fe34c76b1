import ForensicModel

/// `no-retransmissions`: 1 when the capture holds no real retransmission.
extension Correlator {
    static func noRetransmissions(_ r: AnalysisResult, hasCapture: Bool, ws: Int, real: Int) -> Hypothesis {
        var h = Hypothesis(id: .noRetransmissions, title: "The capture has no real retransmission", score: 0, scoreExplanation: "", summary: "")
        if !hasCapture {
            h.summary = "No capture was given."
            h.scoreExplanation = "0: nothing to assess"
        } else if real == 0 {
            h.score = 1
            h.scoreExplanation = "1: zero real retransmissions in \(r.captures.reduce(0) { $0 + $1.tcpSegments }) TCP segments"
            h.summary = ws > 0 ? "No real retransmission: all \(ws) that Wireshark would show are capture copies." : "No retransmission at all in the capture."
            h.nextStep = "Look elsewhere for the timeouts: the application, DNS, or a capture taken at the wrong time or place."
        } else {
            h.summary = "\(real) real retransmissions in the capture."
            h.scoreExplanation = "0: real retransmissions exist"
            h.counterEvidence.append(Evidence("\(real) real retransmissions"))
        }
        return h
    }
}
