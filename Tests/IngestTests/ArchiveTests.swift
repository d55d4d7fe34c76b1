import Foundation
import BundleArchive
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
        // extraction folders of this process (named with its pid) that appeared and stayed: other
        // tests of this process may be extracting at the same moment, so a folder counts as left
        // behind only if it is still there 10 s later (theirs are gone within a second)
        let mine = "nodesleuth-bundle.\(getpid())."
        func leftOver() -> Set<String> {
            Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).subtracting(before).filter { $0.hasPrefix(mine) }
        }
        var left = leftOver()
        for _ in 0..<100 where !left.isEmpty {
            usleep(100_000)
            left = left.intersection(leftOver())
        }
        #expect(left.isEmpty)
    }

    @Test("members that would escape are refused with a warning each; the rest is read; nothing is written outside")
    func hostile() throws {
        let path = Fixtures.repo.appendingPathComponent("testdata/archives/evil-bundle.tar.gz").path
        let r = Ingestor().run(IngestRequest(path: path))
        #expect(r.oomKills.count == 1)
        let refused = r.warnings.filter { $0.message.hasPrefix("archive member refused") }
        #expect(refused.count == 8, "\(refused.map(\.source.description))")
        // and once every member is in place, the link that chains out (`esc`) is removed too
        #expect(refused.contains { $0.source.path.hasSuffix("sos_commands/kernel/esc") && $0.message.contains("through other links") })
        #expect(refused.contains { $0.message.contains("/etc/shadow") })
        // the chained links `up` and `esc` each pass the textual check; the member under esc/ is refused
        #expect(refused.contains { $0.source.path.hasSuffix("esc/tmp/pwned-nodesleuth/dmesg") && $0.message.contains("symbolic link") })
        for p in ["/tmp/absolute-nodesleuth.txt", NSTemporaryDirectory() + "escape-nodesleuth.txt", NSTemporaryDirectory() + "up-nodesleuth.txt",
                  "/tmp/pwned-nodesleuth", NSTemporaryDirectory() + "pwned-nodesleuth"] {
            #expect(!FileManager.default.fileExists(atPath: p), "\(p) was written")
        }
    }

    @Test("member path checks", arguments: [
        ("a/b/c", "a/b/c"), ("./a//b", "a/b"), ("a/../b", "b"), ("../x", nil), ("/etc/passwd", nil), ("a/../../x", nil),
    ] as [(String, String?)])
    func safeRelative(input: String, expected: String?) {
        #expect(BundleArchiveProbe.safe(input) == expected)
    }

    func tarball(_ setup: String) throws -> (dir: URL, tar: String) {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-arch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd '\(d.path)' && " + setup]
        try p.run(); p.waitUntilExit()
        return (d, d.appendingPathComponent("b.tar.gz").path)
    }

    @Test("a sparse member keeps its size and its holes")
    func sparse() throws {
        let (d, tar) = try tarball("mkdir -p s/var/log && printf x > s/var/log/j && truncate -s 64M s/var/log/j && printf end >> s/var/log/j && tar --sparse -czf b.tar.gz s")
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try BundleArchive.extract(path: tar, into: d.path) { _ in true }
        defer { BundleArchive.cleanup(r.directory) }
        let f = r.directory + "/s/var/log/j"
        var st = stat()
        #expect(stat(f, &st) == 0)
        #expect(st.st_size == 64 << 20 + 3)
        #expect(Int(st.st_blocks) * 512 < 1 << 20, "written densely: \(st.st_blocks) blocks")
        let h = try #require(FileHandle(forReadingAtPath: f))
        try h.seek(toOffset: UInt64(64 << 20))
        #expect(h.readDataToEndOfFile() == Data("end".utf8))
    }

    @Test("caps on extracted bytes and members stop the read with a warning, the input marked partial")
    func caps() throws {
        let (d, tar) = try tarball("mkdir -p s && for i in 1 2 3 4 5; do head -c 2000000 /dev/urandom > s/f$i; done && tar -czf b.tar.gz s")
        defer { try? FileManager.default.removeItem(at: d) }
        var lim = BundleArchive.Limits()
        lim.maxBytes = 3_000_000
        let r = try BundleArchive.extract(path: tar, into: d.path, limits: lim) { _ in true }
        BundleArchive.cleanup(r.directory)
        #expect(r.error?.contains("MiB extracted") == true)
        #expect(r.bytes <= 3_000_000)
        lim = BundleArchive.Limits(); lim.maxMembers = 2
        let m = try BundleArchive.extract(path: tar, into: d.path, limits: lim) { _ in true }
        BundleArchive.cleanup(m.directory)
        #expect(m.extracted == 2 && m.error?.contains("members") == true)
    }
}

@Suite("Archive fuzz regressions")
struct ArchiveFuzzRegressionTests {
    @Test("a damaged gzip tarball whose error has no message (FuzzArchive): an error, no trap")
    func errorWithoutMessage() throws {
        let dir = Fixtures.repo.appendingPathComponent("testdata/fuzz-regressions/FuzzArchive")
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ns-fz-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: tmp) }
            if let r = try? BundleArchive.extract(path: dir.appendingPathComponent(f).path, into: tmp.path, select: { _ in true }) {
                BundleArchive.cleanup(r.directory)
            }
            // and through the whole run, as `analyze` would see it
            let res = Ingestor().run(IngestRequest(path: dir.appendingPathComponent(f).path))
            #expect(!res.inputs.isEmpty)
        }
    }
}
