import Foundation
import Testing
import ForensicModel
@testable import Ingest

/// Writes classic pcap files of Ethernet/IPv4/TCP frames (checksums left 0: nodesleuth does not
/// check them, and neither does Wireshark by default).
struct TinyPcap {
    var bytes: [UInt8] = []
    init() {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        bytes = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(1)
    }
    mutating func tcp(t: Double, src: UInt8, dst: UInt8, sport: UInt16, dport: UInt16, seq: UInt32, ack: UInt32, flags: UInt8, payload: Int, ipid: UInt16) {
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let tcp = be16(sport) + be16(dport) + be32(seq) + be32(ack) + [0x50, flags] + be16(502) + [0, 0, 0, 0] + [UInt8](repeating: 0x61, count: payload)
        let ip = [0x45, 0] + be16(UInt16(20 + tcp.count)) + be16(ipid) + [0x40, 0, 64, 6, 0, 0] + [10, 0, 0, src] + [10, 0, 0, dst]
        let frame = [UInt8](repeating: 2, count: 6) + [UInt8](repeating: 4, count: 6) + [0x08, 0x00] + ip + tcp
        let sec = UInt32(t), usec = UInt32(((t - Double(sec)) * 1e6).rounded())
        for v in [sec, usec, UInt32(frame.count), UInt32(frame.count)] { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        bytes += frame
    }
    func write(_ url: URL) throws { try Data(bytes).write(to: url) }
}

@Suite("Captures from both ends")
struct BothEndsTests {
    /// Client 10.0.0.1 sends seq 1000 at t0 and again 300 ms later; the server-side capture saw
    /// the original (`reached`) or only the resend (`lost`).
    func run(serverSawOriginal: Bool) throws -> AnalysisResult {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-ends-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        let t0 = 1_709_603_500.0
        var client = TinyPcap(), server = TinyPcap()
        for (p, lag) in [(0, 0.0), (1, 0.0005)] {
            var c = p == 0 ? client : server
            c.tcp(t: t0 + lag, src: 1, dst: 2, sport: 40000, dport: 8080, seq: 500, ack: 0, flags: 0x02, payload: 0, ipid: 1)            // SYN
            c.tcp(t: t0 + 0.001 + lag, src: 2, dst: 1, sport: 8080, dport: 40000, seq: 9000, ack: 501, flags: 0x12, payload: 0, ipid: 1) // SYN-ACK
            c.tcp(t: t0 + 0.002 + lag, src: 1, dst: 2, sport: 40000, dport: 8080, seq: 501, ack: 9001, flags: 0x10, payload: 0, ipid: 2)
            if p == 0 || serverSawOriginal {
                c.tcp(t: t0 + 1 + lag, src: 1, dst: 2, sport: 40000, dport: 8080, seq: 501, ack: 9001, flags: 0x18, payload: 100, ipid: 3)
            }
            c.tcp(t: t0 + 1.3 + lag, src: 1, dst: 2, sport: 40000, dport: 8080, seq: 501, ack: 9001, flags: 0x18, payload: 100, ipid: 4)   // resend
            c.tcp(t: t0 + 1.301 + lag, src: 2, dst: 1, sport: 8080, dport: 40000, seq: 9001, ack: 601, flags: 0x10, payload: 0, ipid: 2)
            if p == 0 { client = c } else { server = c }
        }
        try client.write(d.appendingPathComponent("client.pcap"))
        try server.write(d.appendingPathComponent("server.pcap"))
        return Ingestor().run(IngestRequest(path: nil, pcaps: [d.appendingPathComponent("client.pcap").path, d.appendingPathComponent("server.pcap").path]))
    }

    @Test("the original reached the server: the segment arrived and went unanswered")
    func reached() throws {
        let r = try run(serverSawOriginal: true)
        #expect(r.bothEnds?.checked == 1)
        #expect(r.bothEnds?.reachedOtherEnd == 1)
        #expect(r.bothEnds?.lostBetween == 0)
    }

    @Test("only the resend reached the server: the original was lost in the network")
    func lost() throws {
        let r = try run(serverSawOriginal: false)
        #expect(r.bothEnds?.checked == 1)
        #expect(r.bothEnds?.lostBetween == 1)
        #expect(r.bothEnds?.reachedOtherEnd == 0)
    }
}
