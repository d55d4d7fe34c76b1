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
