import Foundation
import Testing
import ForensicModel
import NetworkEvents
import PcapFile
@testable import Ingest

/// Paths of the shared reference data (beside the clone, read-only; never copied into the repo
/// for testdata-public).
enum Shared {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let testdata = repo.appendingPathComponent("testdata")
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    static func exists(_ p: URL) -> Bool { FileManager.default.fileExists(atPath: p.path) }
}

struct TruthRow { var label: String; var copy: Int }

/// Frames whose Wireshark-view flags differ from tshark's, described.
func flagMismatches(_ expected: [Int: Set<String>], _ a: CaptureAnalysis) -> [String] {
    var out: [String] = []
    for frame in Set(expected.keys).union(a.wiresharkFrames.keys).sorted() {
        let mine = Set(a.wiresharkFrames[frame]?.flags.names ?? [])
        let theirs = expected[frame] ?? []
        if mine != theirs { out.append("frame \(frame): tshark \(theirs.sorted()) nodesleuth \(mine.sorted())") }
    }
    return out
}

func readTruth(_ url: URL) throws -> [Int: TruthRow] {
    var out: [Int: TruthRow] = [:]
    for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        guard f.count >= 5, let frame = Int(f[0]), let copy = Int(f[4]) else { continue }
        out[frame] = TruthRow(label: String(f[1]), copy: copy)
    }
    return out
}

/// tshark's per-frame flags: frame -> set of flag names.
func readTsharkFlags(_ url: URL) throws -> [Int: Set<String>] {
    var out: [Int: Set<String>] = [:]
    for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        guard f.count >= 4, let frame = Int(f[0]) else { continue }
        out[frame] = Set(f[3].split(separator: "|").map(String.init))
    }
    return out
}

@Suite("-i any copies (synthetic captures with ground truth)")
struct SyntheticCaptureTests {
    static let files = ["any_sll2_none.pcap", "any_sll2_bridge.pcap", "any_sll2_routed.pcap",
                        "any_sll2_routed-dnat.pcap", "any_sll_bridge.pcap", "multi_if_routed.pcapng"]

    @Test("copy decisions match the truth and the real retransmission count is right", arguments: files)
    func copies(file: String) throws {
        let dir = Shared.testdata.appendingPathComponent("pcap/synthetic")
        let pcap = dir.appendingPathComponent(file)
        let truth = try readTruth(dir.appendingPathComponent(file.replacingOccurrences(of: ".pcapng", with: ".truth.csv").replacingOccurrences(of: ".pcap", with: ".truth.csv")))
        let (analysis, report, _) = CaptureIngest.read(path: pcap.path, options: .init(recordFrames: true))
        let a = try #require(analysis)
        #expect(report.status == .read)
        let truthCopies = Set(truth.filter { $0.value.copy == 2 }.map(\.key))
        let found = Set(a.copyFrames.keys)
        let tp = found.intersection(truthCopies).count
        let precision = found.isEmpty ? 1 : Double(tp) / Double(found.count)
        let recall = truthCopies.isEmpty ? 1 : Double(tp) / Double(truthCopies.count)
        #expect(precision >= 0.999, "precision \(precision)")
        #expect(recall >= 0.999, "recall \(recall)")
        let realRetrans = truth.values.filter { $0.copy != 2 && ["fast_rexmit", "rto_rexmit", "syn_rexmit"].contains($0.label) }.count
        #expect(a.summary.retransmissionsReal == realRetrans)
        #expect(a.summary.dupAcksReal == truth.values.filter { $0.copy != 2 && $0.label == "dupack" }.count)
    }

    @Test("Wireshark view equals tshark 4.0.17 frame for frame", arguments: files)
    func wiresharkView(file: String) throws {
        let dir = Shared.testdata.appendingPathComponent("pcap/synthetic")
        let expected = try readTsharkFlags(dir.appendingPathComponent(file + ".tshark.csv"))
        let (analysis, _, _) = CaptureIngest.read(path: dir.appendingPathComponent(file).path, options: .init(recordFrames: true))
        let a = try #require(analysis)
        let mismatches = flagMismatches(expected, a)
        #expect(mismatches.isEmpty, "\(mismatches.count) frames differ: \(mismatches.prefix(10))")
    }

    /// The real view shares one analysis with the Wireshark view until a conversation sees a copy
    /// (ViewPair.fork); this checks that against the plain analyser run over the kept frames only.
    @Test("real view equals Wireshark's rules over the kept frames alone", arguments: files)
    func realView(file: String) throws {
        let path = Shared.testdata.appendingPathComponent("pcap/synthetic/\(file)").path
        let (analysis, _, _) = CaptureIngest.read(path: path, options: .init(recordFrames: true))
        let a = try #require(analysis)
        // a DNAT'ed capture's kept frames are renamed; this check needs the names as captured
        guard a.summary.addressRewrites.isEmpty else { return }
        var plain = TCPAnalyzer()
        var expected: [Int: Set<String>] = [:]
        var frame = 0
        let body: (PacketHeader, UnsafeRawBufferPointer) -> Bool = { h, b in
            frame += 1
            guard a.copyFrames[frame] == nil, case .success(let s) = PacketDecoder.decode(
                linkType: h.linkType, bytes: b, originalLength: h.originalLength, frame: frame, time: h.timestampNanos, interfaceID: h.interfaceID) else { return true }
            let f = plain.analyze(s).flags
            if !f.isEmpty { expected[frame] = Set(f.names) }
            return true
        }
        if file.hasSuffix(".pcapng") { _ = try PcapngReader(path: path).forEach(body) } else { _ = try PcapReader(path: path).forEach(body) }
        let mine = a.realFrames.mapValues { Set($0.flags.names) }
        #expect(!a.copyFrames.isEmpty || file.contains("none"))
        #expect(mine == expected, "\(Set(mine.keys).symmetricDifference(expected.keys).sorted().prefix(10))")
    }

    /// The capture stage runs on two threads where there are two cores; one thread must give the
    /// same results (and the one-core path is otherwise not exercised on a 2-core machine).
    @Test("one thread and two threads give the same analysis", arguments: files)
    func threadsAgree(file: String) throws {
        let path = Shared.testdata.appendingPathComponent("pcap/synthetic/\(file)").path
        var one = CaptureIngest.Options(recordFrames: true)
        one.twoThreads = false
        var two = CaptureIngest.Options(recordFrames: true)
        two.twoThreads = true
        let a = try #require(CaptureIngest.read(path: path, options: one).0)
        let b = try #require(CaptureIngest.read(path: path, options: two).0)
        #expect(a.summary.frames == b.summary.frames && a.summary.tcpSegments == b.summary.tcpSegments)
        #expect(a.summary.retransmissionsReal == b.summary.retransmissionsReal)
        #expect(a.summary.retransmissionsWireshark == b.summary.retransmissionsWireshark)
        #expect(a.summary.duplicateCopies == b.summary.duplicateCopies && a.summary.linkType == b.summary.linkType)
        #expect(a.copyFrames == b.copyFrames)
        #expect(a.wiresharkFrames.mapValues(\.flags.rawValue) == b.wiresharkFrames.mapValues(\.flags.rawValue))
        #expect(a.realFrames.mapValues(\.flags.rawValue) == b.realFrames.mapValues(\.flags.rawValue))
        #expect(a.events.map(\.frame) == b.events.map(\.frame))
    }
}

