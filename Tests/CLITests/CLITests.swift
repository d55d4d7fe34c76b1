import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `nodesleuth` binary (it sits beside the test bundle in the build folder).
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: URL {
        if let env = ProcessInfo.processInfo.environment["NODESLEUTH_BIN"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("nodesleuth").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("nodesleuth")
    }

    static func run(_ args: [String], stdin: Data? = nil) throws -> Run {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = repo
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        if stdin != nil { p.standardInput = input }
        try p.run()
        if let stdin {
            // written from another thread: a pipe holds 64 KiB, the reader may not start at once
            let h = input.fileHandleForWriting
            Thread.detachNewThread { h.write(stdin); try? h.close() }
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static let bundle = "testdata/bundles/seed-incident/sosreport-node7"
    static let capture = "testdata/bundles/seed-incident/captures/any.pcap"
}

@Suite("nodesleuth binary")
struct CLITests {
    @Test("analyze on the demo bundle: oom-kill-stall first, names logstash, 300 threads, each kill duration, copies as copies")
    func demoJSON() throws {
        let r = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--format", "json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tool = try #require(json["tool"] as? [String: Any])
        #expect(tool["name"] as? String == "nodesleuth")
        let hyps = try #require(json["hypotheses"] as? [[String: Any]])
        #expect(hyps.first?["id"] as? String == "oom-kill-stall")
        #expect(hyps.map { $0["id"] as? String } .contains("capture-duplicates"))
        let summary = try #require(hyps.first?["summary"] as? String)
        #expect(summary.contains("logstash"))
        #expect(summary.contains("300 threads"))
        let kills = try #require(json["oom_kills"] as? [[String: Any]])
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.repo.appendingPathComponent("testdata/bundles/seed-incident/TRUTH.json"))) as! [String: Any]
        let truthKills = truth["kills"] as! [[String: Any]]
        #expect(kills.count == truthKills.count)
        for (k, t) in zip(kills, truthKills) {
            #expect(abs((k["kill_duration_s"] as! Double) - (t["duration"] as! Double)) < 1e-6)
            #expect(k["victim_threads"] as? Int == 300)
            #expect(k["scope"] as? String == "memcg")
            #expect(k["t_invoked"] as? String != nil)
            for key in ["invoker_comm", "invoker_pid", "victim_pid", "victim_comm", "victim_uid", "victim_oom_score_adj",
                        "anon_rss_kb", "file_rss_kb", "shmem_rss_kb", "total_vm_kb", "memcg", "task_memcg", "pod_uid",
                        "container_id", "victim_threads", "victim_threads_source", "t_invoked", "t_killed", "t_reaped",
                        "k_invoked", "k_killed", "k_reaped", "kill_duration_s", "reaped", "source"] {
                #expect(k.keys.contains(key), "missing \(key)")
            }
        }
        let caps = try #require(json["captures"] as? [[String: Any]])
        #expect(caps.first?["duplicate_copies"] as? Int == truth["copies"] as? Int)
        #expect(caps.first?["retransmissions_real"] as? Int == truth["real_retransmissions"] as? Int)
        #expect((caps.first?["retransmissions_wireshark"] as? Int ?? 0) > 1000)
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        #expect(Set(inputs.compactMap { $0["kind"] as? String }).isSuperset(of: ["journal-binary", "dmesg", "syslog", "ps", "pcap"]))
    }

    @Test("text output starts with the verdict")
    func demoText() throws {
        let r = try CLI.run([CLI.bundle, "--pcap", CLI.capture])   // analyze is the default subcommand
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("Verdict: oom-kill-stall"))
        #expect(r.stdout.contains("logstash"))
    }

    @Test("same inputs, byte-identical JSON")
    func stable() throws {
        let a = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--format", "json"])
        let b = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--format", "json"])
        #expect(a.stdout == b.stdout)
    }

    @Test("oom and retrans subcommands")
    func subcommands() throws {
        let o = try CLI.run(["oom", CLI.bundle + "/sos_commands/kernel/dmesg", "--format", "json"])
        #expect(o.status == 0)
        let oj = try #require(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        #expect((oj["oom_kills"] as? [Any])?.count == 3)
        let t = try CLI.run(["retrans", CLI.capture, "--format", "json"])
        #expect(t.status == 0)
        let tj = try #require(try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as? [String: Any])
        let events = try #require(tj["events"] as? [[String: Any]])
        #expect(events.contains { $0["copy_of"] is Int })
        #expect(events.filter { $0["copy_of"] is NSNull }.count == 26)
        let w = try CLI.run(["retrans", CLI.capture, "--wireshark-compatible", "--format", "json"])
        let wj = try #require(try JSONSerialization.jsonObject(with: Data(w.stdout.utf8)) as? [String: Any])
        let cap = try #require((wj["captures"] as? [[String: Any]])?.first)
        #expect(cap["retransmissions_real"] as? Int == cap["retransmissions_wireshark"] as? Int)
    }

    @Test("exit status: 2 when nothing could be read, 64 for usage errors")
    func exitCodes() throws {
        #expect(try CLI.run(["analyze", "/nonexistent/bundle"]).status == 2)
        #expect(try CLI.run(["analyze"]).status == 64)
        #expect(try CLI.run(["analyze", "--format", "yaml", CLI.bundle]).status == 64)
    }

    @Test("--output refuses to write into the bundle it reads")
    func neverWritesIntoBundle() throws {
        let r = try CLI.run(["analyze", CLI.bundle, "--output", CLI.bundle + "/report.txt"])
        #expect(r.status == 64)
        #expect(!FileManager.default.fileExists(atPath: CLI.repo.appendingPathComponent(CLI.bundle + "/report.txt").path))
    }
}

@Suite("Terminal output")
struct TerminalTests {
    @Test("lines fit 100 columns (an unbreakable path excepted); no colour when not a terminal")
    func width() throws {
        let r = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture])
        for l in r.stdout.split(separator: "\n") where l.count > 100 {
            let lastToken = l.split(separator: " ").last ?? ""
            #expect(lastToken.count > 60, "too wide: \(l)")
        }
        #expect(!r.stdout.contains("\u{1B}["))
    }

    @Test("--color always colours, --quiet prints the verdict only")
    func colorAndQuiet() throws {
        let c = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--color", "always"])
        #expect(c.stdout.contains("\u{1B}[1mVerdict:"))
        let q = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--quiet"])
        #expect(q.stdout.hasPrefix("Verdict: oom-kill-stall"))
        #expect(!q.stdout.contains("Hypotheses"))
    }

    @Test("help shows examples and exit codes")
    func help() throws {
        let h = try CLI.run(["--help"])
        #expect(h.stdout.contains("Examples:") && h.stdout.contains("Exit status"))
        for sub in ["analyze", "oom", "retrans"] {
            #expect(try CLI.run([sub, "--help"]).stdout.contains("Examples:"))
        }
    }
}

@Suite("--since / --until")
struct WindowTests {
    @Test("absolute and relative limits keep only the events inside")
    func limits() throws {
        let a = try CLI.run(["oom", CLI.bundle, "--format", "json"])
        #expect(a.status == 0)
        let r = try CLI.run(["analyze", CLI.bundle, "--since", "2024-03-05T01:53:00Z", "--until", "2024-03-05T01:55:00Z", "--format", "json"])
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect((j["oom_kills"] as! [[String: Any]]).map { $0["victim_pid"] as! Int } == [5517])
        let rel = try CLI.run(["analyze", CLI.bundle, "--since=-1m", "--format", "json"])
        let jr = try JSONSerialization.jsonObject(with: Data(rel.stdout.utf8)) as! [String: Any]
        #expect((jr["oom_kills"] as! [[String: Any]]).map { $0["victim_pid"] as! Int } == [6803])
        #expect(try CLI.run(["analyze", CLI.bundle, "--since", "yesterday"]).status == 64)
        // as journalctl takes them: a relative time after a space, a time without a zone in the
        // node's zone (the demo node is in Asia/Shanghai, UTC+8: 09:55 there is 01:55Z), seconds optional
        for args in [["--since", "-1m"], ["--since", "2024-03-05 09:55:00"], ["--since", "2024-03-05 09:55"]] {
            let x = try CLI.run(["analyze", CLI.bundle, "--format", "json"] + args)
            let jx = try JSONSerialization.jsonObject(with: Data(x.stdout.utf8)) as! [String: Any]
            #expect((jx["oom_kills"] as! [[String: Any]]).map { $0["victim_pid"] as! Int } == [6803], "\(args)")
            if args[1].hasPrefix("2024") {
                let w = jx["window"] as? [String: Any]
                #expect(w?["since"] as? String == "2024-03-05T01:55:00.000000Z")
                #expect((w?["note"] as? String)?.contains("node's time zone Asia/Shanghai (UTC+08:00)") == true)
            }
        }
        // no zone known (a lone log): read as UTC, and said so
        let lone = try CLI.run(["analyze", "--dmesg", CLI.bundle + "/sos_commands/kernel/dmesg", "--since", "2024-03-05 01:55", "--format", "json"])
        let jl = try JSONSerialization.jsonObject(with: Data(lone.stdout.utf8)) as! [String: Any]
        let wl = jl["window"] as? [String: Any]
        #expect(wl?["since"] as? String == "2024-03-05T01:55:00.000000Z")
        #expect((wl?["note"] as? String)?.contains("read as UTC: the node's time zone is not known") == true)
    }
}

@Suite("Nothing changed")
struct ReadOnlyTests {
    /// SHA-like digest of every file (path, size, bytes) under a directory, symlinks as their targets.
    func digest(_ root: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: root.path) else { return out }
        for case let rel as String in e {
            let p = root.appendingPathComponent(rel).path
            if let t = try? fm.destinationOfSymbolicLink(atPath: p) { out[rel] = "link:" + t; continue }
            var isDir: ObjCBool = false
            fm.fileExists(atPath: p, isDirectory: &isDir)
            if isDir.boolValue { out[rel] = "dir"; continue }
            let d = try Data(contentsOf: URL(fileURLWithPath: p))
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in d { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            var st = stat()
            lstat(p, &st)
            out[rel] = "\(d.count):\(h):mtime \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
        return out
    }

    @Test("analyze leaves the bundle byte for byte as it was, mtimes too")
    func unchanged() throws {
        let root = CLI.repo.appendingPathComponent("testdata/bundles/seed-incident")
        let before = try digest(root)
        for format in ["text", "json", "html"] {
            let r = try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--format", format])
            #expect(r.status == 0)
        }
        let r = try CLI.run(["analyze", "testdata/bundles/seed-incident", "--format", "ndjson"])
        #expect(r.status == 0)
        #expect(try digest(root) == before)
    }

    @Test("FIFOs and devices inside a bundle are skipped with a warning: the run neither hangs nor reads forever")
    func specialFiles() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-special-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent(CLI.bundle), to: d)
        defer { try? FileManager.default.removeItem(at: d) }
        let ps = d.appendingPathComponent("sos_commands/process/ps_auxwwwm").path
        try FileManager.default.removeItem(atPath: ps)
        #expect(mkfifo(ps, 0o600) == 0)
        #expect(mkfifo(d.appendingPathComponent("var/log/messages").path, 0o600) == 0)
        let zero = d.appendingPathComponent("var/log/syslog").path
        let haveDevice = mknod(zero, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0   // /dev/zero's numbers; needs root
        let start = Date()
        let r = try CLI.run(["analyze", d.path, "--format", "json"])
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(r.status == 0)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((j["oom_kills"] as? [Any])?.count == 3)
        let text = r.stdout
        #expect(text.contains("ps_auxwwwm") && text.contains("FIFO"))
        if haveDevice { #expect(text.contains("character device")) }
    }
}

@Suite("Output never touches the evidence")
struct OutputSafetyTests {
    @Test("-o onto an input, into an input folder, or through a link into it: refused before any analysis")
    func refused() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-out-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        let cap = d.appendingPathComponent("any.pcap")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent(CLI.capture), to: cap)
        let bundle = d.appendingPathComponent("sos")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent(CLI.bundle), to: bundle)
        try FileManager.default.createSymbolicLink(atPath: d.appendingPathComponent("link").path, withDestinationPath: bundle.path)
        let before = try Data(contentsOf: cap)
        for (args, out) in [(["--pcap", cap.path], cap.path), ([bundle.path], bundle.path + "/r.txt"), ([bundle.path], d.path + "/link/r.txt")] {
            let r = try CLI.run(["analyze"] + args + ["-o", out])
            #expect(r.status == 64, "\(out)")
            #expect(r.stderr.contains("never writes into what it reads"), "\(r.stderr)")
        }
        #expect(try Data(contentsOf: cap) == before)
        #expect(!FileManager.default.fileExists(atPath: bundle.path + "/r.txt"))
    }

    @Test("-o /dev/null stays a device; a full disk is exit 3 with a message, not a trap")
    func devices() throws {
        let r = try CLI.run(["analyze", CLI.bundle, "-o", "/dev/null"])
        #expect(r.status == 0)
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        if FileManager.default.fileExists(atPath: "/dev/full") {
            let full = try CLI.run(["analyze", CLI.bundle, "-o", "/dev/full"])
            #expect(full.status == 3)
            #expect(full.stderr.contains("cannot write the report"))
        }
    }

    @Test("retrans --frames on a file it cannot read: an error and exit 2, not an empty table")
    func framesUnreadable() throws {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("ns-notpcap-\(UUID().uuidString.prefix(8)).pcap")
        try "not a capture\n".write(to: f, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: f) }
        let r = try CLI.run(["retrans", f.path, "--frames"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(f.path))
    }
}

@Suite("Streamed retransmission events")
struct StreamedEventsTests {
    @Test("retrans --format json writes the events piece by piece: valid JSON, every event, the same as the capture holds")
    func streamed() throws {
        let r = try CLI.run(["retrans", CLI.capture, "--format", "json"])
        #expect(r.status == 0)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let events = try #require(j["events"] as? [[String: Any]])
        let caps = try #require(j["captures"] as? [[String: Any]])
        // the Wireshark view's retransmissions: the real ones plus the copies flagged as such
        #expect(events.count == caps[0]["retransmissions_wireshark"] as? Int)
        #expect(events.filter { $0["copy_of"] is NSNull }.count == caps[0]["retransmissions_real"] as? Int)
    }

    @Test("--format html is refused where there is no HTML report")
    func noHTML() throws {
        #expect(try CLI.run(["retrans", CLI.capture, "--format", "html"]).status == 64)
        #expect(try CLI.run(["oom", CLI.bundle, "--format", "html"]).status == 64)
    }
}
