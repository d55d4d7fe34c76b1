import ForensicModel

/// A directed 4-tuple.
public struct DirectedTuple: Hashable, Sendable {
    public var src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16
    init(_ s: TCPSegment) { src = s.src; dst = s.dst; sport = s.srcPort; dport = s.dstPort }
    init(src: IPAddress, dst: IPAddress, sport: UInt16, dport: UInt16) { self.src = src; self.dst = dst; self.sport = sport; self.dport = dport }
    var reversed: DirectedTuple { DirectedTuple(src: dst, dst: src, sport: dport, dport: sport) }
    var undirected: ConversationKey {
        var s = TCPSegment.placeholder
        s.src = src; s.dst = dst; s.srcPort = sport; s.dstPort = dport
        return ConversationKey(s)
    }
    var text: String { "\(endpoint(src, sport)) -> \(endpoint(dst, dport))" }
    /// The hash FlatTable lookups use (one per kept packet once a DNAT rewrite is known);
    /// direction matters (the two addresses are weighted differently).
    var hash64: UInt64 {
        mix64((src.lo &* 0x9E37_79B9_7F4A_7C15) ^ (dst.lo &* 0xC2B2_AE3D_27D4_EB4F) ^ (src.hi ^ dst.hi >> 1)
              ^ (UInt64(sport) << 48 | UInt64(dport) << 32))
    }
    public func hash(into h: inout Hasher) { h.combine(hash64) }
}

extension TCPSegment {
    /// A segment with every field zero, to decode into (`PacketDecoder.decode(…, into:)`).
    public static var empty: TCPSegment { placeholder }
    static let placeholder = TCPSegment(
        frame: 0, time: 0, src: IPAddress(hi: 0, lo: 0, isV4: true), dst: IPAddress(hi: 0, lo: 0, isV4: true),
        srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, segmentLength: 0, windowScale: -1, ttl: 0,
        signature: CaptureSignature(kind: 0, ifindex: 0, outgoing: false, addr: 0, vlan: 0),
        fingerprint: PacketFingerprint(ipVersion: 0, ipLength: 0, ipID: 0, seq: 0, ack: 0, flagsOffset: 0, window: 0, urgent: 0, optionsHash: 0, payloadLength: 0, payloadHash: 0))
}

/// A segment's conversation key and the hashes the copy detector and the views look up (computed
/// once per segment).
struct SegmentHashes: Sendable {
    let key: ConversationKey
    let keyHash: UInt64
    let fingerprintHash: UInt64

    init(_ s: TCPSegment) {
        key = ConversationKey(s)
        keyHash = key.hash64
        fingerprintHash = s.fingerprint.hash64
    }
}

/// Recognises the copies `tcpdump -i any` (or a multi-interface pcapng) records of one packet:
/// same fingerprint (fields no device rewrites), within `window`, on a capture signature the
/// group has not used yet (docs/spec/any-copies.md). On the same signature, a packet is a
/// copy only when it is the same bytes (fingerprint and TTL) within `sameInterfaceNanos` (1 ms):
/// what a capture taken twice, a mirror port or `editcap -D` material holds. No TCP stack resends
/// that fast (Linux's minimum RTO is 200 ms, a fast retransmit waits for three dup ACKs, and even
/// TLP waits for a 2-RTT probe timeout of at least 10 ms), and a resent segment usually carries a
/// new IP ID anyway; a later identical packet is a real retransmission.
///
/// Decisions come out in file order, each once its packet is `window` old: by then every copy
/// of a packet has arrived, so a group is decided when its first packet leaves, and its later
/// members carry their decision until they leave in turn. Memory holds the last few ms of packets.
public struct CopyDetector: Sendable {
    public struct Decision: Sendable {
        public var segment: TCPSegment
        /// Frame number of the packet this one copies, or nil for a kept (real) packet.
        public var copyOf: Int?
        /// For a kept packet of a DNAT'ed connection: the name (tuple) it is analysed under in the
        /// real view, the one the connection was first seen with. `segment` is as captured.
        public var rename: DirectedTuple? = nil
    }

    struct Entry: Sendable {
        var segment: TCPSegment
        /// The segment's conversation and its hash (computed once, used again by the views).
        var key = ConversationKey.zero
        var keyHash: UInt64 = 0
        /// Absolute indices of the later members (firsts only; usually empty).
        var members: [Int] = []
        var copyOf: Int? = nil
        var decided = false
        /// A group's kept packet put under another conversation's name.
        var rename: DirectedTuple? = nil
    }

    public let windowNanos: Int64
    /// Same-signature copies: identical packets this close together.
    public let sameInterfaceNanos: Int64 = 1_000_000
    /// The fingerprint index never grows past this many slots: beyond it, a full probe run gives
    /// its oldest waiting group's slot away (that group just takes no more copies).
    static let maxIndexSlots = 1 << 20
    /// Packets in file order: `pending[..<head]` handed out, `[head..<ready]` decided (final),
    /// `[ready..<end]` waiting for their window to pass; slots from `end` on are spare (kept for
    /// reuse, so adding a packet writes its segment into place instead of building an entry).
    /// Absolute index = `base` + index.
    var pending: [Entry] = []
    private(set) var end = 0
    var head = 0
    private(set) var ready = 0
    private var base = 0
    /// The newest group of each fingerprint still waiting (its first entry's absolute index), by
    /// fingerprint hash: open addressing over a short probe run, where a slot whose entry has
    /// been released counts as free, so nothing is ever removed (`openAbs` -1: never used).
    private var openHash = [UInt64](repeating: 0, count: 4096)
    private var openAbs = [Int](repeating: -1, count: 4096)
    private static let probes = 8
    private var firstSeen = FlatTable<ConversationKey, (order: Int, last: Int64, realm: UInt32)>()
    private var seenCounter = 0
    /// DNAT'ed names seen, to the connection's first-seen name (both directions).
    private var rewrite = FlatTable<DirectedTuple, DirectedTuple>(capacity: 16)
    public private(set) var copies = 0
    /// Counted by value, named only when asked (formatting addresses per copy cost more than
    /// detecting the copy).
    private var copiesBySignature = FlatTable<CaptureSignature, Int>(capacity: 16)
    private var rewritesSeen = FlatTable<RewritePair, Int>(capacity: 16)
    private struct RewritePair: Equatable, Sendable {
        var from: DirectedTuple, to: DirectedTuple
        var hash64: UInt64 { mix64(from.hash64 ^ to.hash64 &* 3) }
    }

    /// Copies per capture interface (signature), by name.
    public var copyInterfaces: [String: Int] {
        zip(copiesBySignature.keys, copiesBySignature.allValues).reduce(into: [:]) { $0[$1.0.description, default: 0] += $1.1 }
    }
    /// Packets kept under their connection's first-seen name, per rewrite ("a -> b => c -> d").
    public var addressRewrites: [String: Int] {
        zip(rewritesSeen.keys, rewritesSeen.allValues).reduce(into: [:]) { $0[$1.0.from.text + " => " + $1.0.to.text, default: 0] += $1.1 }
    }

    public init(windowNanos: Int64 = 10_000_000) { self.windowNanos = windowNanos }

    /// Slots of the fingerprint index (for the bound test).
    var indexSlots: Int { openAbs.count }

    /// Adds a segment (file order) and collects every decision that became final.
    public mutating func push(_ s: TCPSegment, into out: inout [Decision]) {
        push(s)
        drain(into: &out)
    }

    /// Releases everything (end of input).
    public mutating func finish(into out: inout [Decision]) {
        finish()
        drain(into: &out)
    }

    private mutating func drain(into out: inout [Decision]) {
        while head < ready {
            out.append(Decision(segment: pending[head].segment, copyOf: pending[head].copyOf, rename: pending[head].rename))
            head += 1
        }
    }

    /// Adds a segment (file order); entries `head..<ready` are then final, for the caller to
    /// read in place and hand out by advancing `head`.
    mutating func push(_ s: TCPSegment) {
        _ = push { $0 = s; return nil }
    }

    /// Decodes the next frame straight into the queue (no copy of the segment) and adds it;
    /// returns why it is no TCP segment, if it is not (then nothing is added).
    mutating func push(decoding decode: (inout TCPSegment) -> DecodeSkip?) -> DecodeSkip? {
        if head > 1024 && head * 2 > end {
            // the entries still needed go to the front; the handed-out ones become spare slots
            for i in head..<end { pending.swapAt(i - head, i) }
            base += head
            ready -= head
            end -= head
            head = 0
        }
        let n = end
        let abs = base + n
        if n == pending.count { pending.append(Entry(segment: .placeholder)) }
        if let skip = decode(&pending[n].segment) { return skip }
        end = n + 1
        if !pending[n].members.isEmpty { pending[n].members.removeAll(keepingCapacity: true) }
        pending[n].copyOf = nil
        pending[n].decided = false
        pending[n].rename = nil
        let time = pending[n].segment.time
        release(before: time &- windowNanos, limit: n)
        let h = SegmentHashes(pending[n].segment)
        let key = h.key
        let kh = h.keyHash
        pending[n].key = key
        pending[n].keyHash = kh
        if let e = firstSeen.find(key, hash: kh) {
            // to the second is enough for retirement (saves a write per packet)
            if time &- firstSeen[e].last > 1_000_000_000 { firstSeen[e].last = time }
        } else {
            seenCounter += 1
            // bounded like the analyzers: forget the least recently seen fifth
            if firstSeen.count >= 100_000 {
                let cut = firstSeen.allValues.map(\.last).sorted()[firstSeen.count / 5]
                firstSeen.removeAll { _, v in v.last < cut }
            }
            firstSeen.insert(key, hash: kh, value: (seenCounter, time, pending[n].segment.realm))
        }
        let fp = pending[n].segment.fingerprint
        let fh = h.fingerprintHash
        let live = base + ready
        var mask = openAbs.count - 1
        var free = -1
        for p in 0..<Self.probes {
            let slot = (Int(truncatingIfNeeded: fh) &+ p) & mask
            let a = openAbs[slot]
            if a < live {
                if free < 0 { free = slot }
                continue
            }
            guard openHash[slot] == fh, pending[a - base].segment.fingerprint == fp else { continue }
            let i = a - base
            // a copy comes within the window after its first packet (or a little before it, where a
            // merged multi-interface file reorders): never from a packet far earlier
            if i < n, case let dt = time &- pending[i].segment.time, dt <= windowNanos, dt >= -windowNanos {
                if !uses(group: i, pending[n].segment.signature) {
                    pending[i].members.append(abs)
                    return nil
                }
                // the same interface again: a copy only if byte-identical and within 1 ms
                if dt <= sameInterfaceNanos, dt >= -sameInterfaceNanos, pending[i].segment.ttl == pending[n].segment.ttl {
                    pending[i].members.append(abs)
                    return nil
                }
            }
            // too old, or that interface already has its copy: a new group takes the slot
            openAbs[slot] = abs
            return nil
        }
        if free < 0 && openAbs.count < Self.maxIndexSlots {
            growOpenIndex(live: live)
            mask = openAbs.count - 1
            for p in 0..<Self.probes where openAbs[(Int(truncatingIfNeeded: fh) &+ p) & mask] < live {
                free = (Int(truncatingIfNeeded: fh) &+ p) & mask
                break
            }
        }
        if free < 0 {
            // Many waiting groups share this hash (packets that differ only in fields the
            // fingerprint hash leaves out): growing would not separate them. The oldest gives way.
            var oldest = Int(truncatingIfNeeded: fh) & mask
            for p in 1..<Self.probes {
                let slot = (Int(truncatingIfNeeded: fh) &+ p) & mask
                if openAbs[slot] < openAbs[oldest] { oldest = slot }
            }
            free = oldest
        }
        openHash[free] = fh
        openAbs[free] = abs
        return nil
    }

    /// Doubles the fingerprint index (a probe run was full of waiting groups), keeping those;
    /// doubles again in the unlikely case one of them finds no slot.
    private mutating func growOpenIndex(live: Int) {
        let (oldHash, oldAbs) = (openHash, openAbs)
        var size = oldAbs.count * 2
        rebuild: while true {
            openHash = [UInt64](repeating: 0, count: size)
            openAbs = [Int](repeating: -1, count: size)
            let mask = size - 1
            for (h, a) in zip(oldHash, oldAbs) where a >= live {
                var p = 0
                while p < Self.probes, openAbs[(Int(truncatingIfNeeded: h) &+ p) & mask] >= live { p += 1 }
                guard p < Self.probes else {
                    // Doubling separates different hashes only: with the ceiling reached (or
                    // equal hashes), the group keeps no slot instead of the index growing forever.
                    if size * 2 <= Self.maxIndexSlots { size *= 2; continue rebuild }
                    continue
                }
                openHash[(Int(truncatingIfNeeded: h) &+ p) & mask] = h
                openAbs[(Int(truncatingIfNeeded: h) &+ p) & mask] = a
            }
            return
        }
    }

    private func uses(group i: Int, _ sig: CaptureSignature) -> Bool {
        pending[i].segment.signature == sig || pending[i].members.contains { pending[$0 - base].segment.signature == sig }
    }

    /// Forgets connections quiet for longer than `idleNanos` (their first-seen order and address
    /// rewrites), so memory follows live connections.
    public mutating func retire(now: Int64, idleNanos: Int64) {
        var gone: Set<ConversationKey> = []
        firstSeen.removeAll { k, v in
            guard now &- v.last > idleNanos else { return false }
            gone.insert(k)
            return true
        }
        if !gone.isEmpty, !rewrite.isEmpty { rewrite.removeAll { k, _ in gone.contains(k.undirected) } }
    }

    /// Makes everything final (end of input).
    mutating func finish() {
        release(before: .max)
    }

    /// Makes final every entry before `limit` older than `t` (a group is decided when its first
    /// entry goes: all its copies have arrived by then).
    private mutating func release(before t: Int64, limit: Int = .max) {
        while ready < min(end, limit), pending[ready].segment.time < t || t == .max {
            if !pending[ready].decided {
                if pending[ready].members.isEmpty { pending[ready].decided = true } else { decideGroup(at: ready) }
            }
            if pending[ready].copyOf == nil, pending[ready].members.isEmpty, !rewrite.isEmpty {
                let t = DirectedTuple(pending[ready].segment)
                if let e = rewrite.find(t, hash: t.hash64) { pending[ready].rename = rewrite[e] }
            }
            ready += 1
        }
    }

    /// Records that group member `j` goes under `canon`'s name (when that is another name); the
    /// kept packet is renamed so.
    private mutating func noteRewrite(of j: Int, to canon: DirectedTuple, kept: Bool) {
        let t = DirectedTuple(pending[j].segment)
        guard t != canon else { return }
        if rewrite.find(t, hash: t.hash64) == nil {
            rewrite.insert(t, hash: t.hash64, value: canon)
            let r = t.reversed
            rewrite[rewrite.entry(r, hash: r.hash64, orAdd: canon.reversed)] = canon.reversed
        }
        let pair = RewritePair(from: t, to: canon)
        rewritesSeen[rewritesSeen.entry(pair, hash: pair.hash64, orAdd: 0)] += 1
        if kept { pending[j].rename = canon }
    }

    /// Decides the group whose first packet is `pending[i]` (every member has arrived).
    private mutating func decideGroup(at i: Int) {
        pending[i].decided = true
        let members = pending[i].members
        guard !members.isEmpty else { return }
        // The first copy is kept (and the later ones are the copies), but under the connection's
        // first-seen name, so a DNAT'ed connection is analysed as one conversation.
        func order(_ j: Int) -> Int { firstSeen.find(pending[j].key, hash: pending[j].keyHash).map { firstSeen[$0].order } ?? .max }
        var canonical = i
        var best = order(i)
        for m in members {
            let o = order(m - base)
            if o < best { best = o; canonical = m - base }
        }
        let canonTuple = DirectedTuple(pending[canonical].segment)
        noteRewrite(of: i, to: canonTuple, kept: true)
        // copies on several VLAN stacks (a trunk and its VLAN interface): the kept packet goes
        // under the stack the connection was first seen on, so its real view stays one conversation
        let realm = pending[i].segment.realm
        if members.contains(where: { pending[$0 - base].segment.realm != realm }),
           let f = firstSeen.find(pending[canonical].key, hash: pending[canonical].keyHash), case let want = firstSeen[f].realm,
           realm != want, members.contains(where: { pending[$0 - base].segment.realm == want }) {
            pending[i].segment.realm = want
        }
        for m in members { noteRewrite(of: m - base, to: canonTuple, kept: false) }
        let keptFrame = pending[i].segment.frame
        for m in members {
            let j = m - base
            copies += 1
            let sig = pending[j].segment.signature
            copiesBySignature[copiesBySignature.entry(sig, hash: sig.hash64, orAdd: 0)] += 1
            pending[j].copyOf = keptFrame
            pending[j].decided = true
        }
    }
}
