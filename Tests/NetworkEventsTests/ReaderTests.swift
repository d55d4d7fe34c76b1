import Foundation
import Testing
import ForensicModel
import NetworkEvents
import PcapFile
@testable import Ingest

struct Packet: Equatable { var ts: Int64; var caplen: Int; var len: Int; var bytes: [UInt8] }

func packets(libpcap path: String) throws -> [Packet] {
    var out: [Packet] = []
    _ = try PcapReader(path: path).forEach { h, b in out.append(Packet(ts: h.timestampNanos, caplen: h.capturedLength, len: h.originalLength, bytes: Array(b))); return true }
    return out
}

func packets(pcapng path: String) throws -> [Packet] {
    var out: [Packet] = []
    _ = try PcapngReader(path: path).forEach { h, b in out.append(Packet(ts: h.timestampNanos, caplen: h.capturedLength, len: h.originalLength, bytes: Array(b))); return true }
    return out
}

@Suite("Capture readers")
struct ReaderTests {
    static var pcapngFiles: [URL] {
        var files = [Shared.testdata.appendingPathComponent("pcap/synthetic/multi_if_routed.pcapng")]
        if PublicCaptures.available {
            files += ["pcapng-multi-interface.pcapng", "retransmit-timeout.pcapng", "vlan-pcp-dei.pcapng"].map { PublicCaptures.dir.appendingPathComponent($0) }
        }
        return files
    }

    @Test("the Swift pcapng reader gives exactly what libpcap gives (bytes, lengths, ns timestamps)", arguments: pcapngFiles)
    func sameAsLibpcap(url: URL) throws {
        let mine = try packets(pcapng: url.path)
        let theirs = try packets(libpcap: url.path)
        #expect(!mine.isEmpty)
        #expect(mine == theirs)
    }

    @Test("pcapng interface ids and link types reach the decoder")
    func interfaces() throws {
        let r = try PcapngReader(path: Shared.testdata.appendingPathComponent("pcap/synthetic/multi_if_routed.pcapng").path)
        var ids: Set<UInt32> = []
        _ = r.forEach { h, _ in ids.insert(h.interfaceID); return true }
        #expect(r.interfaces.count == 3)
        #expect(r.interfaces.map(\.name) == ["eth0", "vethA", "vethB"])
        #expect(ids == [0, 1, 2])
    }

    @Test("a pcapng libpcap refuses (mixed link types) is read", .enabled(if: PublicCaptures.available))
    func mixedLinkTypes() throws {
        let path = PublicCaptures.dir.appendingPathComponent("ldap-gap-data-missing.pcapng").path
        // libpcap opens it but stops at the first packet ("an interface has a snapshot length … different")
        let end = try PcapReader(path: path).forEach { _, _ in true }
        if case .error = end {} else { Issue.record("libpcap read it after all: \(end)") }
        let (a, report, _) = CaptureIngest.read(path: path)
        #expect(report.status == .read)
        #expect(a?.summary.frames == 18)
    }

    @Test("a capture cut in the middle of a packet: every complete packet, and where it ended", .enabled(if: PublicCaptures.available))
    func cutShort() throws {
        let (a, report, warnings) = CaptureIngest.read(path: PublicCaptures.dir.appendingPathComponent("m57-long-49600-80-cut.pcap").path)
        #expect(a?.summary.frames == 41)
        #expect(report.status == .partial)
        #expect(warnings.first?.message.contains("after frame 41") == true)
        #expect(a?.summary.truncatedAt?.contains("truncated dump file") == true)
    }

    @Test("pcapng cut inside a block, and an absurd block length: the packets before, and the offset")
    func brokenPcapng() throws {
        let src = Shared.testdata.appendingPathComponent("pcap/synthetic/multi_if_routed.pcapng")
        let bytes = try [UInt8](Data(contentsOf: src))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-ng-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cut = dir.appendingPathComponent("cut.pcapng")
        try Data(bytes[..<(bytes.count / 2)]).write(to: cut)
        let (a, report, _) = CaptureIngest.read(path: cut.path)
        #expect(report.status == .partial)
        #expect((a?.summary.frames ?? 0) > 100)
        #expect(a?.summary.truncatedAt?.contains("cut short") == true)
        // absurd length in the 5th block
        var b2 = bytes
        var off = 0
        for _ in 0..<4 { off += Int(UInt32(b2[off + 4]) | UInt32(b2[off + 5]) << 8 | UInt32(b2[off + 6]) << 16 | UInt32(b2[off + 7]) << 24) }
        b2[off + 4] = 0xF0; b2[off + 5] = 0xFF; b2[off + 6] = 0xFF; b2[off + 7] = 0xFF
        let absurd = dir.appendingPathComponent("absurd.pcapng")
        try Data(b2).write(to: absurd)
        let (a2, r2, _) = CaptureIngest.read(path: absurd.path)
        #expect(r2.status == .partial)
        #expect(a2?.summary.truncatedAt?.contains("absurd block length") == true)
    }

    /// A pcapng file of `sizes.count` enhanced packet blocks (Ethernet, µs), payload bytes from a seed.
    static func pcapng(sizes: [Int], seed: UInt64) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        var out = le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        out += le32(1) + le32(20) + [1, 0, 0, 0] + le32(0) + le32(20)
        var state = seed
        for (i, size) in sizes.enumerated() {
            let padded = (size + 3) & ~3
            let ts = UInt64(1_700_000_000_000_000 + i * 1000)
            out += le32(6) + le32(UInt32(32 + padded)) + le32(0) + le32(UInt32(ts >> 32)) + le32(UInt32(ts & 0xFFFF_FFFF))
            out += le32(UInt32(size)) + le32(UInt32(size))
            for _ in 0..<size { state = state &* 6364136223846793005 &+ 1442695040888963407; out.append(UInt8(state >> 56)) }
            out += [UInt8](repeating: 0, count: padded - size) + le32(UInt32(32 + padded))
        }
        return out
    }

    @Test("a pcapng file larger than the read buffer, and a block larger than it: read from the file as from memory, and as libpcap reads it")
    func refills() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ns-refill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var state: UInt64 = 7
        // ~12 MB of ordinary packets: the 4 MiB buffer is refilled with blocks straddling its end
        let sizes = (0..<16_000).map { _ -> Int in state = state &* 6364136223846793005 &+ 1; return 1 + Int(state >> 33) % 1514 }
        let plain = Self.pcapng(sizes: sizes, seed: 1)
        let file = dir.appendingPathComponent("big.pcapng")
        try Data(plain).write(to: file)
        let fromFile = try packets(pcapng: file.path)
        #expect(fromFile.count == sizes.count)
        let lengthsAgree = fromFile.map(\.caplen) == sizes
        #expect(lengthsAgree, "captured lengths as written")
        let sameAsLibpcap = fromFile == (try packets(libpcap: file.path))
        #expect(sameAsLibpcap, "bytes, lengths and times as libpcap reads them")
        // a 6 MiB packet between ordinary ones: the buffer grows for it
        let withHuge = Self.pcapng(sizes: [100, 200, 6 << 20, 300] + sizes.prefix(3000), seed: 2)
        let hugeFile = dir.appendingPathComponent("huge.pcapng")
        try Data(withHuge).write(to: hugeFile)
        var fromMemory: [Packet] = []
        let memEnd = PcapngReader(bytes: withHuge).forEach { h, b in
            fromMemory.append(Packet(ts: h.timestampNanos, caplen: h.capturedLength, len: h.originalLength, bytes: Array(b))); return true
        }
        #expect(memEnd == .endOfFile)
        let fromHugeFile = try packets(pcapng: hugeFile.path)
        #expect(fromHugeFile.count == 3004)
        let sameAsMemory = fromHugeFile == fromMemory
        #expect(sameAsMemory, "the file read as the same bytes from memory")
        // cut inside the last block: every complete packet, and the offset of the cut block
        let cut = dir.appendingPathComponent("cut.pcapng")
        try Data(plain.prefix(plain.count - 10)).write(to: cut)
        var n = 0
        let end = try PcapngReader(path: cut.path).forEach { _, _ in n += 1; return true }
        #expect(n == sizes.count - 1)
        let lastBlock = 32 + ((sizes.last! + 3) & ~3)
        #expect(end == .error("file ends inside a block (\(lastBlock) bytes, type 0x6) at byte \(plain.count - lastBlock): cut short"))
    }

    @Test("a simple packet block shorter than its own header: an error with the offset, no trap (found by fuzzing)")
    func shortSimplePacketBlock() {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let shb = le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        let idb = le32(1) + le32(20) + [1, 0, 0, 0] + le32(65535) + le32(20)
        let spb = le32(3) + le32(12) + le32(12)
        let end = PcapngReader(bytes: shb + idb + spb).forEach { _, _ in true }
        #expect(end == .error("short simple packet block at byte 48"))
    }
}

