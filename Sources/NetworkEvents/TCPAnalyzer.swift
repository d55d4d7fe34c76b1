import ForensicModel

/// Wireshark's per-frame TCP analysis flags (`tcp.analysis.*`).
public struct TCPAnalysisFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let retransmission = TCPAnalysisFlags(rawValue: 1 << 0)
    public static let fastRetransmission = TCPAnalysisFlags(rawValue: 1 << 1)
    public static let spuriousRetransmission = TCPAnalysisFlags(rawValue: 1 << 2)
    public static let outOfOrder = TCPAnalysisFlags(rawValue: 1 << 3)
    public static let lostSegment = TCPAnalysisFlags(rawValue: 1 << 4)
    public static let ackedUnseen = TCPAnalysisFlags(rawValue: 1 << 5)
    public static let duplicateACK = TCPAnalysisFlags(rawValue: 1 << 6)
    public static let zeroWindow = TCPAnalysisFlags(rawValue: 1 << 7)
    public static let zeroWindowProbe = TCPAnalysisFlags(rawValue: 1 << 8)
    public static let zeroWindowProbeACK = TCPAnalysisFlags(rawValue: 1 << 9)
    public static let windowUpdate = TCPAnalysisFlags(rawValue: 1 << 10)
    public static let windowFull = TCPAnalysisFlags(rawValue: 1 << 11)
    public static let keepAlive = TCPAnalysisFlags(rawValue: 1 << 12)
    public static let keepAliveACK = TCPAnalysisFlags(rawValue: 1 << 13)
    public static let reusedPorts = TCPAnalysisFlags(rawValue: 1 << 14)
    /// TCP Fast Open: a SYN carrying a cookie; a SYN-ACK acknowledging (or not) the SYN's data.
    public static let tfoSyn = TCPAnalysisFlags(rawValue: 1 << 15)
    public static let tfoAck = TCPAnalysisFlags(rawValue: 1 << 16)
    public static let tfoIgnored = TCPAnalysisFlags(rawValue: 1 << 17)

    /// Names as in `tcp.analysis.<name>` (the tshark CSVs use these).
    public static let names: [(TCPAnalysisFlags, String)] = [
        (.retransmission, "retransmission"), (.fastRetransmission, "fast_retransmission"),
        (.spuriousRetransmission, "spurious_retransmission"), (.outOfOrder, "out_of_order"),
        (.lostSegment, "lost_segment"), (.ackedUnseen, "ack_lost_segment"), (.duplicateACK, "duplicate_ack"),
        (.zeroWindow, "zero_window"), (.zeroWindowProbe, "zero_window_probe"),
        (.zeroWindowProbeACK, "zero_window_probe_ack"), (.windowUpdate, "window_update"),
        (.windowFull, "window_full"), (.keepAlive, "keep_alive"), (.keepAliveACK, "keep_alive_ack"),
        (.reusedPorts, "reused_ports"), (.tfoSyn, "tfo_syn"), (.tfoAck, "tfo_ack"), (.tfoIgnored, "tfo_ignored"),
    ]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// Retransmission kind for reports: the most specific of the three, or nil.
    public var retransmissionKind: String? {
        if contains(.fastRetransmission) { return "fast_retransmission" }
        if contains(.spuriousRetransmission) { return "spurious_retransmission" }
        if contains(.retransmission) { return "retransmission" }
        return nil
    }
}

/// The result of analysing one segment.
public struct TCPFrameAnalysis: Sendable {
    public var flags: TCPAnalysisFlags
    public var dupAckNumber: Int?
    public var dupAckFrame: Int?
    /// Seconds since the oldest unacknowledged segment (for retransmissions).
    public var rto: Double?
}

@inline(__always) func seqGT(_ x: UInt32, _ y: UInt32) -> Bool { Int32(bitPattern: y &- x) < 0 }
@inline(__always) func seqLT(_ x: UInt32, _ y: UInt32) -> Bool { Int32(bitPattern: x &- y) < 0 }
@inline(__always) func seqLE(_ x: UInt32, _ y: UInt32) -> Bool { Int32(bitPattern: x &- y) <= 0 }

/// Key of a conversation: addresses and ports only, as Wireshark keys them.
/// The real view adds the VLAN stack (`realm`) where a connection is seen on more than one
/// (`CaptureViews.process`); Wireshark's view always has realm 0.
struct ConversationKey: Hashable, Sendable {
    var a: IPAddress
    /// 0, or the VLAN stack with bit 31 set for a real-view conversation on a further VLAN stack
    /// (declared here, it sits in `a`'s padding: the key is no larger than without it).
    var realm: UInt32 = 0
    var b: IPAddress, pa: UInt16, pb: UInt16
    static let zero = ConversationKey(a: IPAddress(hi: 0, lo: 0, isV4: true), b: IPAddress(hi: 0, lo: 0, isV4: true), pa: 0, pb: 0)
    init(a: IPAddress, b: IPAddress, pa: UInt16, pb: UInt16) { self.a = a; self.b = b; self.pa = pa; self.pb = pb }

    /// One combine instead of seven (this is hashed several times per packet).
    func hash(into h: inout Hasher) { h.combine(hash64) }
    /// The hash FlatTable lookups use (the realm, 0 but in the real view's extra pairs, costs one xor).
    var hash64: UInt64 {
        @inline(__always) get {
            mix64((a.lo &* 0x9E37_79B9_7F4A_7C15) ^ (b.lo &* 0xC2B2_AE3D_27D4_EB4F) ^ (a.hi ^ b.hi >> 1) ^ (UInt64(pa) << 48 | UInt64(pb) << 32)
                  ^ UInt64(realm) << 8)
        }
    }
    /// This key in the real view on VLAN stack `r` (a conversation of its own).
    func inRealm(_ r: UInt32) -> ConversationKey {
        var k = self
        k.realm = 1 << 31 | r
        return k
    }
    init(_ s: TCPSegment) {
        if (s.src, s.srcPort) < (s.dst, s.dstPort) || ((s.src, s.srcPort) == (s.dst, s.dstPort)) {
            a = s.src; pa = s.srcPort; b = s.dst; pb = s.dstPort
        } else {
            a = s.dst; pa = s.dstPort; b = s.src; pb = s.srcPort
        }
    }
}

private func < (l: (IPAddress, UInt16), r: (IPAddress, UInt16)) -> Bool { l.0 < r.0 || (l.0 == r.0 && l.1 < r.1) }
private func == (l: (IPAddress, UInt16), r: (IPAddress, UInt16)) -> Bool { l.0 == r.0 && l.1 == r.1 }

/// A segment not yet acknowledged (Wireshark's ual list entry).
struct Unacked: Sendable {
    var frame: Int
    var seq: UInt32
    var nextseq: UInt32
    var ts: Int64
}

/// A direction's segments not yet acknowledged, oldest first (Wireshark's ual list, whose ACK
/// processing visits every entry). Usually each new segment starts where the previous one ended,
/// and then what an ACK covers is a prefix: the list keeps a `head` index and drops a prefix by
/// moving it, without touching the rest. Any other append (a retransmission, overlap) clears
/// `inOrder`, and ACKs go through the full scan until the list is in order again.
struct UnackedList: Sendable {
    private(set) var items: [Unacked] = []
    private(set) var head = 0
    /// Entries from `head` ascend: each starts at or after the end of the one before, all within
    /// 2^30 of the first one's start (so sequence comparisons among them are a total order).
    private(set) var inOrder = true

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var first: Unacked? { head < items.count ? items[head] : nil }

    mutating func append(_ u: Unacked) {
        if head < items.count {
            // offsets from the first live entry's start: in order when they do not decrease and stay under 2^30
            let base = items[head].seq
            if inOrder && !(items[items.count - 1].nextseq &- base <= u.seq &- base && u.seq &- base <= u.nextseq &- base
                            && u.nextseq &- base < 1 << 30) {
                inOrder = false
            }
        } else {
            if head > 0 { items.removeAll(keepingCapacity: true); head = 0 }
            inOrder = u.nextseq &- u.seq < 1 << 30
        }
        items.append(u)
    }

    /// Drops the segments `ack` covers (their end at or before it) and trims the one it falls inside.
    mutating func acknowledge(_ ack: UInt32) {
        guard head < items.count else { return }
        // the fast path needs the ACK within 2^30 of the list too: then every number compared
        // lies in a window under 2^31, where sequence comparisons are a total order
        let d = ack &- items[head].seq
        if inOrder && (d < 1 << 30 || d > UInt32.max - (1 << 30)) {
            // a prefix is covered; only the first one left may be partly covered
            var h = head
            while h < items.count, seqLE(items[h].nextseq, ack) { h += 1 }
            if h < items.count, seqGT(ack, items[h].seq) { items[h].seq = ack }
            head = h
            if head == items.count {
                items.removeAll(keepingCapacity: true); head = 0
            } else if head >= 64 && head * 2 >= items.count {
                items.removeFirst(head); head = 0
            }
            return
        }
        // the full scan: what Wireshark does
        let n = items.count
        let start = head
        let kept = items.withUnsafeMutableBufferPointer { list -> Int in
            var kept = 0
            for i in start..<n {
                var u = list[i]
                let partly = seqGT(ack, u.seq) && seqLE(ack, u.nextseq)
                if ack == u.nextseq || !(partly || seqGT(u.nextseq, ack)) { continue }
                if partly { u.seq = ack }
                list[kept] = u
                kept += 1
            }
            return kept
        }
        items.removeLast(n - kept)
        head = 0
        inOrder = Self.isInOrder(items)
    }

    private static func isInOrder(_ list: [Unacked]) -> Bool {
        guard let base = list.first?.seq else { return true }
        var end: UInt32 = 0   // offset of the previous entry's end
        for u in list {
            let (s, e) = (u.seq &- base, u.nextseq &- base)
            guard end <= s, s <= e, e < 1 << 30 else { return false }
            end = e
        }
        return true
    }

    /// The live entries, oldest first.
    var live: ArraySlice<Unacked> { items[head...] }
}

/// Per-direction state (Wireshark's tcp_flow_t).
struct FlowState: Sendable {
    var nextseq: UInt32 = 0
    var nextseqtime: Int64 = 0
    var maxseqtobeacked: UInt32 = 0
    var lastack: UInt32 = 0
    var lastacktime: Int64 = 0
    var window: UInt32 = 0xFFFF_FFFF
    var winScale: Int = -1
    /// Wireshark's guint32 counter; -1 stands for its 0xFFFFFFFF (see step 10).
    var dupacknum: Int = 0
    var lastnondupack: Int = 0
    var lastflags: TCPAnalysisFlags = []
    var baseSeq: UInt32 = 0
    var baseSeqSet = false
    /// The end of the data a SYN carried (TCP Fast Open), 0 when it carried none.
    var tfoSynEnd: UInt32 = 0
    var unacked = UnackedList()
}

/// One conversation's state, a value kept inline in the analyser's table and updated in place.
struct Conversation: Sendable {
    var flow1 = FlowState()
    var flow2 = FlowState()
    var addr1: IPAddress
    var port1: UInt16
    var irtt: Int64 = 0
    var mruSyn: Int64 = 0
    var firstSeen: Int64 = 0
    var lastSeen: Int64 = 0
    /// FIN or RST seen: the conversation may be retired soon after it goes quiet.
    var closing = false
    var stats: FlowStats
    /// A placeholder for a view that has no conversation (see ViewPair).
    static let none = Conversation(.placeholder, keepStats: false)

    init(_ p: borrowing TCPSegment, keepStats: Bool) {
        addr1 = p.src; port1 = p.srcPort
        firstSeen = p.time
        stats = FlowStats(flow: keepStats ? p.flowDescription : "")
    }

    /// §2: a SYN with a new ISN on a known 4-tuple starts a new conversation (port reuse).
    func isReusedBy(_ p: borrowing TCPSegment) -> Bool {
        let (flags, seq, src, srcPort) = (p.flags, p.seq, p.src, p.srcPort)
        guard flags & 18 == 2 else { return false }
        return addr1 == src && port1 == srcPort ? flow1.baseSeqSet && seq != flow1.baseSeq
                                                      : flow2.baseSeqSet && seq != flow2.baseSeq
    }
}

/// What happened on one conversation (copies removed when taken from the real view).
public struct FlowStats: Sendable {
    public var flow: String
    public var segments = 0
    public var retransmissions = 0
    public var fast = 0
    public var spurious = 0
    public var synRetransmissions = 0
    public var dupAcks = 0
    public var zeroWindows = 0
    public var resets = 0
    public var maxRTO: Double = 0
    public var first: Int64 = 0
    public var last: Int64 = 0

    var worthReporting: Bool { retransmissions > 0 || zeroWindows > 0 || resets > 0 }

    func with(first: Int64, last: Int64) -> FlowStats {
        var s = self
        s.first = first; s.last = last
        return s
    }
}

/// Wireshark 4.0.17's `tcp_analyze_sequence_number()`, applied to segments in file order.
/// The rules: docs/spec/wireshark-tcp-analysis.md; comments give its step numbers.
public struct TCPAnalyzer {
    private var conversations = FlatTable<ConversationKey, Conversation>()
    public private(set) var conversationCount = 0
    public private(set) var retired = 0
    /// At most this many live conversations; beyond it the least recently seen fifth is retired
    /// early (counted in `evicted`), so memory stays bounded with 10⁶ concurrent flows.
    public var maxLive = 100_000
    public private(set) var evicted = 0
    /// Keep per-flow statistics (the real view does; the Wireshark view need not).
    public var keepStats = false
    /// Statistics of retired conversations that had something worth reporting.
    public private(set) var finishedFlows: [FlowStats] = []

    public init() {}

    public var liveConversations: Int { conversations.count }

    public mutating func analyze(_ p: TCPSegment) -> TCPFrameAnalysis {
        let key = ConversationKey(p)
        let hash = key.hash64
        var flags: TCPAnalysisFlags = []
        let e: Int
        if let found = conversations.find(key, hash: hash) {
            e = found
            if conversations[e].isReusedBy(p) {
                retireStats(conversations[e])
                conversations[e] = Conversation(p, keepStats: keepStats)
                conversationCount += 1
                flags.insert(.reusedPorts)
            }
        } else {
            if conversations.count >= maxLive { evictOldest() }
            e = conversations.insert(key, hash: hash, value: Conversation(p, keepStats: keepStats))
            conversationCount += 1
        }
        return Self.analyze(p, &conversations[e], flags: flags, keepStats: keepStats)
    }

    /// The analysis of `p` within its conversation `conv` (updated in place). `flags` holds
    /// `.reusedPorts` when the caller just replaced `conv` for a port reuse.
    static func analyze(_ p: borrowing TCPSegment, _ conv: inout Conversation, flags: TCPAnalysisFlags, keepStats: Bool) -> TCPFrameAnalysis {
        conv.lastSeen = p.time
        if p.flags & 5 != 0 { conv.closing = true }
        let result: TCPFrameAnalysis
        let (src, srcPort, isSYN, isRST) = (p.src, p.srcPort, p.isSYN, p.isRST)
        if conv.addr1 == src && conv.port1 == srcPort {
            result = analyze(p, &conv.flow1, &conv.flow2, &conv.irtt, &conv.mruSyn, flags)
        } else {
            result = analyze(p, &conv.flow2, &conv.flow1, &conv.irtt, &conv.mruSyn, flags)
        }
        if keepStats {
            let flags = result.flags
            conv.stats.segments += 1
            if flags.contains(.retransmission) {
                conv.stats.retransmissions += 1
                if flags.contains(.fastRetransmission) { conv.stats.fast += 1 }
                if flags.contains(.spuriousRetransmission) { conv.stats.spurious += 1 }
                if isSYN { conv.stats.synRetransmissions += 1 }
                if let r = result.rto, r > conv.stats.maxRTO { conv.stats.maxRTO = r }
            }
            if flags.contains(.duplicateACK) { conv.stats.dupAcks += 1 }
            if flags.contains(.zeroWindow) { conv.stats.zeroWindows += 1 }
            if isRST { conv.stats.resets += 1 }
        }
        return result
    }

    /// The steps proper: `F` is the sender's direction, `R` the reverse one.
    private static func analyze(_ p: borrowing TCPSegment, _ F: inout FlowState, _ R: inout FlowState,
                                _ irtt: inout Int64, _ mruSyn: inout Int64, _ initial: TCPAnalysisFlags) -> TCPFrameAnalysis {
        var flags = initial
        let pflags = p.flags
        let isSYN = pflags & 2 != 0, isACK = pflags & 16 != 0, isFIN = pflags & 1 != 0, isRST = pflags & 4 != 0
        let frame = p.frame
        let seq = p.seq, ack = p.ack, now = p.time, wscale = p.windowScale
        // §2: SYN retransmission with the same ISN: nextseq restored so it is not "ahead".
        if isSYN && !isACK && F.baseSeqSet && seq == F.baseSeq && !flags.contains(.reusedPorts) {
            F.nextseq = F.maxseqtobeacked
        }
        if isSYN && isACK && F.baseSeqSet && seq != F.baseSeq {
            F.baseSeq = seq
            flags.insert(.reusedPorts)
        }
        if !F.baseSeqSet { F.baseSeq = isSYN ? seq : seq &- 1; F.baseSeqSet = true }
        if isACK && !R.baseSeqSet { R.baseSeq = p.ack &- 1; R.baseSeqSet = true }

        // TCP Fast Open (4.0.17's tfo_syn / tfo_ack / tfo_ignored, as its output shows them): a
        // SYN with a cookie; a SYN-ACK that acknowledges the data of its SYN, or only the SYN.
        if isSYN {
            if !isACK {
                if p.tfoCookie { flags.insert(.tfoSyn) }
                let len = UInt32(truncatingIfNeeded: max(p.segmentLength, 0))
                F.tfoSynEnd = len > 0 ? seq &+ 1 &+ len : 0
            } else if R.tfoSynEnd != 0 {
                if ack == R.tfoSynEnd { flags.insert(.tfoAck) } else if R.baseSeqSet && ack == R.baseSeq &+ 1 { flags.insert(.tfoIgnored) }
            }
        }
        // Window scaling from the SYN options.
        if isSYN {
            if wscale >= 0 { F.winScale = Int(wscale) } else { F.winScale = -2 }
            if isACK && (F.winScale == -2 || R.winScale == -2) { F.winScale = -2; R.winScale = -2 }
        }

        let seglen = UInt32(truncatingIfNeeded: max(p.segmentLength, 0))
        let win = UInt32(p.window)
        let noSFR = pflags & 7 == 0
        var result = TCPFrameAnalysis(flags: [], dupAckNumber: nil, dupAckFrame: nil, rto: nil)

        analysis: do {
            // 1. zero window probe
            if seglen == 1 && seq == F.nextseq && R.window == 0 {
                flags.insert(.zeroWindowProbe)
                break analysis
            }
            // 2. zero window
            if win == 0 && noSFR { flags.insert(.zeroWindow) }
            // 3. previous segment not captured
            if F.nextseq != 0 && seqGT(seq, F.nextseq) && !isRST { flags.insert(.lostSegment) }
            // 4. keep-alive
            if (seglen == 0 || seglen == 1) && seq == F.nextseq &- 1 && noSFR { flags.insert(.keepAlive) }
            // 5. window update
            if seglen == 0 && win != 0 && win != F.window && seq == F.nextseq && ack == F.lastack && noSFR {
                flags.insert(.windowUpdate)
            }
            // 6. window full
            if seglen > 0 && R.winScale != -1 && noSFR {
                let shift = R.winScale == -2 ? 0 : UInt32(R.winScale)
                if seq &+ seglen == R.lastack &+ (R.window << shift) { flags.insert(.windowFull) }
            }
            // 7. keep-alive ACK
            if seglen == 0 && win != 0 && win == F.window && seq == F.nextseq && ack == F.lastack
                && R.lastflags.contains(.keepAlive) && noSFR {
                flags.insert(.keepAliveACK)
                break analysis
            }
            // 8. zero window probe ACK
            if seglen == 0 && win == 0 && win == F.window && seq == F.nextseq && ack == F.lastack
                && R.lastflags.contains(.zeroWindowProbe) && noSFR {
                flags.insert(.zeroWindowProbeACK)
                break analysis
            }
            // 9. duplicate ACK
            if seglen == 0 && win != 0 && win == F.window && seq == F.nextseq && ack == F.lastack && noSFR {
                F.dupacknum = F.dupacknum == -1 ? 1 : F.dupacknum + 1
                flags.insert(.duplicateACK)
                result.dupAckNumber = F.dupacknum
                result.dupAckFrame = F.lastnondupack
            }
        }
        // finished_fwd
        if ack != F.lastack { F.lastnondupack = frame; F.dupacknum = 0 }
        // 10. ACKed unseen segment
        if R.maxseqtobeacked != 0 && seqGT(ack, R.maxseqtobeacked) && isACK {
            if seqLT(R.maxseqtobeacked, R.nextseq) {
                R.maxseqtobeacked = R.nextseq
                flags.insert(.ackedUnseen)
            } else {
                if R.dupacknum == 0 { flags.insert(.ackedUnseen) }
                R.dupacknum = -1
            }
        }
        // 11. retransmission / fast / spurious / out-of-order
        if !flags.contains(.zeroWindowProbe), seglen > 0 || isSYN || isFIN {
            var notAdvanced = F.nextseq != 0 && seqLT(seq, F.nextseq)
            if !flags.contains(.keepAlive) {
                if seglen > 1 && F.nextseq &- 1 == seq { notAdvanced = false }
                let synfin: UInt32 = (isSYN || isFIN) ? 1 : 0
                let ooThreshold: Int64 = irtt != 0 ? irtt : 3_000_000
                // 4.0.17 computes these deltas unsigned: a negative one fails the "<" test.
                let sinceAck = now &- R.lastacktime, sinceNext = now &- F.nextseqtime
                if seglen > 0 && R.lastack != 0 && seqLE(seq &+ seglen, R.lastack) {
                    flags.insert([.spuriousRetransmission, .retransmission])
                } else if notAdvanced && (R.dupacknum >= 2 || R.dupacknum == -1) && R.lastack == seq && sinceAck >= 0 && sinceAck < 20_000_000 {
                    // dupacknum is a guint32 in 4.0.17: the "-1" left by an ACKed-unseen segment
                    // compares as 0xFFFFFFFF >= 2.
                    flags.insert([.fastRetransmission, .retransmission])
                } else if notAdvanced && sinceNext >= 0 && sinceNext < ooThreshold && F.nextseq != seq &+ seglen &+ synfin {
                    flags.insert(.outOfOrder)
                } else if notAdvanced {
                    flags.insert(.retransmission)
                }
                if flags.contains(.retransmission) {
                    let oldest = F.unacked.first?.ts ?? F.nextseqtime
                    result.rto = Double(now &- oldest) / 1e9
                }
            }
        }
        // 12. remember the segment
        // 4.0.17 adds the SYN/FIN's 1 inside its "fewer than 10 000 unacknowledged segments"
        // branch: past the cap a FIN does not move nextseq beyond its data (its ACK is then "ACKed unseen")
        let underCap = F.unacked.count < 10000
        let end = seq &+ seglen &+ ((isSYN || isFIN) && underCap ? 1 : 0)
        if (seglen > 0 || isSYN || isFIN) && underCap {
            F.unacked.append(Unacked(frame: frame, seq: seq, nextseq: end, ts: now))
        }
        // 13. nextseq
        if (seqGT(end, F.nextseq) || F.nextseq == 0) && !flags.contains(.zeroWindowProbe) {
            F.nextseq = end
            F.nextseqtime = now
        }
        // 14. maxseqtobeacked
        if (seq == F.maxseqtobeacked || F.maxseqtobeacked == 0) && !flags.contains(.zeroWindowProbe) {
            F.maxseqtobeacked = F.nextseq
        }
        // 15. always
        F.window = win
        F.lastack = ack
        F.lastacktime = now
        F.lastflags = flags
        // 16. ACK processing against the peer's unacked segments
        if isACK && !R.unacked.isEmpty {
            R.unacked.acknowledge(ack)
        }
        // iRTT
        if isSYN && !isACK { mruSyn = now }
        if isACK && !isSYN && irtt == 0 && mruSyn != 0 { irtt = now &- mruSyn }
        result.flags = flags
        return result
    }

    private mutating func evictOldest() {
        // the least recently seen fifth: everything quiet since the fifth-smallest lastSeen
        let seen = conversations.allValues.map(\.lastSeen).sorted()
        let n = max(seen.count / 5, 1)
        let cut = seen[n - 1]
        var removed = 0
        var gone: [FlowStats] = []
        conversations.removeAll { _, c in
            guard removed < n, c.lastSeen <= cut else { return false }
            removed += 1
            gone.append(c.stats.with(first: c.firstSeen, last: c.lastSeen))
            return true
        }
        for s in gone { retireStats(s) }
        evicted += removed
    }

    private mutating func retireStats(_ c: Conversation) {
        retireStats(c.stats.with(first: c.firstSeen, last: c.lastSeen))
    }

    private mutating func retireStats(_ s: FlowStats) {
        guard keepStats, s.worthReporting else { return }
        finishedFlows.append(s)
        // bounded: keep the flows with the most retransmissions
        if finishedFlows.count > 2000 {
            finishedFlows.sort { $0.retransmissions > $1.retransmissions }
            finishedFlows.removeLast(finishedFlows.count - 1000)
        }
    }

    /// Statistics of every flow still open plus the retired ones.
    public mutating func allFlowStats() -> [FlowStats] {
        for c in conversations.allValues { retireStats(c) }
        return finishedFlows
    }

    /// Retires conversations that went quiet: closed ones (FIN/RST) after `closedNanos`, others
    /// after `idleNanos`, so memory grows with live flows, not with packets. A retired
    /// conversation that speaks again starts afresh (a deliberate difference from Wireshark,
    /// which keeps every conversation: README "Deliberate differences").
    public mutating func retire(now: Int64, idleNanos: Int64, closedNanos: Int64) {
        var gone: [FlowStats] = []
        conversations.removeAll { _, c in
            guard now &- c.lastSeen > (c.closing ? closedNanos : idleNanos) else { return false }
            gone.append(c.stats.with(first: c.firstSeen, last: c.lastSeen))
            return true
        }
        for s in gone { retireStats(s) }
        retired += gone.count
    }
}
