import ForensicModel

/// Turns the ranked hypotheses into a verdict with a status: never claims more than the inputs
/// can show. The tuning constants are here, in one place.
enum VerdictRule {
    /// A log covers the time from its first kernel line to its last one (or to the collection,
    /// for logs collected with the bundle), widened by this much (s).
    static let coverageSlack = 60.0

    /// Whether `t` lies inside a kernel log's coverage.
    static func covered(_ t: Timestamp, _ r: AnalysisResult) -> Bool {
        r.logCoverage.contains { c in
            guard let a = c.start else { return false }
            let b = c.end ?? a
            return a - coverageSlack <= t && t <= b + coverageSlack
        }
    }

    static func decide(_ r: AnalysisResult) -> Verdict {
        let scored = r.hypotheses.first.flatMap { $0.score > 0 ? $0 : nil }
        guard scored != nil || !r.bursts.isEmpty, let top = r.hypotheses.first else {
            var reasons = ["no hypothesis scored above 0"], codes = ["nothing-scored"]
            if r.kernelLogInputs == 0 { reasons.append("no kernel log was read"); codes.append("no-kernel-log") }
            return Verdict(id: nil, score: 0, status: .noEvidence, reasons: reasons, reasonCodes: codes)
        }
        var reasons: [String] = [], codes: [String] = []
        func add(_ code: String, _ text: String) { codes.append(code); reasons.append(text) }
        if scored == nil { add("bursts-unexplained", "\(r.bursts.count) real retransmission burst(s) and no hypothesis that explains them") }
        let timing: Set<Hypothesis.ID> = [.oomKillStall, .softlockupOrHungTask, .conntrackFull, .nicLinkOrDriver, .memoryPressure, .listenOverflow, .networkLoss, .reclaimStall]
        // Real symptoms need a cause; whether a node event caused them can only be told from
        // kernel logs that cover them, on a placed clock.
        let bursts = r.bursts
        let needsNode = timing.contains(top.id) || !bursts.isEmpty
        if needsNode {
            if r.kernelLogInputs == 0 {
                add("no-kernel-log", "no kernel log was read: OOM kills, lockups and other node events cannot be ruled out")
            } else if !bursts.isEmpty {
                let outside = bursts.filter { !covered($0.start, r) }
                if outside.count == bursts.count {
                    let spans = r.logCoverage.compactMap { c in c.start.map { "\($0.iso8601) – \((c.end ?? $0).iso8601)" } }
                    add("logs-miss-bursts", "no kernel log covers the retransmission bursts (\(bursts[0].start.iso8601) …)" + (spans.isEmpty ? ": the logs' times could not be placed on UTC" : "; the logs cover \(Array(Set(spans)).sorted().prefix(3).joined(separator: ", "))"))
                } else if !outside.isEmpty {
                    add("bursts-outside-logs", "\(outside.count) of \(bursts.count) retransmission bursts fall outside the kernel logs' time span, first at \(outside[0].start.iso8601)")
                }
            }
            let unplacedKills = r.oomKills.filter { $0.window == nil }.count
            let unplacedEvents = r.nodeEvents.filter { $0.time == nil }.count
            if unplacedKills + unplacedEvents > 0 && (top.id == .networkLoss || top.id == .captureDuplicates || timing.contains(top.id)) {
                add("events-not-on-utc", "\(unplacedKills) OOM kill(s) and \(unplacedEvents) kernel event(s) could not be placed on UTC (no journal, boot time or zone to place the kernel clock): they cannot be lined up with the capture")
            }
            let u = max(r.oomKills.compactMap(\.timeUncertainty).max() ?? 0, r.nodeEvents.compactMap(\.uncertainty).max() ?? 0)
            if u > ClockTolerance.maximum {
                let src = r.oomKills.first { $0.timeUncertainty == u }?.timeSource ?? "its clock source"
                add("kernel-clock-uncertain", "the kernel clock is known only to ±\(Int(u.rounded())) s (\(src)): more than the ±\(Int(ClockTolerance.maximum)) s the matching tolerates")
            }
            // sar rows are local times: with no zone known they may be off by hours
            let sarUsed = r.symptoms.contains { $0.kind.coarse } || ((top.id == .reclaimStall || top.id == .memoryPressure) && !r.sar.isEmpty)
            if sarUsed, let su = r.sar.map(\.uncertainty).max(), su > ClockTolerance.maximum {
                add("sar-clock-uncertain", "sar's times are known only to ±\(Int((su / 3600).rounded())) h (the node's zone is not in the bundle): more than the ±\(Int(ClockTolerance.maximum)) s the matching tolerates")
            }
        }
        // No capture: the symptoms are sar's per-interval rates; where in an interval a symptom
        // began cannot be told, so timing is only as good as the interval.
        let coarse = r.symptoms.filter { $0.kind.coarse }
        if r.captures.isEmpty, !coarse.isEmpty {
            let width = coarse.map { $0.end - $0.start }.max() ?? 0
            let text = "no capture was given: the symptoms are \(coarse.count) sar interval(s) with a raised TCP retransmission or interface drop rate (sar -n ETCP / EDEV), each \(Int(width.rounded())) s wide; where in an interval the trouble began cannot be told (cause windows were widened by that much)"
            if width / 2 > ClockTolerance.maximum { add("sar-intervals-coarse", text) }
        }
        if let off = r.suggestedPcapOffset, needsNode {
            add("capture-clock-offset", "the capture's clock and the kernel's may disagree: shifting the capture by \(off > 0 ? "+" : "")\(Int(off.rounded())) s would line the bursts up with node events (see the warning); which clock is off cannot be told from these inputs")
        }
        // A real-retransmission problem the top hypothesis does not address (copies only explain Wireshark's count).
        if top.id == .captureDuplicates, r.captures.reduce(0, { $0 + $1.retransmissionsReal }) > 0, reasons.isEmpty {
            // the remaining real ones were scored by the other hypotheses: nothing to add
        }
        return Verdict(id: scored?.id, score: scored?.score ?? 0, status: reasons.isEmpty ? .conclusive : .inconclusive, reasons: reasons, reasonCodes: codes)
    }
}

/// How uncertain a placed kernel clock may be before timing hypotheses stop being decidable.
public enum ClockTolerance {
    /// Seconds (±). A kill window is widened by its uncertainty; beyond this, the verdict is inconclusive.
    public static let maximum = 5.0
}
