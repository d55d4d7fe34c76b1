import Foundation
import Testing
import ForensicModel
import NetworkEvents
@testable import Ingest

/// Public captures with tshark 4.0.17's per-frame flags, read in place from ../shared (never
/// copied into this repository). Skipped, with a message, where ../shared is absent.
enum PublicCaptures {
    static let dir = Shared.shared.appendingPathComponent("testdata-public/pcap")
    static var available: Bool { Shared.exists(dir.appendingPathComponent("SOURCES.md")) }
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
}

@Suite("Public captures against tshark 4.0.17", .enabled(if: PublicCaptures.available, "../shared/testdata-public/pcap is absent: public capture checks skipped"))
struct PublicCaptureTests {
    @Test("every frame's TCP analysis flags equal tshark's", arguments: PublicCaptures.files)
    func flags(file: String) throws {
        let expected = try readTsharkFlags(PublicCaptures.dir.appendingPathComponent(file + ".tshark.csv"))
        let (analysis, report, warnings) = CaptureIngest.read(path: PublicCaptures.dir.appendingPathComponent(file).path,
                                                             options: .init(keepCopies: true, recordFrames: true))
        let a = try #require(analysis, "\(report.detail) \(warnings.map(\.message))")
        let mismatches = flagMismatches(expected, a)
        #expect(mismatches.isEmpty, "\(file): \(mismatches.count) frames differ: \(mismatches.prefix(8))")
    }
}

/// What `retrans --frames` writes comes from the frame observer (rows as the analysis decides
/// them, nothing kept); it must say exactly what the per-frame tables checked above hold.
@Suite("Public captures: --frames rows as decided", .enabled(if: PublicCaptures.available, "../shared/testdata-public/pcap is absent: public capture checks skipped"))
struct FrameObserverTests {
    final class Rows: @unchecked Sendable { var rows: [(Int, String, Int?)] = [] }

    @Test("the observer's rows equal the recorded tables, in file order, with and without copies kept", arguments: PublicCaptures.files)
    func rows(file: String) throws {
        for keep in [true, false] {
            let rows = Rows()
            var o = CaptureIngest.Options(keepCopies: keep, recordFrames: true)
            o.frameObserver = FrameObserver { f, a, copyOf in rows.rows.append((f, a?.flags.names.joined(separator: "|") ?? "", copyOf)) }
            let (analysis, report, _) = CaptureIngest.read(path: PublicCaptures.dir.appendingPathComponent(file).path, options: o)
            let a = try #require(analysis, "\(report.detail)")
            let view = keep ? a.wiresharkFrames : a.realFrames
            let want = Set(view.keys).union(a.copyFrames.keys).sorted().map { f in
                (f, view[f]?.flags.names.joined(separator: "|") ?? "", a.copyFrames[f])
            }
            #expect(rows.rows.map(\.0) == want.map(\.0), "\(file) keep=\(keep): frames")
            #expect(rows.rows.map { "\($0.1) \($0.2 ?? -1)" } == want.map { "\($0.1) \($0.2 ?? -1)" }, "\(file) keep=\(keep): flags")
        }
    }
}

@Suite("Public captures: the real view", .enabled(if: PublicCaptures.available, "../shared/testdata-public/pcap is absent: public capture checks skipped"))
struct PublicRealViewTests {
    /// Captures whose every packet was recorded more than once on the same interface (byte for
    /// byte, microseconds apart) or replayed on VLAN stacks: Wireshark's flags are copies only.
    @Test("same-interface duplicates are copies: no real retransmission or dup ACK left", arguments: [
        "ssh-dups.pcap", "m57-long-49600-80-cut.pcap", "vlan-pcp-dei.pcapng",
    ])
    func noRealRetransmissions(file: String) throws {
        let (analysis, report, _) = CaptureIngest.read(path: PublicCaptures.dir.appendingPathComponent(file).path, options: .init(keepCopies: false))
        let s = try #require(analysis, "\(report.detail)").summary
        #expect(s.retransmissionsWireshark > 0, "the file shows Wireshark retransmissions")
        #expect(s.retransmissionsReal == 0, "\(file): \(s.retransmissionsReal) real")
        #expect(s.dupAcksReal == 0, "\(file): \(s.dupAcksReal) real dup ACKs")
        #expect(s.duplicateCopies > 0)
    }
}
