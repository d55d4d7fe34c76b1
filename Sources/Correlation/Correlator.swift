import ForensicModel

public struct CorrelationOptions: Sendable {
    /// Retransmissions closer than this (s) form one burst.
    public var burstGap = 2.0
    /// A burst may start this long (s) before a cause window opens...
    public var lead = 0.5
    /// ...or this long after it closes, and still count as explained.
    public var lag = 1.0
    public var permutations = 4000
    public init() {}
}

/// Ranks the hypotheses of the fixed vocabulary against the symptoms. Depends on the model only.
public enum Correlator {
    public static func run(_ r: inout AnalysisResult, options: CorrelationOptions = CorrelationOptions()) {
        r.bursts = BurstFinder.bursts(r.retransmissions, gap: options.burstGap)
        let hasCapture = !r.captures.isEmpty
        let ws = r.captures.reduce(0) { $0 + $1.retransmissionsWireshark }
        let real = r.captures.reduce(0) { $0 + $1.retransmissionsReal }
        let copies = r.captures.reduce(0) { $0 + $1.duplicateCopies }
        var span: (Timestamp, Timestamp)?
        for c in r.captures {
            guard let a = c.firstTime, let b = c.lastTime else { continue }
            span = span.map { (min($0.0, a), max($0.1, b)) } ?? (a, b)
        }

        var hyps: [Hypothesis] = []
        let oom = oomHypothesis(r, span: span, options: options)
        hyps.append(oom.hypothesis)

        // capture-duplicates
        do {
            let copyRetrans = r.retransmissions.filter { $0.copyOf != nil }.count
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
            hyps.append(h)
        }

        // network-loss
        do {
            var h = Hypothesis(id: .networkLoss, title: "Packet loss in the network that no node event explains", score: 0, scoreExplanation: "", summary: "")
            if r.bursts.isEmpty {
                h.summary = hasCapture ? "No real retransmission bursts." : "No capture was given."
                h.scoreExplanation = "0: no bursts"
            } else {
                let unexplained = r.bursts.filter { !oom.explainedStarts.contains($0.start) }
                let share = Double(unexplained.count) / Double(r.bursts.count)
                h.score = share
                h.scoreExplanation = "share of retransmission bursts no node event explains (\(unexplained.count)/\(r.bursts.count))"
                h.summary = "\(unexplained.count) of \(r.bursts.count) retransmission bursts (\(unexplained.reduce(0) { $0 + $1.count }) real retransmissions) have no node event nearby."
                for b in unexplained.prefix(5) {
                    h.evidence.append(Evidence("\(b.count) retransmission(s) \(b.start.iso8601) – \(b.end.clockString), no node event within \(fmt(options.lead)) s before to \(fmt(options.lag)) s after", source: b.firstFrame.description))
                }
                if oom.explainedStarts.count > 0 {
                    h.counterEvidence.append(Evidence("\(oom.explainedStarts.count) bursts line up with OOM kills"))
                }
                h.nextStep = "Capture on both ends (client and server node) to see where packets are lost; check NIC and switch counters."
            }
            hyps.append(h)
        }

        // no-retransmissions
        do {
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
            hyps.append(h)
        }

        let order = Hypothesis.ID.allCases
        hyps.sort { ($0.score, -order.firstIndex(of: $0.id)!) > ($1.score, -order.firstIndex(of: $1.id)!) }
        for i in hyps.indices { hyps[i].rank = i + 1 }
        r.hypotheses = hyps
    }

    struct OOMOutcome {
        var hypothesis: Hypothesis
        var explainedStarts: Set<Timestamp>
    }

    static func oomHypothesis(_ r: AnalysisResult, span: (Timestamp, Timestamp)?, options: CorrelationOptions) -> OOMOutcome {
        var h = Hypothesis(id: .oomKillStall, title: "Kernel OOM kills stall the node and line up with the retransmission bursts",
                           score: 0, scoreExplanation: "", summary: "")
        let kills = r.oomKills
        guard !kills.isEmpty else {
            h.summary = "No kernel OOM kill in the logs read."
            h.scoreExplanation = "0: no OOM kills"
            return OOMOutcome(hypothesis: h, explainedStarts: [])
        }
        let victims = victimPhrase(kills)
        let durations = kills.compactMap { $0.killDuration?.seconds }
        let durationText = durations.isEmpty ? "" : "; each kill took \(fmt(durations.min()!))–\(fmt(durations.max()!)) s"
        let placed = kills.filter { $0.window != nil }
        guard let span, !r.bursts.isEmpty else {
            h.summary = "\(victims) was OOM-killed \(kills.count) time\(kills.count == 1 ? "" : "s")\(durationText); "
                + (span == nil ? "no capture to compare with." : "the capture has no real retransmission burst to explain.")
            h.scoreExplanation = "0: no symptom to line up with"
            for k in kills { h.evidence.append(killEvidence(k, note: nil)) }
            return OOMOutcome(hypothesis: h, explainedStarts: [])
        }
        let inSpan = placed.filter { k in let w = k.window!; return w.end + options.lag >= span.0 && w.start - options.lead <= span.1 }
        let windows = inSpan.map { k -> (Timestamp, Timestamp) in let w = k.window!; return (w.start + (-options.lead), w.end + options.lag) }
        let starts = r.bursts.map(\.start)
        let test = OverlapTest.run(symptoms: starts, windows: windows, span: span, permutations: options.permutations)
        let explained = Set(starts.filter { t in windows.contains { $0.0 <= t && t <= $0.1 } })
        let recall = Double(test.explained) / Double(max(test.symptoms, 1))
        let precision = windows.isEmpty ? 0 : Double(test.windowsHit) / Double(windows.count)
        h.score = recall * (0.5 + 0.5 * precision) * (1 - test.pValue)
        h.scoreExplanation = "share of bursts that start in a kill window (\(test.explained)/\(test.symptoms)) × (0.5 + 0.5 × share of kills in the capture followed by a burst, \(test.windowsHit)/\(test.windows)) × (1 − p), p = \(fmtP(test.pValue)) from \(test.permutations) circular shifts of the burst times"
        h.summary = "\(victims) was OOM-killed \(kills.count) time\(kills.count == 1 ? "" : "s")\(durationText); \(test.explained) of \(test.symptoms) retransmission bursts start within the kill windows (\(fmt(options.lead)) s before to \(fmt(options.lag)) s after); chance overlap p \(test.pValue < 0.001 ? "< 0.001" : "= " + fmtP(test.pValue))."
        for k in kills {
            guard let w = k.window else {
                h.counterEvidence.append(Evidence("kill of pid \(k.victimPid.map(String.init) ?? "?") could not be placed on UTC", source: k.source.description))
                continue
            }
            let lo = w.start + (-options.lead), hi = w.end + options.lag
            if let b = r.bursts.first(where: { lo <= $0.start && $0.start <= hi }) {
                h.evidence.append(killEvidence(k, note: "burst of \(b.count) retransmission(s) starts \(fmt(b.start - w.start)) s after the kill began"))
                h.evidence.append(Evidence("first retransmission of that burst", source: b.firstFrame.description))
            } else if w.end + options.lag < span.0 || w.start - options.lead > span.1 {
                h.counterEvidence.append(killEvidence(k, note: "outside the capture (\(span.0.clockString)–\(span.1.clockString)): cannot be checked"))
            } else {
                h.counterEvidence.append(killEvidence(k, note: "no retransmission burst follows this kill"))
            }
        }
        let unexplained = r.bursts.filter { !explained.contains($0.start) }
        if !unexplained.isEmpty {
            h.counterEvidence.append(Evidence("\(unexplained.count) burst(s) start away from any kill, first at \(unexplained[0].start.iso8601)", source: unexplained[0].firstFrame.description))
        }
        if test.explained > 0 {
            let who = kills.first.map { k in (k.containerName ?? k.victimComm ?? "the victim") + (k.podName.map { " in pod \($0)" } ?? "") } ?? "the victim"
            h.nextStep = "Raise the memory limit of \(who), or fix its memory use, so the kernel stops OOM-killing it; on older kernels the kill of a process with hundreds of threads can stall the node for seconds."
        }
        return OOMOutcome(hypothesis: h, explainedStarts: explained)
    }

    static func victimPhrase(_ kills: [OOMKill]) -> String {
        var names: [String] = []
        for k in kills {
            var s = k.containerName ?? k.victimComm ?? "a process"
            var details: [String] = []
            if k.containerName != nil, let c = k.victimComm { details.append(c) }
            if let pod = k.podName { details.append("pod \(pod)") } else if let uid = k.podUID { details.append("pod \(uid.prefix(8))…") }
            if let t = k.victimThreads { details.append("\(t) threads") }
            if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
            if !names.contains(s) { names.append(s) }
        }
        return names.count <= 2 ? names.joined(separator: " and ") : names.prefix(2).joined(separator: ", ") + " and \(names.count - 2) more"
    }

    static func killEvidence(_ k: OOMKill, note: String?) -> Evidence {
        var s = (k.containerName.map { "\($0) (\(k.victimComm ?? "?") pid " } ?? "\(k.victimComm ?? "?") (pid ") + "\(k.victimPid.map(String.init) ?? "?")) OOM-killed (\(k.scope.rawValue))"
        if let t = k.tInvoked ?? k.tKilled { s += " at \(t.iso8601)" }
        if let d = k.killDuration { s += ", kill took \(fmt(d.seconds)) s (invoked → \(d.end))" }
        if let t = k.victimThreads { s += ", \(t) threads" }
        if let note { s += "; " + note }
        return Evidence(s, source: (k.invokedAt ?? k.source).description)
    }
}

func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    var s = String(r)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

func fmtP(_ p: Double) -> String {
    if p < 0.001 { return "<0.001" }
    return String((p * 1000).rounded() / 1000)
}
