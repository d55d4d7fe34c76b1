import ForensicModel

/// Groups real retransmissions into bursts: events closer than `gap` seconds belong together,
/// and so do the retransmissions of one segment (an RTO back-off chain: 0.2, 0.4, 0.8… s apart,
/// soon wider than any gap, is one episode).
public enum BurstFinder {
    public static func bursts(_ events: RetransmissionLog, gap: Double) -> [Burst] {
        var out: [Burst] = []
        // segments retransmitted in the current burst (flow and seq hashed) and when last seen;
        // a chain quiet for longer than Linux's largest RTO (120 s) is forgotten, so the table
        // holds what a few minutes of traffic retransmitted, however long the capture.
        var chains: [UInt64: Timestamp] = [:]
        var lastPrune = Timestamp(nanos: .min)
        for e in events where e.copyOf == nil {
            let key = e.seq.map { chainKey(e.flow, $0) }
            if var last = out.last, e.time - last.end <= gap || key.map({ chains[$0] != nil }) == true {
                last.end = e.time
                last.count += 1
                out[out.count - 1] = last
            } else {
                out.append(Burst(start: e.time, end: e.time, count: 1, firstFrame: e.provenance))
                chains.removeAll(keepingCapacity: true)
            }
            if let key { chains[key] = e.time }
            if e.time - lastPrune > 60, chains.count > 4096 {
                chains = chains.filter { e.time - $0.value <= 120 }
                lastPrune = e.time
            }
        }
        return out
    }

    /// FNV-1a over the flow text and the sequence number.
    static func chainKey(_ flow: String, _ seq: UInt32) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in flow.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        for i in 0..<4 { h = (h ^ UInt64((seq >> (8 * UInt32(i))) & 0xff)) &* 0x100_0000_01b3 }
        return h
    }
}

/// A small deterministic PRNG (SplitMix64) so that p-values are the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// How well a set of cause windows lines up with symptom times, and how likely that is by chance.
public struct OverlapTest: Sendable {
    /// Symptoms (burst starts) inside a window.
    public var explained: Int
    public var symptoms: Int
    /// Windows that contain at least one symptom start.
    public var windowsHit: Int
    public var windows: Int
    /// Circular-shift permutation p-value: the share of random rotations of the symptom times
    /// (within the observed span) that explain at least as many symptoms.
    public var pValue: Double
    public var permutations: Int

    /// Tests `symptoms` (times) against `windows` over the observation span.
    public static func run(symptoms: [Timestamp], windows: [(Timestamp, Timestamp)], span: (Timestamp, Timestamp),
                           permutations: Int = 4000, seed: UInt64 = 0x6E6F_6465_736C_6575) -> OverlapTest {
        let set = IntervalSet(windows)
        func covered(_ t: Timestamp) -> Bool { set.contains(t) }
        let explained = symptoms.filter(covered).count
        let points = PointSet(symptoms)
        let hit = windows.filter { w in points.first(in: w.0, w.1) != nil }.count
        var p = 1.0
        let length = span.1 - span.0
        if explained > 0, length > 0 {
            var rng = SplitMix64(state: seed)
            var atLeast = 0
            for _ in 0..<permutations {
                let shift = rng.unit() * length
                var n = 0
                for s in symptoms {
                    var rel = (s - span.0) + shift
                    if rel >= length { rel -= length }
                    if covered(span.0 + rel) { n += 1 }
                }
                if n >= explained { atLeast += 1 }
            }
            p = Double(atLeast + 1) / Double(permutations + 1)
        }
        return OverlapTest(explained: explained, symptoms: symptoms.count, windowsHit: hit, windows: windows.count,
                           pValue: p, permutations: permutations)
    }
}
