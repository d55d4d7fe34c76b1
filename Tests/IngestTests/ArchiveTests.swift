import Foundation
import Testing
import ForensicModel
@testable import Ingest

@Suite("sosreport tarballs through libarchive", .serialized)
struct ArchiveTests {
    func tar(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tar"] + args
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test("a .tar.xz of the demo bundle gives the same kills as the directory, paths as archive:member, nothing left behind", arguments: ["J", "z"])
    func sameAsDirectory(flag: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let archive = dir.appendingPathComponent(flag == "J" ? "sosreport-node7.tar.xz" : "sosreport-node7.tar.gz").path
        try tar(["-C", Fixtures.seed.path, "-c\(flag)f", archive, "sosreport-node7"])
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
        let fromTar = Ingestor().run(IngestRequest(path: archive))
        let fromDir = Ingestor().run(IngestRequest(path: Fixtures.bundle))
        #expect(fromTar.oomKills.count == 3)
        #expect(fromTar.oomKills.map(\.tInvoked) == fromDir.oomKills.map(\.tInvoked))
        #expect(fromTar.oomKills.map(\.victimThreads) == fromDir.oomKills.map(\.victimThreads))
        #expect(fromTar.oomKills.first?.source.path.hasPrefix(archive + ":sosreport-node7/") == true)
        #expect(fromTar.inputs.first?.kind == "archive")
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
        #expect(after.subtracting(before).filter { $0.hasPrefix("nodesleuth-bundle.") }.isEmpty)
    }

    @Test("members that would escape are refused with a warning each; the rest is read; nothing is written outside")
    func hostile() throws {
        let path = Fixtures.repo.appendingPathComponent("testdata/archives/evil-bundle.tar.gz").path
        let r = Ingestor().run(IngestRequest(path: path))
        #expect(r.oomKills.count == 1)
        let refused = r.warnings.filter { $0.message.hasPrefix("archive member refused") }
        #expect(refused.count == 6, "\(refused.map(\.source.description))")
        #expect(refused.contains { $0.message.contains("/etc/shadow") })
        for p in ["/tmp/absolute-nodesleuth.txt", NSTemporaryDirectory() + "escape-nodesleuth.txt", NSTemporaryDirectory() + "up-nodesleuth.txt"] {
            #expect(!FileManager.default.fileExists(atPath: p), "\(p) was written")
        }
    }

    @Test("member path checks", arguments: [
        ("a/b/c", "a/b/c"), ("./a//b", "a/b"), ("a/../b", "b"), ("../x", nil), ("/etc/passwd", nil), ("a/../../x", nil),
    ] as [(String, String?)])
    func safeRelative(input: String, expected: String?) {
        #expect(BundleArchiveProbe.safe(input) == expected)
    }
}
