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
