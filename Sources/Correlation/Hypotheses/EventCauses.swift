import ForensicModel

/// Shared pieces of the causes whose windows are kernel events.
extension Correlator {
    static func counter(_ r: AnalysisResult, _ name: String) -> CounterFact? { r.counters.first { $0.name == name } }
    static func events(_ r: AnalysisResult, _ kinds: [NodeEvent.Kind]) -> [NodeEvent] { r.nodeEvents.filter { kinds.contains($0.kind) } }

    /// A cause whose windows are kernel events (rate-limited repeats of one condition merged).
    static func eventCause(_ r: AnalysisResult, _ id: Hypothesis.ID, _ title: String, _ noun: String, _ list: [NodeEvent], next: String, headline: String) -> Cause {
        var c = Cause(id: id, title: title, noun: noun, nextStep: next, headline: headline)
        for e in list {
            let ev = Evidence("\(e.kind.rawValue)\(e.subject.map { " (\($0))" } ?? ""): \(e.message.prefix(120))" + (e.time.map { " at \($0.iso8601)" } ?? ""), source: e.provenance.description)
            guard let w0 = e.window else { c.unplaced.append(ev); continue }
            let u = e.uncertainty ?? 0   // widened by how far its clock may be off
            let w = (start: w0.start - u, end: w0.end + u)
            // Rate-limited repeats of one condition (conntrack drops every second…) form one episode.
            if let last = c.windows.last, w.start - last.end <= 5 {
                c.windows[c.windows.count - 1].end = max(last.end, w.end)
                continue
            }
            c.windows.append(.init(start: w.start, end: w.end, weight: 1, evidence: ev))
        }
        return c
    }
}
