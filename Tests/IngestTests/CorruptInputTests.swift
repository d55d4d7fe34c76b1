import Foundation
import Testing
import ForensicModel
@testable import Ingest

/// Broken inputs made in a temporary directory from the committed fixtures: each gives the
/// readable data plus a warning naming the file (and offset or frame), or a clear error.
struct Scratch {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: p.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: p)
        return p.path
    }
    func cleanup() { try? FileManager.default.removeItem(at: dir) }
}

let syntheticPcap = Fixtures.repo.appendingPathComponent("testdata/pcap/synthetic/any_sll2_bridge.pcap")

@Suite("Corrupt and hostile inputs")
struct CorruptInputTests {
    func pcapBytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: syntheticPcap)) }

    @Test("pcap cut in the file header: a clear error from libpcap")
    func cutHeader() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let (a, r, w) = CaptureIngest.read(path: try s.write("h.pcap", Array(try pcapBytes().prefix(10))))
        #expect(a == nil && r.status == .unreadable)
        #expect(w.first?.message.contains("libpcap") == true)
    }

    @Test("pcap cut in a record header and in packet data: every complete packet, and where it ended")
    func cutRecord() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let b = try pcapBytes()
        // first record: 24-byte file header, 16-byte record header, data
        let len0 = Int(b[32]) | Int(b[33]) << 8
        let second = 24 + 16 + len0
        let (a1, r1, _) = CaptureIngest.read(path: try s.write("rh.pcap", Array(b.prefix(second + 8))))
        #expect(a1?.summary.frames == 1 && r1.status == .partial)
        let (a2, r2, w2) = CaptureIngest.read(path: try s.write("pd.pcap", Array(b.prefix(second + 16 + 5))))
        #expect(a2?.summary.frames == 1 && r2.status == .partial)
        #expect(w2.first?.source.frame == 1)
    }

    @Test("a record claiming 4 GB: the packets before it, then a warning")
    func absurdLength() throws {
        let s = try Scratch(); defer { s.cleanup() }
        var b = try pcapBytes()
        let len0 = Int(b[32]) | Int(b[33]) << 8
        let second = 24 + 16 + len0
        for i in 0..<4 { b[second + 8 + i] = 0xFF }     // incl_len of record 2
        let (a, r, w) = CaptureIngest.read(path: try s.write("big.pcap", b))
        #expect(a?.summary.frames == 1)
        #expect(r.status == .partial)
        #expect(w.contains { $0.message.contains("ends early after frame 1") })
    }

    @Test("pcapng with an unknown block: packets read, the block counted")
    func unknownBlock() throws {
        let s = try Scratch(); defer { s.cleanup() }
        var b = try [UInt8](Data(contentsOf: Fixtures.repo.appendingPathComponent("testdata/pcap/synthetic/multi_if_routed.pcapng")))
        let shbLen = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
        let unknown: [UInt8] = [0x44, 0x33, 0x22, 0x01, 16, 0, 0, 0, 1, 2, 3, 4, 16, 0, 0, 0]
        b.insert(contentsOf: unknown, at: shbLen)
        let (a, r, w) = CaptureIngest.read(path: try s.write("u.pcapng", b))
        #expect(a?.summary.frames == 1788 && r.status == .read)
        #expect(w.contains { $0.message.contains("unknown type 0x1223344") })
    }

    @Test("zero-length files: a capture is unreadable, a log is empty; no crash")
    func empty() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let (a, r, _) = CaptureIngest.read(path: try s.write("e.pcap", []))
        #expect(a == nil && r.status == .unreadable)
        let res = Ingestor().run(IngestRequest(path: nil, dmesgs: [try s.write("dmesg", [])]))
        #expect(res.oomKills.isEmpty)
        #expect(res.inputs.first?.status == .read)
    }

    @Test("a 50 MB single-line log is read without hanging")
    func hugeLine() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let p = try s.write("messages", [UInt8](repeating: UInt8(ascii: "x"), count: 50_000_000))
        let start = Date()
        let res = Ingestor().run(IngestRequest(path: nil, journals: [p]))
        #expect(res.oomKills.isEmpty)
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("invalid UTF-8 and NUL bytes around an OOM record: the record is still read")
    func garbageBytes() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let good = try [UInt8](Data(contentsOf: Fixtures.repo.appendingPathComponent("testdata/logs/oom/ubuntu-5.13-global-reaper.dmesg")))
        var bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x41, 0x0A] + Array("[    1.000000] caf\u{00E9} \u{0000} ok\n".utf8) + [0xC3, 0x28, 0x0A]
        bytes += good
        bytes += [0x00, 0x00, 0x0A, 0xED, 0xA0, 0x80, 0x0A]
        let res = Ingestor().run(IngestRequest(path: nil, dmesgs: [try s.write("dmesg", bytes)]))
        #expect(res.oomKills.count == 1)
        #expect(res.oomKills.first?.victimComm == "db1000n")
    }

    @Test("a directory where a file is expected: a clear warning")
    func directory() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let res = Ingestor().run(IngestRequest(path: nil, pcaps: [s.dir.path], dmesgs: [s.dir.path]))
        #expect(res.inputs.allSatisfy { $0.status == .unreadable })
        #expect(res.warnings.contains { $0.message.contains("directory") })
    }

    @Test("unreadable permissions: a clear warning", .enabled(if: getuid() != 0, "runs as root: permissions do not stop root, nothing to test"))
    func permissions() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let p = try s.write("dmesg", Array("[ 1.000000] x\n".utf8))
        chmod(p, 0)
        let res = Ingestor().run(IngestRequest(path: nil, dmesgs: [p]))
        #expect(res.inputs.first?.status == .unreadable)
    }

    @Test("a sos tree with a symlink loop and links pointing outside: no hang, nothing outside read")
    func symlinks() throws {
        let s = try Scratch(); defer { s.cleanup() }
        let root = s.dir.appendingPathComponent("sosreport-x")
        _ = try s.write("sosreport-x/sos_commands/process/ps_placeholder", [])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sos_commands/kernel"), withIntermediateDirectories: true)
        // the dmesg is a link to a file outside the bundle, with an OOM record in it
        let outside = try s.write("outside-dmesg", try [UInt8](Data(contentsOf: Fixtures.repo.appendingPathComponent("testdata/logs/oom/ubuntu-5.13-global-reaper.dmesg"))))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("sos_commands/kernel/dmesg").path, withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("loop-a").path, withDestinationPath: "loop-b")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("loop-b").path, withDestinationPath: "loop-a")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("var").path, withDestinationPath: "/var")
        let res = Ingestor().run(IngestRequest(path: root.path))
        #expect(res.oomKills.isEmpty)                       // the outside dmesg was not followed
        #expect(!res.inputs.contains { $0.path.contains("outside") })
    }
}
