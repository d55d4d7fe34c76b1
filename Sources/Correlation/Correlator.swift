import ForensicModel

public struct CorrelationOptions: Sendable {
    /// Retransmissions closer than this (s) form one burst.
    public var burstGap = 2.0
    /// A symptom may start this long (s) before a cause window opens...
    public var lead = 0.5
    /// ...or this long after it closes, and still count as explained.
    public var lag = 1.0
    public var permutations = 4000
    /// Seconds added to every capture time (--pcap-offset).
    public var pcapOffset = 0.0
    /// The user's own timeout times (--symptom-times).
    public var symptomTimes: [(Timestamp, Provenance)] = []
    /// A client logs its timeout late and coarsely: each time stands for the interval of this
    /// many seconds before it (--symptom-window; the client's timeout).
    public var symptomWindow = 1.0
    /// --since / --until: keep only what happened in this window.
    public var since: TimeBound?
    public var until: TimeBound?
    /// How a bound given without a zone was read (shown with the window).
    public var windowNote: String?
    public init() {}
}

/// A time limit: absolute, or this many seconds before the last event of the inputs.
public enum TimeBound: Sendable, Equatable {
    case at(Timestamp)
    case beforeLast(Double)
}

/// One candidate cause: its time windows on UTC and what else speaks for or against it.
struct Cause {
    struct Window { var start: Timestamp; var end: Timestamp; var weight: Double; var evidence: Evidence }
    var id: Hypothesis.ID
    var title: String
    var noun: String                 // "OOM kill", "soft lockup"...
    var windows: [Window] = []
    var unplaced: [Evidence] = []
    var support: [Evidence] = []
    var against: [Evidence] = []
    var nextStep: String
    /// First part of the summary ("logstash (…) was OOM-killed 3 times; each kill took …").
    var headline: String
}

/// Ranks the hypotheses of the fixed vocabulary against the symptoms. Depends on the model only.
public enum Correlator {
    public static func run(_ r: inout AnalysisResult, options: CorrelationOptions = CorrelationOptions()) {
        applyOffset(&r, options.pcapOffset)
        applyWindow(&r, since: options.since, until: options.until, note: options.windowNote)
        r.bursts = BurstFinder.bursts(r.retransmissions, gap: options.burstGap)
        r.symptoms = episodes(r.symptoms, user: options.symptomTimes, window: options.symptomWindow)
        // No capture: sar's TCP retransmission and drop rates stand in for the symptoms.
        if r.captures.isEmpty { r.symptoms = (r.symptoms + SarSymptoms.episodes(r.sar)).sorted { $0.start < $1.start } }
        let symptoms = symptomStarts(r)
        let hasCapture = !r.captures.isEmpty
        let ws = r.captures.reduce(0) { $0 + $1.retransmissionsWireshark }
        let real = r.captures.reduce(0) { $0 + $1.retransmissionsReal } - r.crossCaptureCopies
        let copies = r.captures.reduce(0) { $0 + $1.duplicateCopies }
        var span: (Timestamp, Timestamp)?
        for c in r.captures {
            guard let a = c.firstTime, let b = c.lastTime else { continue }
            span = span.map { (min($0.0, a), max($0.1, b)) } ?? (a, b)
        }
        let sarSeries = r.sar.filter { ["retrans/s", "rxdrop/s", "txdrop/s", "rxerr/s", "txerr/s"].contains($0.metric) }
        if span == nil, r.symptoms.contains(where: { $0.kind.coarse }), let a = sarSeries.map(\.start).min(), let b = sarSeries.map(\.end).max() {
            span = (a, b)   // the time the sar series cover
        }
        if span == nil, let a = symptoms.map(\.time).min(), let b = symptoms.map(\.time).max() {
            span = (a - 60, b + 60) // only the user's timeout times
        }

        var hyps: [Hypothesis] = []
        var explainedBy: [Timestamp: Double] = [:]   // burst start -> confidence (1 − p) of the best cause covering it
        for cause in causes(r) {
            let (h, explained, p) = score(cause, symptoms: symptoms, span: span, r: r, options: options)
            hyps.append(h)
            for t in explained { explainedBy[t] = max(explainedBy[t] ?? 0, 1 - p) }
        }
        hyps.append(captureDuplicates(r, hasCapture: hasCapture, ws: ws, real: real, copies: copies))
        hyps.append(networkLoss(r, explainedBy: explainedBy, hasCapture: hasCapture, options: options))
        hyps.append(noRetransmissions(r, hasCapture: hasCapture, ws: ws, real: real))

        let order = Hypothesis.ID.allCases
        hyps.sort { ($0.score, -order.firstIndex(of: $0.id)!) > ($1.score, -order.firstIndex(of: $1.id)!) }
        for i in hyps.indices { hyps[i].rank = i + 1 }
        r.hypotheses = hyps
        suggestOffset(&r, options: options)
        r.verdict = VerdictRule.decide(r)
    }

    // MARK: - symptoms

    static func applyOffset(_ r: inout AnalysisResult, _ offset: Double) {
        r.pcapOffset = offset
        guard offset != 0 else { return }
        r.retransmissions.shift(by: offset)
        for i in r.captures.indices {
            r.captures[i].firstTime = r.captures[i].firstTime.map { $0 + offset }
            r.captures[i].lastTime = r.captures[i].lastTime.map { $0 + offset }
        }
        for i in r.symptoms.indices where r.symptoms[i].kind != .userTimeout {
            r.symptoms[i].start = r.symptoms[i].start + offset
            r.symptoms[i].end = r.symptoms[i].end + offset
        }
        r.clockNotes.append("capture times shifted by \(fmt(offset)) s (--pcap-offset)")
    }

    /// Keeps only the events inside [since, until] (capture summaries still count whole files).
    static func applyWindow(_ r: inout AnalysisResult, since: TimeBound?, until: TimeBound?, note: String? = nil) {
        guard since != nil || until != nil else { return }
        var all: [Timestamp] = r.oomKills.compactMap { $0.tReaped ?? $0.tKilled ?? $0.tInvoked } + r.nodeEvents.compactMap(\.time)
        all += r.symptoms.map(\.end) + r.captures.compactMap(\.lastTime)
        if let t = r.retransmissions.reduce(nil, { (m: Timestamp?, e) in max(m ?? e.time, e.time) }) { all.append(t) }
        let last = all.max() ?? Timestamp(nanos: 0)
        func resolve(_ b: TimeBound?) -> Timestamp? {
            switch b {
            case .at(let t): return t
            case .beforeLast(let s): return last - s
            case nil: return nil
            }
        }
        let lo = resolve(since) ?? Timestamp(nanos: .min), hi = resolve(until) ?? Timestamp(nanos: .max)
        func inside(_ t: Timestamp?) -> Bool { t.map { lo <= $0 && $0 <= hi } ?? false }
        let killsBefore = r.oomKills.count, eventsBefore = r.nodeEvents.count
        r.oomKills = r.oomKills.filter { inside($0.tInvoked ?? $0.tKilled) }
        r.nodeEvents = r.nodeEvents.filter { inside($0.time) }
        r.retransmissions.limit(to: lo, hi)
        r.symptoms = r.symptoms.filter { inside($0.start) }
        // The retransmission counts of each capture are counted again from its events inside
        // the window; frames, copies and dup ACKs have no events kept, so they stay whole-file.
        var real: [String: Int] = [:], ws: [String: Int] = [:], syn: [String: Int] = [:], byKind: [String: [String: Int]] = [:], wsKind: [String: [String: Int]] = [:]
        for e in r.retransmissions {
            ws[e.capturePath, default: 0] += 1
            wsKind[e.capturePath, default: [:]][e.kind, default: 0] += 1
            guard e.copyOf == nil else { continue }
            real[e.capturePath, default: 0] += 1
            if e.isSYN { syn[e.capturePath, default: 0] += 1 }
            byKind[e.capturePath, default: [:]][e.kind, default: 0] += 1
        }
        r.sar = r.sar.filter { $0.end >= lo && $0.start <= hi }   // an interval that overlaps the window
        for i in r.captures.indices {
            if let a = r.captures[i].firstTime { r.captures[i].firstTime = max(a, lo) }
            if let b = r.captures[i].lastTime { r.captures[i].lastTime = min(b, hi) }
            let p = r.captures[i].path
            r.captures[i].retransmissionsReal = real[p] ?? 0
            r.captures[i].retransmissionsWireshark = ws[p] ?? 0
            r.captures[i].synRetransmissionsReal = syn[p] ?? 0
            r.captures[i].retransmissionsByKind = byKind[p] ?? [:]
            r.captures[i].wiresharkByKind = wsKind[p] ?? [:]
        }
        r.window = TimeWindow(start: lo.nanos == .min ? nil : lo, end: hi.nanos == .max ? nil : hi, note: note)
        r.clockNotes.append("limited to \(r.window!.text): \(killsBefore - r.oomKills.count) OOM kill(s) and \(eventsBefore - r.nodeEvents.count) kernel event(s) left out (kills and events not on UTC are left out too); retransmission counts cover the window, frame, copy, dup-ACK and per-flow counts the whole files")
    }

    /// Zero-window frames within 1 s form a period; ≥ 5 RSTs within 1 s form a storm; the user's
    /// timeout times are episodes of their own.
    static func episodes(_ points: [Symptom], user: [(Timestamp, Provenance)], window: Double = 1) -> [Symptom] {
        var out: [Symptom] = []
        for kind in [Symptom.Kind.zeroWindow, .resetStorm] {
            var cur: Symptom?
            for p in points.filter({ $0.kind == kind }).sorted(by: { $0.start < $1.start }) {
                if var c = cur, p.start - c.end <= 1 { c.end = p.start; c.count += 1; cur = c; continue }
                if let c = cur, kind == .zeroWindow || c.count >= 5 { out.append(c) }
                cur = p
            }
            if let c = cur, kind == .zeroWindow || c.count >= 5 { out.append(c) }
        }
        for (t, p) in user { out.append(Symptom(kind: .userTimeout, start: t - window, end: t, count: 1, provenance: p)) }
        return out.sorted { $0.start < $1.start }
    }

    struct SymptomPoint { var time: Timestamp; var kind: Symptom.Kind; var provenance: Provenance; var count: Int }

    static func symptomStarts(_ r: AnalysisResult) -> [SymptomPoint] {
        (r.bursts.map { SymptomPoint(time: $0.start, kind: .retransmissionBurst, provenance: $0.firstFrame, count: $0.count) }
            // a client's timeout stands for the interval before it: the stall began somewhere in
            // there; its middle is matched (a point test keeps the permutation test as it is)
            + r.symptoms.map { SymptomPoint(time: $0.kind == .userTimeout || $0.kind.coarse ? $0.start + ($0.end - $0.start) / 2 : $0.start,
                                            kind: $0.kind, provenance: $0.provenance, count: $0.count) })
            .sorted { $0.time < $1.time }
    }

    static func describe(_ pts: [SymptomPoint]) -> String {
        let names: [(Symptom.Kind, String)] = [(.retransmissionBurst, "retransmission burst"), (.zeroWindow, "zero-window period"),
                                               (.resetStorm, "RST storm"), (.userTimeout, "client timeout"),
                                               (.sarRetransmissions, "sar retransmission interval"),
                                               (.sarInterfaceDrops, "sar interface-drop interval")]
        let parts = names.compactMap { k, n -> String? in
            let c = pts.filter { $0.kind == k }.count
            return c == 0 ? nil : "\(c) \(n)\(c == 1 ? "" : "s")"
        }
        return parts.joined(separator: ", ")
    }

    // MARK: - causes

    /// Every timed cause, each defined in its own file under Hypotheses/.
    static func causes(_ r: AnalysisResult) -> [Cause] {
        [oomCause(r), lockupCause(r), conntrackCause(r), nicCause(r), memoryCause(r), listenCause(r), reclaimCause(r)]
    }
    /// Scores one cause against the symptom starts.
    static func score(_ c: Cause, symptoms: [SymptomPoint], span: (Timestamp, Timestamp)?, r: AnalysisResult, options: CorrelationOptions) -> (Hypothesis, Set<Timestamp>, Double) {
        var h = Hypothesis(id: c.id, title: c.title, score: 0, scoreExplanation: "", summary: "", nextStep: nil)
        h.counterEvidence = c.against + c.unplaced
        let supportOnly = c.support
        guard !c.windows.isEmpty || !c.unplaced.isEmpty else {
            h.summary = c.id == .oomKillStall ? "No kernel OOM kill in the logs read." : "No \(c.noun) in the logs read."
            if !supportOnly.isEmpty {
                h.evidence = supportOnly
                h.score = 0.05
                h.scoreExplanation = "0.05: counters support it, but they hold no time to line up with the symptoms"
                h.summary += " Counters from the bundle point to it (see evidence)."
                h.nextStep = c.nextStep
            } else {
                h.scoreExplanation = "0: no \(c.noun)s"
            }
            return (h, [], 1)
        }
        guard let span, !symptoms.isEmpty else {
            h.summary = c.headline + "; " + (span == nil ? "no capture or symptom times to compare with." : "no symptom (retransmission burst, zero window, RST storm) to explain.")
            h.scoreExplanation = "0: no symptom to line up with"
            h.evidence = c.windows.map(\.evidence) + supportOnly
            return (h, [], 1)
        }
        // A sar symptom is its interval's middle, ± half the interval: windows widened by that.
        let coarse = SarSymptoms.widest(r.symptoms) / 2
        let lead = options.lead + coarse, lag = options.lag + coarse
        let inSpan = c.windows.filter { $0.end + lag >= span.0 && $0.start - lead <= span.1 }
        let windows = inSpan.map { ($0.start - lead, $0.end + lag) }
        let test = OverlapTest.run(symptoms: symptoms.map(\.time), windows: windows, span: span, permutations: options.permutations)
        let windowSet = IntervalSet(windows)
        let symptomSet = PointSet(symptoms.map(\.time))
        let explained = Set(symptoms.map(\.time).filter { windowSet.contains($0) })
        let recall = Double(test.explained) / Double(max(test.symptoms, 1))
        let totalW = inSpan.reduce(0) { $0 + $1.weight }
        let hitW = zip(inSpan, windows).reduce(0.0) { acc, pair in
            acc + (symptomSet.first(in: pair.1.0, pair.1.1) != nil ? pair.0.weight : 0)
        }
        let byTime = Dictionary(symptoms.map { ($0.time.nanos, $0) }, uniquingKeysWith: { a, _ in a })
        let precision = totalW > 0 ? hitW / totalW : 0
        h.score = recall * (0.5 + 0.5 * precision) * (1 - test.pValue)
        let onlyBursts = symptoms.allSatisfy { $0.kind == .retransmissionBurst }
        let what = onlyBursts ? "retransmission bursts" : "symptom episodes (\(describe(symptoms)))"
        h.scoreExplanation = "share of \(what) that start in \(article(c.noun)) \(c.noun) window (\(test.explained)/\(test.symptoms)) × (0.5 + 0.5 × weighted share of \(c.noun)s in the capture followed by one, \(test.windowsHit)/\(test.windows)\(c.id == .oomKillStall ? ", weight = kill duration × (1 + log10 threads)" : "")) × (1 − p), p = \(fmtP(test.pValue)) from \(test.permutations) circular shifts of the symptom times"
        h.summary = "\(c.headline); \(test.explained) of \(test.symptoms) \(what) start within the \(c.noun) windows (\(fmt(lead)) s before to \(fmt(lag)) s after\(coarse > 0 ? ", widened by half a sar interval" : "")); chance overlap p \(test.pValue < 0.001 ? "< 0.001" : "= " + fmtP(test.pValue))."
        for w in c.windows {
            let lo = w.start - lead, hi = w.end + lag
            if let n = symptomSet.first(in: lo, hi), let s = byTime[n], s.kind.coarse, let sym = r.symptoms.first(where: { $0.provenance == s.provenance }) {
                var e = w.evidence
                e.text += "; it lies in or within half an interval of the sar interval \(sym.start.clockString)–\(sym.end.clockString) whose \(s.kind == .sarRetransmissions ? "TCP retransmission" : "interface drop") rate stands out (about \(sym.count) in the interval)"
                h.evidence.append(e)
                h.evidence.append(Evidence("that sar row", source: s.provenance.description))
            } else if let n = symptomSet.first(in: lo, hi), let s = byTime[n] {
                var e = w.evidence
                e.text += "; a \(s.kind.rawValue) starts \(fmt(s.time - w.start)) s after it began"
                h.evidence.append(e)
                h.evidence.append(Evidence("first frame of that \(s.kind.rawValue)", source: s.provenance.description))
            } else if w.end + options.lag < span.0 || w.start - options.lead > span.1 {
                var e = w.evidence
                e.text += "; outside the capture (\(span.0.clockString)–\(span.1.clockString)): cannot be checked"
                h.counterEvidence.append(e)
            } else {
                var e = w.evidence
                e.text += "; no symptom follows it"
                h.counterEvidence.append(e)
            }
        }
        h.evidence += supportOnly
        let unexplained = symptoms.filter { !explained.contains($0.time) }
        if !unexplained.isEmpty {
            h.counterEvidence.append(Evidence("\(unexplained.count) symptom episode(s) start away from any \(c.noun), first at \(unexplained[0].time.iso8601)", source: unexplained[0].provenance.description))
        }
        if test.explained > 0 { h.nextStep = c.nextStep }
        return (h, explained, test.pValue)
    }

    // MARK: - capture-side hypotheses

    // MARK: - clock alignment

    /// Looks for the capture offset (−60…60 s, 0.1 s steps) that lines the retransmission bursts up
    /// best with all node event windows; reports it when it beats the offset in use by more than a
    /// second and explains more bursts.
    static func suggestOffset(_ r: inout AnalysisResult, options: CorrelationOptions) {
        var windows: [(Timestamp, Timestamp)] = r.oomKills.compactMap { $0.window }.map { ($0.start - options.lead, $0.end + options.lag) }
        windows += r.nodeEvents.compactMap { $0.window }.map { ($0.start - options.lead, $0.end + options.lag) }
        let starts = r.bursts.map(\.start)
        guard !windows.isEmpty, !starts.isEmpty else { return }
        let set = IntervalSet(windows)
        func count(_ off: Double) -> Int { starts.filter { set.contains($0 + off) }.count }
        let base = count(0)
        let counts = (-600...600).map { count(Double($0) / 10) }
        let top = counts.max() ?? 0
        // The offsets reaching the best count form runs; take the centre of the run nearest 0
        // (the edges only just keep the bursts inside the widened windows).
        var runs: [(Int, Int)] = []
        var i = 0
        while i < counts.count {
            if counts[i] == top { var j = i; while j + 1 < counts.count && counts[j + 1] == top { j += 1 }; runs.append((i, j)); i = j + 1 } else { i += 1 }
        }
        let centre = runs.map { Double(($0.0 + $0.1) / 2 - 600) / 10 }.min { abs($0) < abs($1) } ?? 0
        let best = (off: centre, n: top)
        if abs(best.off) > 1, best.n > base, best.n >= 2 {
            r.suggestedPcapOffset = r.pcapOffset + best.off
            r.warnings.append(Warning(source: Provenance(path: r.captures.first?.path ?? "capture"),
                message: "the capture's clock may be offset: shifting it by \(fmt(best.off)) s lines up \(best.n) of \(starts.count) retransmission bursts with node events (\(base) without). This can also be chance: check the capture host's clock (NTP logs, a packet seen in both captures) before rerunning with --pcap-offset=\(fmt(r.pcapOffset + best.off))", code: "capture.clock-offset"))
        }
    }

}

func article(_ noun: String) -> String { noun.first.map { "aeiouAEIOU".contains($0) } == true ? "an" : "a" }

func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    var s = String(r)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

/// A duration with a unit that fits: `1.42 s`, `6.7 ms`, `40 µs`.
func fmtDuration(_ s: Double) -> String {
    let us = (s * 1e6).rounded()   // decide on whole microseconds: 0.000999999 s is 1 ms
    if us >= 1e6 { return fmt(s) + " s" }
    if us >= 1000 { let ms = (us / 100).rounded() / 10; return (ms == ms.rounded() ? String(Int(ms)) : String(ms)) + " ms" }
    return String(Int(us)) + " µs"
}

/// A range of durations: `1.21–2.08 s`, `4–7 ms`, `900 µs – 1.4 s`.
func fmtDurationRange(_ a: Double, _ b: Double) -> String {
    if a >= 0.9999995 && b >= 0.9999995 { return "\(fmt(a))–\(fmt(b)) s" }
    if a >= 0.0009995 && b < 0.9999995 {
        let x = fmtDuration(a), y = fmtDuration(b)
        return x == y ? x : String(x.dropLast(3)) + "–" + y
    }
    let x = fmtDuration(a), y = fmtDuration(b)
    return x == y ? x : "\(x) – \(y)"
}

func fmtP(_ p: Double) -> String {
    if p < 0.001 { return "<0.001" }
    return String((p * 1000).rounded() / 1000)
}
