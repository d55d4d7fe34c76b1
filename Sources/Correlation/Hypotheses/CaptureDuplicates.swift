import ForensicModel

/// `capture-duplicates`: the share of Wireshark's retransmissions that are copies of one packet
/// (another interface of an `-i any` capture, or another capture file); halved while real ones remain.
extension Correlator {
    static func captureDuplicates(_ r: AnalysisResult, hasCapture: Bool, ws: Int, real: Int, copies: Int) -> Hypothesis {
        let copyRetrans = r.retransmissions.reduce(0) { $0 + ($1.copyOf != nil ? 1 : 0) }
        var h = Hypothesis(id: .captureDuplicates, title: "Retransmissions in the capture are copies of one packet seen on several interfaces",
                           score: 0, scoreExplanation: "", summary: "")
        if !hasCapture {
            h.summary = "No capture was given."
            h.scoreExplanation = "0: nothing to assess"
        } else if copyRetrans == 0 {
            h.summary = copies == 0 ? "The capture has no multi-interface copies." : "The capture has \(copies) copies, but none of them looks like a retransmission."
            h.scoreExplanation = "0: no retransmission is a copy"
            h.counterEvidence.append(Evidence("\(copies) copies in \(r.captures.count) capture(s); \(ws) retransmissions as Wireshark shows them"))
        } else {
            let share = Double(copyRetrans) / Double(max(ws, 1))
            let factor = real == 0 ? 1.0 : 0.5
            h.score = min(1, share * factor)
            h.scoreExplanation = "share of Wireshark's retransmissions that are copies (\(copyRetrans)/\(ws) = \(fmt(share)))"
                + (real == 0 ? "" : " × 0.5 because \(real) real retransmissions remain and need another cause")
            h.summary = "Wireshark would show \(ws) retransmissions; \(copyRetrans) of them are copies of the same packet on another interface (`tcpdump -i any`), \(real) are real."
            for c in r.captures where c.duplicateCopies > 0 {
                let ifs = c.copyInterfaces.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                h.evidence.append(Evidence("\(c.duplicateCopies) of \(c.frames) frames are copies, seen on \(ifs); \(c.retransmissionsWireshark) retransmissions as Wireshark counts them, \(c.retransmissionsReal) real", source: c.path))
                for (rw, n) in c.addressRewrites.sorted(by: { $0.value > $1.value }).prefix(2) {
                    h.evidence.append(Evidence("address rewrite between copies (\(n)×): \(rw)", source: c.path))
                }
            }
            if let e = r.retransmissions.first(where: { $0.copyOf != nil }) {
                h.evidence.append(Evidence("e.g. frame \(e.frame) is flagged [TCP Retransmission] by Wireshark but is a copy of frame \(e.copyOf!)", source: e.provenance.description))
            }
            if real > 0 { h.counterEvidence.append(Evidence("\(real) retransmissions remain after removing the copies")) }
            h.nextStep = "Capture on the pod's own interface (its veth, or `nsenter -n -t <pid> tcpdump -i eth0`) instead of `-i any`, or let nodesleuth remove the copies."
        }
        return h
    }
}
