import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a user who is not root meets in a bundle copied from a node: folders and files only root
/// may read. Each is reported with its path and the reason, and everything else is read. Run as
/// root, the test drops to `nobody` with setpriv(1) for the binary (root reads everything).
@Suite("Unreadable parts of a bundle (run as nobody)")
struct UnprivilegedReadTests {
    @Test("an unlistable folder and an unreadable log are named in the report; the rest is read and the kills found")
    func unreadableParts() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            print("skipped: needs root and setpriv(1) to run the binary as nobody")
            return
        }
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: "/tmp/nodesleuth-unpriv-\(getpid())")
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer {
            _ = chmod(dir.path + "/b/sos_commands/logs", 0o755)
            try? fm.removeItem(at: dir)
        }
        // a copy of the demo bundle, world-readable, with its journalctl text folder closed and
        // its dmesg unreadable; its other logs (var/log/journal) still hold the kills
        let b = dir.appendingPathComponent("b")
        try fm.copyItem(at: CLI.repo.appendingPathComponent(CLI.bundle), to: b)
        _ = chmod(dir.path, 0o755)
        if let e = fm.enumerator(atPath: b.path) {
            for case let rel as String in e {
                let p = b.path + "/" + rel
                var st = stat()
                if lstat(p, &st) == 0 { _ = chmod(p, (st.st_mode & S_IFMT) == S_IFDIR ? 0o755 : 0o644) }
            }
        }
        _ = chmod(b.path, 0o755)
        _ = chmod(b.path + "/sos_commands/kernel/dmesg", 0o600)
        _ = chmod(b.path + "/sos_commands/logs", 0o700)
        _ = chmod(b.path + "/proc/vmstat", 0o600)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "oom", b.path, "--format", "json"]
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: o) as? [String: Any])
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        func input(_ suffix: String) -> [String: Any]? { inputs.first { ($0["path"] as? String)?.hasSuffix(suffix) == true } }
        let logs = try #require(input("sos_commands/logs"), "the closed folder is listed among the inputs")
        #expect((logs["detail"] as? String)?.contains("Permission denied") == true)
        let dmesg = try #require(input("sos_commands/kernel/dmesg"), "the unreadable dmesg is listed among the inputs")
        #expect(dmesg["status"] as? String != "read")
        #expect((dmesg["detail"] as? String)?.contains("Permission denied") == true)
        let vmstat = try #require(input("proc/vmstat"), "the unreadable vmstat is listed among the inputs")
        #expect(vmstat["status"] as? String == "unreadable")
        // the journal files were readable: the demo's three kills are still found
        #expect((json["oom_kills"] as? [[String: Any]])?.count == 3)
        #expect((json["warnings"] as? [[String: Any]])?.contains { $0["code"] as? String == "input.unreadable" } == true)

        // the incident folder around it, with a folder of its own closed: named too
        try fm.createDirectory(atPath: dir.path + "/notes", withIntermediateDirectories: true)
        _ = chmod(dir.path + "/notes", 0o700)
        let q = Process()
        q.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        q.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "analyze", dir.path, "--format", "json"]
        let out2 = Pipe()
        q.standardOutput = out2; q.standardError = FileHandle.nullDevice
        try q.run()
        let o2 = out2.fileHandleForReading.readDataToEndOfFile()
        q.waitUntilExit()
        let j2 = try #require(try JSONSerialization.jsonObject(with: o2) as? [String: Any])
        let in2 = try #require(j2["inputs"] as? [[String: Any]])
        let notes = try #require(in2.first { ($0["path"] as? String)?.hasSuffix("/notes") == true }, "the closed folder of the incident folder is listed")
        #expect(notes["status"] as? String == "unreadable")
    }
}

/// Progress is for a person watching a terminal: on stderr, each line cleared before the next,
/// nothing left at the end; never in a pipe or a file.
@Suite("Progress on a terminal")
struct ProgressTests {
    @Test("a journal read on a terminal shows its progress and clears it; through a pipe nothing is shown")
    func journalProgress() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("skipped: script(1) is needed to give the binary a terminal")
            return
        }
        let out = "/tmp/nodesleuth-progress-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "'\(CLI.binary.path)' oom '\(CLI.repo.appendingPathComponent(CLI.bundle).path)' --format json -o '\(out)'", "/dev/null"]
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = FileHandle.nullDevice
        try p.run()
        let terminal = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(terminal.contains("checking journal file 1 of 1"))
        #expect(terminal.hasSuffix("\r\u{1B}[K"), "the last progress line is cleared")
        // the report itself is complete
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        #expect((j?["oom_kills"] as? [Any])?.count == 3)
        // not a terminal: no progress at all
        let piped = try CLI.run(["oom", CLI.bundle, "--format", "json"])
        #expect(!piped.stderr.contains("checking journal file") && !piped.stderr.contains("\u{1B}[K"))
    }
}
