import ForensicModel

/// A directed 4-tuple.
public struct DirectedTuple: Hashable, Sendable {
    var src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16
    init(_ s: TCPSegment) { src = s.src; dst = s.dst; sport = s.srcPort; dport = s.dstPort }
    init(src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16) { self.src = src; self.dst = dst; self.sport = sport; self.dport = dport }
    var reversed: DirectedTuple { DirectedTuple(src: dst, dst: src, sport: dport, dport: sport) }
    var undirected: ConversationKey {
        var s = TCPSegment.placeholder
        s.src = src; s.dst = dst; s.srcPort = sport; s.dstPort = dport
        return ConversationKey(s)
    }
    var text: String { "\(endpoint(src, sport)) -> \(endpoint(dst, dport))" }
}

extension TCPSegment {
    static let placeholder = TCPSegment(
        frame: 0, time: 0, src: IPAddress(hi: 0, lo: 0, isV4: true), dst: IPAddress(hi: 0, lo: 0, isV4: true),
        srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, segmentLength: 0, windowScale: -1, ttl: 0,
        signature: CaptureSignature(kind: 0, ifindex: 0, outgoing: false, addr: 0, vlan: 0),
        fingerprint: PacketFingerprint(ipVersion: 0, ipLength: 0, ipID: 0, seq: 0, ack: 0, flagsOffset: 0, window: 0, urgent: 0, optionsHash: 0, payloadLength: 0, payloadHash: 0))
}

/// Recognises the copies `tcpdump -i any` (or a multi-interface pcapng) records of one packet:
/// same fingerprint (fields no device rewrites), within `window`, on a capture signature the
/// group has not used yet (shared/docs/any-capture-dupes.md). Identical packets on the same
/// signature are kept: that is a real retransmission.
///
/// Decisions are delayed by `window` (a group is complete once its first packet is that old), so
/// memory holds only the packets of the last few milliseconds.
public struct CopyDetector {
    public struct Decision: Sendable {
        public var segment: TCPSegment
        /// Frame number of the packet this one copies, or nil for a kept (real) packet.
        public var copyOf: Int?
    }

    /// A packet and its copies. The first member is stored inline (most groups have one or two
    /// members; no allocation for a packet without copies).
    private struct Group {
        var fingerprint: PacketFingerprint
        var t0: Int64
        var first: TCPSegment
        var rest: [TCPSegment] = []
        var members: [TCPSegment] { [first] + rest }
        func uses(_ s: CaptureSignature) -> Bool { first.signature == s || rest.contains { $0.signature == s } }
    }

    public let windowNanos: Int64
    private var pending: [Group] = []
    private var head = 0
    private var base = 0            // absolute index of pending[0]
    private var open: [PacketFingerprint: Int] = [:]
    private var firstSeen: [ConversationKey: (order: Int, last: Int64)] = [:]
    private var seenCounter = 0
    private var rewrite: [DirectedTuple: DirectedTuple] = [:]
    public private(set) var copies = 0
    public private(set) var copyInterfaces: [String: Int] = [:]
    public private(set) var addressRewrites: [String: Int] = [:]

    public init(windowNanos: Int64 = 10_000_000) { self.windowNanos = windowNanos }

    /// Adds a segment (file order); calls `emit` for every decision that became final.
    public mutating func push(_ s: TCPSegment, into out: inout [Decision]) {
        release(before: s.time &- windowNanos, into: &out)
        let key = ConversationKey(s)
        if firstSeen[key] == nil {
            seenCounter += 1
            // bounded like the analyzers: forget the least recently seen fifth
            if firstSeen.count >= 100_000 {
                let old = firstSeen.sorted { $0.value.last < $1.value.last }.prefix(firstSeen.count / 5).map(\.key)
                for k in old { firstSeen[k] = nil }
            }
        }
        firstSeen[key, default: (seenCounter, s.time)].last = s.time
        if let abs = open[s.fingerprint] {
            let i = abs - base
            if i >= head, i < pending.count, s.time &- pending[i].t0 <= windowNanos, !pending[i].uses(s.signature) {
                pending[i].rest.append(s)
                return
            }
        }
        open[s.fingerprint] = base + pending.count
        pending.append(Group(fingerprint: s.fingerprint, t0: s.time, first: s))
    }

    /// Forgets connections quiet for longer than `idleNanos` (their first-seen order and address
    /// rewrites), so memory follows live connections.
    public mutating func retire(now: Int64, idleNanos: Int64) {
        let old = firstSeen.filter { now &- $0.value.last > idleNanos }.map(\.key)
        guard !old.isEmpty else { return }
        let gone = Set(old)
        for k in old { firstSeen[k] = nil }
        rewrite = rewrite.filter { !gone.contains($0.key.undirected) }
    }

    /// Releases everything (end of input).
    public mutating func finish(into out: inout [Decision]) {
        release(before: .max, into: &out)
    }

    private mutating func release(before t: Int64, into out: inout [Decision]) {
        while head < pending.count, pending[head].t0 < t || t == .max {
            let g = pending[head]
            if open[g.fingerprint] == base + head { open[g.fingerprint] = nil }
            decide(g, into: &out)
            head += 1
        }
        if head > 1024 && head * 2 > pending.count {
            pending.removeFirst(head)
            base += head
            head = 0
        }
    }

    private mutating func decide(_ g: Group, into out: inout [Decision]) {
        if g.rest.isEmpty {
            var s = g.first
            if let r = rewrite[DirectedTuple(s)] { s.src = r.src; s.dst = r.dst; s.srcPort = r.sport; s.dstPort = r.dport }
            out.append(Decision(segment: s, copyOf: nil))
            return
        }
        // The first copy is kept (and the later ones are the copies), but under the connection's
        // first-seen name, so a DNAT'ed connection is analysed as one conversation.
        var canonical = 0
        var best = Int.max
        for (i, m) in g.members.enumerated() {
            let order = firstSeen[ConversationKey(m)]?.order ?? .max
            if order < best { best = order; canonical = i }
        }
        let canonTuple = DirectedTuple(g.members[canonical])
        for m in g.members {
            let t = DirectedTuple(m)
            if t != canonTuple {
                if rewrite[t] == nil {
                    rewrite[t] = canonTuple
                    rewrite[t.reversed] = canonTuple.reversed
                }
                addressRewrites[t.text + " => " + canonTuple.text, default: 0] += 1
            }
        }
        var kept = g.members[0]
        kept.src = canonTuple.src; kept.dst = canonTuple.dst; kept.srcPort = canonTuple.sport; kept.dstPort = canonTuple.dport
        out.append(Decision(segment: kept, copyOf: nil))
        for m in g.members.dropFirst() {
            copies += 1
            copyInterfaces[m.signature.description, default: 0] += 1
            out.append(Decision(segment: m, copyOf: kept.frame))
        }
    }
}
