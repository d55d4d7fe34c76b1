import Testing
import ForensicModel
@testable import NetworkEvents

func seg(_ frame: Int, t: Double, from a: UInt64, _ pa: UInt16, to b: UInt64, _ pb: UInt16, seq: UInt32, ack: UInt32, flags: UInt8, len: Int, win: UInt16 = 1000) -> TCPSegment {
    var s = TCPSegment.placeholder
    s.frame = frame; s.time = Int64(t * 1e9)
    s.src = IPAddress(hi: 0, lo: a, isV4: true); s.dst = IPAddress(hi: 0, lo: b, isV4: true)
    s.srcPort = pa; s.dstPort = pb; s.seq = seq; s.ack = ack; s.flags = flags; s.segmentLength = len; s.window = win
    s.fingerprint = PacketFingerprint(ipVersion: 4, ipLength: UInt32(40 + len), ipID: UInt32(frame), seq: seq, ack: ack, flagsOffset: UInt16(flags), window: win, urgent: 0, optionsHash: 0, payloadLength: UInt32(len), payloadHash: UInt64(seq))
    return s
}

@Suite("TCP analyzer units")
struct AnalyzerUnitTests {
    @Test("a retransmitted data segment is flagged, with its RTO; the first copy of a conversation never is")
    func retransmission() {
        var a = TCPAnalyzer()
        #expect(a.analyze(seg(1, t: 0, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10)).flags.isEmpty)
        let r = a.analyze(seg(2, t: 0.3, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10))
        #expect(r.flags == [.retransmission])
        #expect(abs((r.rto ?? 0) - 0.3) < 1e-9)
    }

    @Test("quiet conversations are retired; closed ones sooner; statistics survive")
    func retirement() {
        var a = TCPAnalyzer()
        a.keepStats = true
        _ = a.analyze(seg(1, t: 0, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10))
        _ = a.analyze(seg(2, t: 0.3, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10))
        _ = a.analyze(seg(3, t: 1, from: 3, 1000, to: 2, 80, seq: 5, ack: 1, flags: 0x11, len: 0))   // FIN: closing
        a.retire(now: Int64(100e9), idleNanos: Int64(600e9), closedNanos: Int64(60e9))
        #expect(a.liveConversations == 1 && a.retired == 1)
        a.retire(now: Int64(700e9), idleNanos: Int64(600e9), closedNanos: Int64(60e9))
        #expect(a.liveConversations == 0 && a.retired == 2)
        #expect(a.allFlowStats().first?.retransmissions == 1)
        // after retirement the flow starts afresh: no "previous segment not captured"
        #expect(a.analyze(seg(4, t: 701, from: 1, 1000, to: 2, 80, seq: 9000, ack: 1, flags: 0x18, len: 10)).flags.isEmpty)
    }

    @Test("copies on another interface within the window are copies; the same interface again is a copy only when byte-identical within 1 ms")
    func copyRule() {
        var d = CopyDetector()
        var out: [CopyDetector.Decision] = []
        var p1 = seg(1, t: 0, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10)
        p1.signature = CaptureSignature(kind: 3, ifindex: 5, outgoing: false, addr: 0, vlan: 0)
        var p2 = p1; p2.frame = 2; p2.time += 5_000; p2.signature.ifindex = 9; p2.signature.outgoing = true
        var p3 = p1; p3.frame = 3; p3.time += 8_000        // same interface, same bytes, 8 µs: captured twice
        var p4 = p1; p4.frame = 4; p4.time += 2_000_000    // same interface, same bytes, 2 ms: resent
        var p5 = p1; p5.frame = 5; p5.time += 2_500_000    // ... and that one captured twice
        var p6 = p1; p6.frame = 6; p6.time += 2_600_000; p6.ttl = 63   // another TTL: not the same bytes
        for p in [p1, p2, p3, p4, p5, p6] { d.push(p, into: &out) }
        d.finish(into: &out)
        #expect(out.map(\.segment.frame) == [1, 2, 3, 4, 5, 6])
        #expect(out.map(\.copyOf) == [nil, 1, 1, nil, 4, nil])
    }

    @Test("a packet far earlier than the window is never taken for a copy")
    func copyLowerBound() {
        var d = CopyDetector()
        var out: [CopyDetector.Decision] = []
        var p1 = seg(1, t: 100, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10)
        p1.signature = CaptureSignature(kind: 3, ifindex: 5, outgoing: false, addr: 0, vlan: 0)
        var p2 = p1; p2.frame = 2; p2.time = 0; p2.signature.ifindex = 9   // 100 s earlier, other interface
        for p in [p1, p2] { d.push(p, into: &out) }
        d.finish(into: &out)
        #expect(out.map(\.copyOf) == [nil, nil])
    }

    @Test("one packet with a bogus future timestamp does not retire every conversation")
    func bogusFutureTimestamp() {
        var a = CaptureAnalysis(path: "x.pcap", linkTypeName: "EN10MB")
        var frame = 0
        func add(_ t: Double, seq: UInt32) {
            frame += 1
            a.add(frame: frame, time: Int64(t * 1e9), segment: seg(frame, t: t, from: 1, 1000, to: 2, 80, seq: seq, ack: 1, flags: 0x18, len: 10))
        }
        for i in 0..<20 { add(Double(i), seq: 100 + UInt32(i) * 10) }
        add(86_400 * 30, seq: 9999)          // a month ahead, alone
        add(21, seq: 300)
        add(21.3, seq: 300)                  // a retransmission of the still-live conversation
        a.finish()
        #expect(a.summary.retiredConversations == 0)
        #expect(a.summary.retransmissionsReal >= 1)
    }

    @Test("the idle sweep sees frames as the views get them: with or without copy detection the same conversations live, the same retransmissions count")
    func sweepOrder() {
        // A sends at 0 and resends at 899.995 s; B's packets drive the 10 s sweeps, one at
        // 900.001 s, while A's resend still waits in the copy detector's 10 ms queue. Sweeping
        // on arrival retired A there (900.001 s after its last packet the views had seen) and
        // the resend started a new conversation: no retransmission without --wireshark-compatible,
        // one with it.
        func run(keepCopies: Bool) -> CaptureSummary {
            var a = CaptureAnalysis(path: "x.pcap", linkTypeName: "EN10MB", keepCopies: keepCopies)
            let base = 1_700_000_000.0
            var frame = 0, bseq: UInt32 = 1
            func add(_ s: TCPSegment) { a.add(frame: s.frame, time: s.time, segment: s) }
            func b(_ t: Double) { frame += 1; add(seg(frame, t: base + t, from: 3, 2000, to: 2, 80, seq: bseq, ack: 1, flags: 0x18, len: 10)); bseq += 10 }
            frame += 1; add(seg(frame, t: base, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10))
            for k in 1...29 { b(Double(k) * 30) }
            b(890)
            frame += 1; add(seg(frame, t: base + 899.995, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10))
            b(900.001)
            b(905)
            a.finish()
            return a.summary
        }
        let ws = run(keepCopies: true), real = run(keepCopies: false)
        #expect(ws.retransmissionsWireshark == 1)
        #expect(real.retransmissionsWireshark == ws.retransmissionsWireshark)
        #expect(real.retransmissionsReal == 1)
    }

    /// tcpdump's kday*.pcap: a packet 24 days ahead, then its own copy at the same instant, then
    /// the capture's own time again; the copy must not confirm the jump. A jump that packets of
    /// another conversation confirm is believed (quiet conversations are then retired).
    @Test("a bogus future timestamp repeated by the same conversation retires nothing; another conversation confirms a real jump")
    func bogusTimestampRepeated() {
        for confirmedByOther in [false, true] {
            var a = CaptureAnalysis(path: "x.pcap", linkTypeName: "EN10MB")
            var frame = 0
            func add(_ t: Double, from: UInt64, seq: UInt32) {
                frame += 1
                a.add(frame: frame, time: Int64(t * 1e9), segment: seg(frame, t: t, from: from, 1000, to: 2, 80, seq: seq, ack: 1, flags: 0x18, len: 10))
            }
            for i in 0..<20 { add(Double(i), from: 1, seq: 100 + UInt32(i) * 10) }
            add(86_400 * 24, from: 3, seq: 5000)
            add(86_400 * 24, from: confirmedByOther ? 4 : 3, seq: confirmedByOther ? 7000 : 5000)
            add(21, from: 1, seq: 300)
            a.finish()
            #expect((a.summary.retiredConversations > 0) == confirmedByOther)
        }
    }

    @Test("packets whose fingerprints share a hash cannot grow the copy index without bound")
    func indexCeiling() {
        var d = CopyDetector()
        var out: [CopyDetector.Decision] = []
        // same seq, ack, IP id, length and payload (the hashed fields), other windows: one hash,
        // 200 000 different fingerprints, all inside one 10 ms window
        for i in 0..<200_000 {
            var p = seg(1, t: Double(i) * 1e-8, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x10, len: 0, win: UInt16(i & 0xFFFF))
            p.frame = i + 1
            p.fingerprint.ipID = 7
            d.push(p, into: &out)
            out.removeAll(keepingCapacity: true)
        }
        #expect(d.indexSlots <= CopyDetector.maxIndexSlots)
    }
}

/// The open-addressing table behind the conversation and copy-group lookups, against Dictionary.
@Suite("FlatTable")
struct FlatTableTests {
    @Test("random inserts, updates and removals agree with a Dictionary; colliding hashes too")
    func againstDictionary() {
        for hashBits in [64, 3] {   // 3 bits: long probe chains and wrap-around on every operation
            var t = FlatTable<Int, Int>(capacity: 4)
            var d: [Int: Int] = [:]
            var state: UInt64 = 0x1234_5678
            func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
            func h(_ k: Int) -> UInt64 { hashBits == 64 ? mix64(UInt64(k)) : UInt64(k) & 7 }
            for step in 0..<20_000 {
                let k = Int(next() % 500)
                switch next() % 3 {
                case 0:
                    t[t.entry(k, hash: h(k), orAdd: 0)] += 1
                    d[k, default: 0] += 1
                case 1:
                    if let e = t.find(k, hash: h(k)) { t.remove(entry: e) }
                    d[k] = nil
                default:
                    #expect(t.find(k, hash: h(k)).map { t[$0] } == d[k], "step \(step)")
                }
            }
            #expect(t.count == d.count)
            for (k, v) in d { #expect(t.find(k, hash: h(k)).map { t[$0] } == v) }
            t.removeAll { k, _ in k % 2 == 0 }
            #expect(t.count == d.keys.filter { $0 % 2 != 0 }.count)
            for (k, v) in d { #expect(t.find(k, hash: h(k)).map { t[$0] } == (k % 2 == 0 ? nil : v)) }
        }
    }
}

/// The unacknowledged-segment list's prefix fast path against Wireshark's full scan.
@Suite("UnackedList")
struct UnackedListTests {
    /// Wireshark's ACK processing over the whole list (what the fast path must reproduce).
    static func reference(_ list: [Unacked], ack: UInt32) -> [Unacked] {
        var out: [Unacked] = []
        for var u in list {
            let partly = seqGT(ack, u.seq) && seqLE(ack, u.nextseq)
            if ack == u.nextseq || !(partly || seqGT(u.nextseq, ack)) { continue }
            if partly { u.seq = ack }
            out.append(u)
        }
        return out
    }

    @Test("random in-order, overlapping, wrapping and far-off segments and ACKs: same list as the full scan")
    func againstFullScan() {
        var state: UInt64 = 0xC0FFEE
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var fastPathUsed = 0
        for run in 0..<300 {
            var list = UnackedList()
            var ref: [Unacked] = []
            // start near the wrap-around point in some runs
            var seq: UInt32 = run % 3 == 0 ? UInt32.max - UInt32(next() % 5000) : UInt32(truncatingIfNeeded: next())
            for step in 0..<400 {
                switch next() % 10 {
                case 0..<5:   // next segment in order, sometimes after a gap
                    let len = UInt32(1 + next() % 1500)
                    let gap = next() % 8 == 0 ? UInt32(next() % 3000) : 0
                    let u = Unacked(frame: step, seq: seq &+ gap, nextseq: seq &+ gap &+ len, ts: Int64(step))
                    seq = u.nextseq
                    list.append(u); ref.append(u)
                case 5:       // a retransmission or overlap (out of order)
                    let back = UInt32(next() % 6000)
                    let u = Unacked(frame: step, seq: seq &- back, nextseq: seq &- back &+ UInt32(1 + next() % 1500), ts: Int64(step))
                    list.append(u); ref.append(u)
                case 6:       // an absurd segment: random numbers
                    let a = UInt32(truncatingIfNeeded: next() << 1), b = UInt32(truncatingIfNeeded: next() << 1)
                    let u = Unacked(frame: step, seq: a, nextseq: b, ts: Int64(step))
                    list.append(u); ref.append(u)
                default:      // an ACK: usually inside the data, sometimes anywhere
                    let ack: UInt32
                    if let f = ref.first, next() % 6 != 0 {
                        ack = f.seq &+ UInt32(next() % UInt64(max(1, Int(seq &- f.seq) + 3000)))
                    } else {
                        ack = UInt32(truncatingIfNeeded: next() << 1)
                    }
                    if list.inOrder { fastPathUsed += 1 }
                    list.acknowledge(ack)
                    ref = Self.reference(ref, ack: ack)
                }
                let live = Array(list.live)
                #expect(live.count == ref.count, "run \(run) step \(step)")
                #expect(zip(live, ref).allSatisfy { $0.seq == $1.seq && $0.nextseq == $1.nextseq && $0.frame == $1.frame },
                        "run \(run) step \(step)")
                #expect(list.first?.frame == ref.first?.frame)
                if live.count != ref.count { return }
            }
        }
        #expect(fastPathUsed > 1000, "the in-order path must actually be exercised (\(fastPathUsed))")
    }
}

@Suite("ViewPair")
struct ViewPairTests {
    @Test("a copied pair's real view is its own: analysing one copy leaves the other as it was")
    func valueSemantics() {
        var finished: [FlowStats] = []
        var a = ViewPair(realm: 0)
        _ = a.analyze(seg(1, t: 0, from: 1, 1000, to: 2, 80, seq: 100, ack: 0, flags: 2, len: 0), real: false, finished: &finished, report: true)
        a.fork()
        _ = a.analyze(seg(2, t: 0.001, from: 1, 1000, to: 2, 80, seq: 101, ack: 1, flags: 16, len: 10), real: true, finished: &finished, report: true)
        let b = a
        // the same data segment again: a retransmission in `a`'s real view
        let (r, _) = a.analyze(seg(3, t: 0.5, from: 1, 1000, to: 2, 80, seq: 101, ack: 1, flags: 16, len: 10), real: true, finished: &finished, report: true)
        #expect(r.flags.contains(.retransmission))
        #expect(a.real?.stats.segments == 3)
        #expect(b.real?.stats.segments == 2, "the copy taken before is unchanged")
        var c = b
        let (rc, _) = c.analyze(seg(4, t: 0.6, from: 1, 1000, to: 2, 80, seq: 111, ack: 1, flags: 16, len: 10), real: true, finished: &finished, report: true)
        #expect(!rc.flags.contains(.retransmission))
        #expect(c.real?.stats.segments == 3 && b.real?.stats.segments == 2 && a.real?.stats.segments == 3)
    }
}
