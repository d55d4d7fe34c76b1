import Foundation
import Testing
import ForensicModel
import NetworkEvents
import PcapFile
@testable import Ingest

/// testdata/pcap/encap: VLAN replays, tunnels and further link types, made by
/// testdata/generators/gen_encap_captures.py with their truth (TRUTH.json) and tshark 4.0.17's
/// per-frame flags (`*.tshark.csv`, written by ../shared/testdata-public/pcap/counts.sh -c).
enum EncapCaptures {
    static let dir = Shared.testdata.appendingPathComponent("pcap/encap")
    struct Truth: Decodable {
        var frames: Int
        var tcp_segments: Int
        var copies: Int
        var real_retransmissions: Int
        var real_dup_acks: Int
        var conversations_real: Int
        var real_retransmission_frames: [Int]
    }
    static func truth() throws -> [String: Truth] {
        try JSONDecoder().decode([String: Truth].self, from: Data(contentsOf: dir.appendingPathComponent("TRUTH.json")))
    }
    static let files: [String] = ((try? truth()) ?? [:]).keys.sorted()
    static func truthFrames(_ file: String) -> Int { ((try? truth()) ?? [:])[file]?.frames ?? -1 }
}

@Suite("VLAN replays, tunnels and link types (synthetic captures with ground truth)")
struct EncapsulationTests {
    @Test("copies, real retransmissions, dup ACKs and conversations match the truth", arguments: EncapCaptures.files)
    func realView(file: String) throws {
        let t = try #require(try EncapCaptures.truth()[file])
        let (analysis, report, _) = CaptureIngest.read(path: EncapCaptures.dir.appendingPathComponent(file).path, options: .init(recordFrames: true))
        let a = try #require(analysis)
        #expect(report.status == .read)
        let s = a.summary
        #expect(s.frames == t.frames)
        #expect(s.tcpSegments == t.tcp_segments, "skipped: \(s.skipped)")
        #expect(s.duplicateCopies == t.copies)
        #expect(s.retransmissionsReal == t.real_retransmissions)
        #expect(s.dupAcksReal == t.real_dup_acks)
        #expect(s.conversations == t.conversations_real)
        let realRetrans = a.realFrames.filter { $0.value.flags.retransmissionKind != nil }.keys.sorted()
        #expect(realRetrans == t.real_retransmission_frames)
        // nothing in the real view looks like a broken conversation (a half seen on another stack)
        let odd = a.realFrames.filter { $0.value.flags.contains(.ackedUnseen) || $0.value.flags.contains(.lostSegment) }
        #expect(odd.isEmpty, "\(odd.keys.sorted())")
    }

    /// The Wireshark view keys on addresses and ports only, as tshark does: on every file tshark
    /// decodes fully, its flags are tshark's. overlay_any.pcap holds VXLAN on UDP 8472 (flannel's
    /// port), which tshark leaves undecoded by default; only that connection's frames may differ.
    @Test("Wireshark view equals tshark 4.0.17 frame for frame", arguments: EncapCaptures.files)
    func wiresharkView(file: String) throws {
        let expected = try readTsharkFlags(EncapCaptures.dir.appendingPathComponent(file + ".tshark.csv"))
        let (analysis, _, _) = CaptureIngest.read(path: EncapCaptures.dir.appendingPathComponent(file).path,
                                                  options: .init(keepCopies: true, recordFrames: true))
        let a = try #require(analysis)
        let mismatches = flagMismatches(expected, a)
        if file == "overlay_any.pcap" {
            // the first connection (frames 1-32) is the one inside VXLAN on 8472
            let frames = mismatches.compactMap { Int($0.split(separator: ":")[0].dropFirst("frame ".count)) }
            #expect(!frames.isEmpty && frames.allSatisfy { $0 <= 32 }, "\(mismatches.prefix(10))")
        } else {
            #expect(mismatches.isEmpty, "\(mismatches.count) frames differ: \(mismatches.prefix(10))")
        }
    }

    @Test("the same replays without VLAN tags are retransmissions in the real view too")
    func untaggedReplaysStayRetransmissions() throws {
        // control: strip the tags from vlan_replay.pcap (rewrite the frames) and the replays,
        // now on one stack, are what Wireshark calls them
        let src = EncapCaptures.dir.appendingPathComponent("vlan_replay.pcap").path
        let reader = try PcapReader(path: src)
        var frames: [(PacketHeader, [UInt8])] = []
        _ = reader.forEach { h, b in
            var bytes = [UInt8](b)
            while bytes.count > 16, bytes[12] == 0x81 || bytes[12] == 0x88 { bytes.removeSubrange(12..<16) }
            frames.append((h, bytes))
            return true
        }
        var a = CaptureAnalysis(path: "untagged", linkTypeName: "EN10MB", recordFrames: true)
        for (i, (h, bytes)) in frames.enumerated() {
            bytes.withUnsafeBytes { a.add(frame: i + 1, time: h.timestampNanos, linkType: 1, bytes: $0, originalLength: $0.count) }
        }
        a.finish()
        #expect(a.summary.retransmissionsReal > 1)
        #expect(a.summary.conversations == 1)
    }

    /// Every prefix of every frame of the tunnel and link-type captures decodes without a trap
    /// (each read is behind a length check) and never claims more payload than was on the wire.
    @Test("truncated tunnel and link-layer frames are refused cleanly")
    func truncations() throws {
        for file in EncapCaptures.files {
            let reader = try PcapReader(path: EncapCaptures.dir.appendingPathComponent(file).path)
            _ = reader.forEach { h, b in
                for n in 0...b.count {
                    let r = PacketDecoder.decode(linkType: h.linkType, bytes: UnsafeRawBufferPointer(rebasing: b[0..<n]), originalLength: n, frame: 1, time: 0)
                    if case .success(let s) = r { #expect(s.segmentLength >= 0 && s.segmentLength <= n) }
                }
                return true
            }
        }
    }

    @Test("fragments that never complete are held within a ceiling")
    func reassemblyBound() throws {
        let reader = try PcapReader(path: EncapCaptures.dir.appendingPathComponent("fragments.pcap").path)
        var lone: [UInt8] = []
        _ = reader.forEach { _, b in lone = [UInt8](b); return true }   // the last frame: a lone first fragment
        let r = Reassembly()
        var seg = TCPSegment.empty
        for i in 0..<(Reassembly.maxPending + 3000) {
            lone[18] = UInt8(truncatingIfNeeded: i >> 8); lone[19] = UInt8(truncatingIfNeeded: i)   // IP id
            let skip = lone.withUnsafeBytes { r.decode(linkType: 1, bytes: $0, originalLength: $0.count, frame: i + 1, time: Int64(i), into: &seg) }
            #expect(skip == .fragment)
        }
        #expect(r.waiting <= Reassembly.maxPending)
        #expect(r.reassembled == 0)
    }

    @Test("tunnelled segments say which tunnel carried them")
    func tunnelKinds() throws {
        let reader = try PcapReader(path: EncapCaptures.dir.appendingPathComponent("tunnels_uplink.pcap").path)
        var kinds = Set<UInt8>()
        var frame = 0
        _ = reader.forEach { h, b in
            frame += 1
            if case .success(let s) = PacketDecoder.decode(linkType: h.linkType, bytes: b, originalLength: h.originalLength, frame: frame, time: h.timestampNanos) {
                kinds.insert(s.tunnel)
            }
            return true
        }
        // VXLAN, GRE (plain and PPTP), ERSPAN, GRE-in-UDP, GTP-U, IP-in-IP (6in4, IP6IP6), bare (MPLS, LLC/SNAP)
        #expect(kinds == Set([0] + [TunnelKind.vxlan, .gre, .erspan, .greInUDP, .gtpU, .ipInIP].map(\.rawValue)))
    }
}

/// Compressed captures are read like tshark reads them (gzip, by magic, whatever the name).
@Suite("Compressed captures")
struct CompressedCaptureTests {
    static func compress(_ src: URL, tool: String, name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ns-gz-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent(name)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\(tool) -c < '\(src.path)' > '\(out.path)'"]
        try p.run(); p.waitUntilExit()
        return out
    }

    static var pcapng: URL { Shared.testdata.appendingPathComponent("pcap/synthetic/multi_if_routed.pcapng") }
    static var pcap: URL { EncapCaptures.dir.appendingPathComponent("overlay_any.pcap") }

    @Test("a gzip-compressed pcap or pcapng gives the same analysis as the file itself", arguments: [true, false])
    func sameAnalysis(ng: Bool) throws {
        let src = ng ? Self.pcapng : Self.pcap
        // named without any hint of its format: the content decides
        let gz = try Self.compress(src, tool: "gzip", name: "capture.bin")
        defer { try? FileManager.default.removeItem(at: gz.deletingLastPathComponent()) }
        let (plain, _, _) = CaptureIngest.read(path: src.path, options: .init(recordFrames: true))
        let (packed, report, _) = CaptureIngest.read(path: gz.path, options: .init(recordFrames: true))
        let a = try #require(plain), b = try #require(packed)
        #expect(report.status == .read)
        #expect(report.detail.hasPrefix("gzip-compressed"))
        #expect(b.summary.frames == a.summary.frames && b.summary.frames > 0)
        #expect(b.summary.retransmissionsReal == a.summary.retransmissionsReal)
        #expect(b.summary.duplicateCopies == a.summary.duplicateCopies)
        #expect(b.realFrames.mapValues(\.flags) == a.realFrames.mapValues(\.flags))
    }

    @Test("discovery takes a compressed capture for a capture, compressed text for text")
    func discovery() throws {
        let gzPcap = try Self.compress(Self.pcap, tool: "gzip", name: "messages.1.gz")   // a log's name, a capture inside
        let gzNG = try Self.compress(Self.pcapng, tool: "zstd", name: "x.zst")
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("ns-txt-\(UUID().uuidString.prefix(8))")
        try Data("Jan  1 00:00:00 node kernel: hello\n".utf8).write(to: text)
        let gzText = try Self.compress(text, tool: "gzip", name: "capture.pcap.gz")      // a capture's name, text inside
        defer {
            for u in [gzPcap, gzNG, gzText] { try? FileManager.default.removeItem(at: u.deletingLastPathComponent()) }
            try? FileManager.default.removeItem(at: text)
        }
        #expect(FileKind.sniff(gzPcap.path) == .pcap)
        #expect(FileKind.sniff(gzNG.path) == .pcapng)
        #expect(FileKind.sniff(gzText.path) == .compressedText)
    }

    @Test("xz works too; compressed text is refused with a reason; a cut gzip capture reads partly")
    func otherCases() throws {
        let xz = try Self.compress(Self.pcap, tool: "xz", name: "c.xz")
        defer { try? FileManager.default.removeItem(at: xz.deletingLastPathComponent()) }
        let (a, _, _) = CaptureIngest.read(path: xz.path)
        #expect(a?.summary.frames == EncapCaptures.truthFrames("overlay_any.pcap"))

        let text = FileManager.default.temporaryDirectory.appendingPathComponent("ns-txt-\(UUID().uuidString.prefix(8))")
        try Data("hello, not a capture\n".utf8).write(to: text)
        let gzText = try Self.compress(text, tool: "gzip", name: "t.pcap.gz")
        defer { try? FileManager.default.removeItem(at: text); try? FileManager.default.removeItem(at: gzText.deletingLastPathComponent()) }
        let (none, report, _) = CaptureIngest.read(path: gzText.path)
        #expect(none == nil)
        #expect(report.status == .unreadable)
        #expect(report.detail.contains("no pcap or pcapng"))

        // a cut gzip stream: libarchive drops its last, partial decompressed block (up to 64 KiB),
        // so the capture is made large enough (the small one 40 times over, 10 s apart)
        var big = Data()
        let one = try [UInt8](Data(contentsOf: Self.pcap))
        big.append(contentsOf: one[0..<24])
        for k in 0..<40 {
            var o = 24
            while o + 16 <= one.count {
                var rec = Array(one[o..<(o + 16 + Int(UInt32(one[o + 8]) | UInt32(one[o + 9]) << 8 | UInt32(one[o + 10]) << 16))])
                let sec = UInt32(rec[0]) | UInt32(rec[1]) << 8 | UInt32(rec[2]) << 16 | UInt32(rec[3]) << 24 + UInt32(k * 10)
                for i in 0..<4 { rec[i] = UInt8(truncatingIfNeeded: sec >> (8 * UInt32(i))) }
                big.append(contentsOf: rec)
                o += rec.count
            }
        }
        let bigFile = FileManager.default.temporaryDirectory.appendingPathComponent("ns-big-\(UUID().uuidString.prefix(8)).pcap")
        try big.write(to: bigFile)
        let gz = try Self.compress(bigFile, tool: "gzip", name: "cut.gz")
        defer { try? FileManager.default.removeItem(at: gz.deletingLastPathComponent()); try? FileManager.default.removeItem(at: bigFile) }
        let (whole, _, _) = CaptureIngest.read(path: gz.path)
        #expect(whole?.summary.frames == 40 * EncapCaptures.truthFrames("overlay_any.pcap"))
        let bytes = try Data(contentsOf: gz)
        try bytes.prefix(bytes.count * 2 / 3).write(to: gz)
        let (cut, cutReport, _) = CaptureIngest.read(path: gz.path)
        let c = try #require(cut)
        #expect(c.summary.frames > 0 && c.summary.frames < 40 * EncapCaptures.truthFrames("overlay_any.pcap"))
        #expect(cutReport.status == .partial)
    }
}
