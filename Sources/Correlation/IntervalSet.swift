import ForensicModel

/// Windows on the timeline, merged and sorted, for `contains` in O(log n): the correlation
/// stages ask it for every symptom, every permutation and every candidate offset, so nothing
/// there grows as windows × symptoms.
struct IntervalSet {
    private var starts: [Int64] = []
    private var ends: [Int64] = []

    init(_ windows: [(Timestamp, Timestamp)]) {
        for w in windows.map({ (min($0.0.nanos, $0.1.nanos), max($0.0.nanos, $0.1.nanos)) }).sorted(by: { $0.0 < $1.0 }) {
            if let last = ends.last, w.0 <= last { ends[ends.count - 1] = max(last, w.1) } else { starts.append(w.0); ends.append(w.1) }
        }
    }

    var isEmpty: Bool { starts.isEmpty }

    func contains(_ t: Timestamp) -> Bool { contains(nanos: t.nanos) }

    func contains(nanos t: Int64) -> Bool {
        // the last interval starting at or before t
        var lo = 0, hi = starts.count
        while lo < hi { let mid = (lo + hi) / 2; if starts[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return lo > 0 && t <= ends[lo - 1]
    }
}

/// Sorted points, for "is there a point inside [a, b]" in O(log n).
struct PointSet {
    private let points: [Int64]
    init(_ ts: [Timestamp]) { points = ts.map(\.nanos).sorted() }

    /// The first point at or after `a`, when it is at or before `b`.
    func first(in a: Timestamp, _ b: Timestamp) -> Int64? {
        var lo = 0, hi = points.count
        while lo < hi { let mid = (lo + hi) / 2; if points[mid] < a.nanos { lo = mid + 1 } else { hi = mid } }
        return lo < points.count && points[lo] <= b.nanos ? points[lo] : nil
    }
}
