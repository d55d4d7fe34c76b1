import ForensicModel

/// With no capture, `sar -n ETCP` (retrans/s) and `sar -n EDEV` (drops and errors per interface)
/// stand in for the symptoms: the intervals whose rate stands out from the node's own usual
/// rate become symptom episodes (consecutive ones merged), each as wide as its intervals.
enum SarSymptoms {
    /// An interval stands out when its rate is at least `factor` × the median of its series and
    /// at least `floor` per second.
    static let factor = 4.0
    static let floor = 1.0

    static func episodes(_ sar: [SarSample]) -> [Symptom] {
        var out: [Symptom] = []
        out += find(sar.filter { $0.metric == "retrans/s" }, kind: .sarRetransmissions)
        // per interface: drops and errors summed
        var byIface: [String: [Timestamp: SarSample]] = [:]
        for s in sar where ["rxdrop/s", "txdrop/s", "rxerr/s", "txerr/s"].contains(s.metric) {
            let key = s.label ?? "?"
            if var cur = byIface[key]?[s.end] { cur.value += s.value; byIface[key]![s.end] = cur } else {
                var c = s; c.metric = "drops+errors/s"; byIface[key, default: [:]][s.end] = c
            }
        }
        for (_, series) in byIface.sorted(by: { $0.key < $1.key }) where !(series.keys.isEmpty) {
            out += find(Array(series.values), kind: .sarInterfaceDrops)
        }
        return out.sorted { $0.start < $1.start }
    }

    static func find(_ series0: [SarSample], kind: Symptom.Kind) -> [Symptom] {
        let series = series0.sorted { $0.end < $1.end }
        guard series.count >= 3 else { return [] }
        let values = series.map(\.value).sorted()
        let median = values[values.count / 2]
        let threshold = max(floor, factor * median)
        var out: [Symptom] = []
        for s in series where s.value >= threshold {
            let count = Int((s.value * s.interval).rounded())
            if var last = out.last, s.start - last.end <= 1 {
                last.end = s.end; last.count += count
                out[out.count - 1] = last
            } else {
                out.append(Symptom(kind: kind, start: s.start, end: s.end, count: count, provenance: s.provenance))
            }
        }
        return out
    }

    /// The longest sar interval among the symptoms (s), 0 when none is coarse.
    static func widest(_ symptoms: [Symptom]) -> Double {
        symptoms.filter { $0.kind.coarse }.map { $0.end - $0.start }.max() ?? 0
    }
}
