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

    @Test("copies on another interface within the window are copies; the same interface again is a real retransmission")
    func copyRule() {
        var d = CopyDetector()
        var out: [CopyDetector.Decision] = []
        var p1 = seg(1, t: 0, from: 1, 1000, to: 2, 80, seq: 100, ack: 1, flags: 0x18, len: 10)
        p1.signature = CaptureSignature(kind: 3, ifindex: 5, outgoing: false, addr: 0, vlan: 0)
        var p2 = p1; p2.frame = 2; p2.time += 5_000; p2.signature.ifindex = 9; p2.signature.outgoing = true
        var p3 = p1; p3.frame = 3; p3.time += 8_000   // same interface as frame 1
        for p in [p1, p2, p3] { d.push(p, into: &out) }
        d.finish(into: &out)
        #expect(out.map(\.segment.frame) == [1, 2, 3])
        #expect(out.map(\.copyOf) == [nil, 1, nil])
    }
}
