import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What PATH may be: an incident folder (sosreports and captures anywhere below it), several
/// nodes, a lone log of any name, standard input, compressed rotated logs.
@Suite("Incident folders, streams and names that say nothing")
struct IncidentFolderTests {
    static let seed = "testdata/bundles/seed-incident"

    func json(_ r: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func tmp(_ name: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test("the incident folder gives the same verdict and kills as the sosreport + --pcap form")
    func folderEqualsExplicit() throws {
        let folder = try json(try CLI.run(["analyze", Self.seed, "--format", "json"]))
        let explicit = try json(try CLI.run(["analyze", CLI.bundle, "--pcap", CLI.capture, "--format", "json"]))
        func kills(_ j: [String: Any]) -> [String] {
            (j["oom_kills"] as! [[String: Any]]).map { "\($0["victim_pid"]!) \($0["t_invoked"]!) \($0["kill_duration_s"]!) \($0["victim_threads"]!)" }
        }
        #expect(kills(folder).count == 3)
        #expect(kills(folder) == kills(explicit))
        let h1 = (folder["hypotheses"] as! [[String: Any]]).first!, h2 = (explicit["hypotheses"] as! [[String: Any]]).first!
        #expect(h1["id"] as? String == "oom-kill-stall")
        #expect(h1["id"] as? String == h2["id"] as? String)
        #expect(h1["score"] as? Double == h2["score"] as? Double)
        // the loose JSON files beside the bundle are not logs, and say so
        let inputs = folder["inputs"] as! [[String: Any]]
        #expect(inputs.contains { ($0["path"] as? String ?? "").hasSuffix("TRUTH.json") && $0["status"] as? String == "skipped" })
    }

    @Test("two sosreports under one folder: one report per node, a fleet summary, NDJSON one line per node")
    func twoNodes() throws {
        let d = try tmp("fleet")
        defer { try? FileManager.default.removeItem(at: d) }
        let fm = FileManager.default
        try fm.createDirectory(at: d.appendingPathComponent("a"), withIntermediateDirectories: true)
        try fm.createDirectory(at: d.appendingPathComponent("b"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.bundle).path, toPath: d.appendingPathComponent("a/sosreport-node7").path)
        try fm.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.bundle).path, toPath: d.appendingPathComponent("b/sosreport-node8").path)
        try fm.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.capture).path, toPath: d.appendingPathComponent("any.pcap").path)
        let j = try json(try CLI.run(["analyze", d.path, "--format", "json"]))
        let nodes = try #require(j["nodes"] as? [[String: Any]])
        #expect(nodes.count == 2)
        for n in nodes {
            #expect((n["oom_kills"] as? [Any])?.count == 3)
            #expect(((n["hypotheses"] as? [[String: Any]])?.first?["id"] as? String) == "oom-kill-stall")
        }
        #expect((j["fleet"] as? [Any])?.count == 2)
        let nd = try CLI.run(["analyze", d.path, "--format", "ndjson"])
        let lines = nd.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for l in lines { #expect((try? JSONSerialization.jsonObject(with: Data(l.utf8))) is [String: Any]) }
        let text = try CLI.run(["analyze", d.path])
        #expect(text.stdout.hasPrefix("Fleet: 2 nodes"))
        // `oom` lists every node's kills
        let oom = try json(try CLI.run(["oom", d.path, "--format", "json"]))
        #expect((oom["oom_kills"] as? [Any])?.count == 6)
    }

    @Test("standard input is read in full, through '-' and /dev/stdin")
    func stdin() throws {
        let dmesg = try Data(contentsOf: CLI.repo.appendingPathComponent(CLI.bundle + "/sos_commands/kernel/dmesg"))
        #expect(dmesg.count > 4096)
        for arg in ["-", "/dev/stdin"] {
            let r = try CLI.run(["oom", arg, "--format", "json"], stdin: dmesg)
            #expect(r.status == 0, "\(r.stderr)")
            let kills = try json(r)["oom_kills"] as? [[String: Any]]
            #expect(kills?.count == 3, "\(arg)")
        }
    }

    @Test("a raw dmesg under any name, a gzip'd rotated copy, a FIFO: read by content")
    func namesSayNothing() throws {
        let d = try tmp("names")
        defer { try? FileManager.default.removeItem(at: d) }
        let src = CLI.repo.appendingPathComponent(CLI.bundle + "/sos_commands/kernel/dmesg").path
        try FileManager.default.copyItem(atPath: src, toPath: d.appendingPathComponent("node7.log").path)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/sh")
        gz.arguments = ["-c", "gzip -c '\(CLI.repo.path)/\(CLI.bundle)/sos_commands/kernel/dmesg_-T' > '\(d.path)/messages.1.gz'"]
        try gz.run(); gz.waitUntilExit()
        let j = try json(try CLI.run(["oom", d.path, "--format", "json"]))
        let kills = try #require(j["oom_kills"] as? [[String: Any]])
        #expect(kills.count == 3)   // the same three kills in both files: merged
        for k in kills {
            let places = [k["source"] as? String ?? ""] + (k["also_seen_in"] as? [String] ?? [])
            #expect(places.contains { $0.contains("messages.1.gz") } && places.contains { $0.contains("node7.log") }, "\(places)")
        }
        let inputs = j["inputs"] as! [[String: Any]]
        #expect(inputs.contains { ($0["detail"] as? String ?? "").contains("gzip-compressed") })

        // a FIFO given with --dmesg: read to its end
        let fifo = d.appendingPathComponent("pipe").path
        let writer = try Self.fifo(fifo, fedFrom: src)
        let r = try CLI.run(["oom", fifo, "--format", "json"])
        writer.waitUntilExit()
        #expect((try json(r)["oom_kills"] as? [Any])?.count == 3)
    }

    /// Makes a FIFO at `path` and starts a writer copying `source` into it (wait for it after the read).
    static func fifo(_ path: String, fedFrom source: String) throws -> Process {
        #expect(mkfifo(path, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat '\(source)' > '\(path)'"]
        try writer.run()
        return writer
    }

    @Test("a capture streamed in (standard input, gzip on standard input, a FIFO) gives what the file gives; a stream that is no capture is an error")
    func streamedCapture() throws {
        let d = try tmp("stream")
        defer { try? FileManager.default.removeItem(at: d) }
        let capture = CLI.repo.appendingPathComponent(CLI.capture).path
        func summary(_ r: Run) throws -> (Int, Int, String) {
            let j = try json(r)
            let c = try #require((j["captures"] as? [[String: Any]])?.first)
            return (c["frames"] as? Int ?? -1, c["retransmissions_real"] as? Int ?? -1, ((j["inputs"] as? [[String: Any]])?.first?["detail"] as? String) ?? "")
        }
        let file = try summary(try CLI.run(["retrans", capture, "--format", "json"]))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: capture))
        let stdin = try summary(try CLI.run(["retrans", "-", "--format", "json"], stdin: bytes))
        #expect(stdin.0 == file.0 && stdin.1 == file.1 && stdin.2.hasPrefix("streamed"))
        let gz = d.appendingPathComponent("any.pcap.gz").path
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: "/bin/sh")
        zip.arguments = ["-c", "gzip -c '\(capture)' > '\(gz)'"]
        try zip.run(); zip.waitUntilExit()
        let gzIn = try summary(try CLI.run(["retrans", "-", "--format", "json"], stdin: try Data(contentsOf: URL(fileURLWithPath: gz))))
        #expect(gzIn.0 == file.0 && gzIn.1 == file.1 && gzIn.2.hasPrefix("gzip-compressed"))
        let fifo = d.appendingPathComponent("cap.fifo").path
        let writer = try Self.fifo(fifo, fedFrom: capture)
        let viaFifo = try summary(try CLI.run(["retrans", fifo, "--format", "json"]))
        writer.waitUntilExit()
        #expect(viaFifo.0 == file.0 && viaFifo.1 == file.1)
        let junk = try CLI.run(["retrans", "-"], stdin: Data("not a capture\n".utf8))
        #expect(junk.status == 2)
        #expect(junk.stderr.contains("no pcap or pcapng capture"))
        #expect(!junk.stderr.contains("no kernel log"), "retrans reads captures only")
    }

    @Test("a folder with no kernel log says so on stderr and names where it looked")
    func noKernelLog() throws {
        let d = try tmp("nolog")
        defer { try? FileManager.default.removeItem(at: d) }
        try FileManager.default.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.capture).path, toPath: d.appendingPathComponent("any.pcap").path)
        let r = try CLI.run(["analyze", d.path])
        #expect(r.stderr.contains("no kernel log found under \(d.path)"))
        #expect(r.stderr.contains("looked in"))
    }

    @Test("a file whose name is not UTF-8 is reported, escaped, never dropped silently")
    func nonUTF8Name() throws {
        let d = try tmp("names8")
        defer { try? FileManager.default.removeItem(at: d) }
        var path = Array((d.path + "/node7-").utf8) + [0xFF, 0xFE] + Array(".log".utf8) + [0]
        let fd = path.withUnsafeMutableBufferPointer { p in p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT, 0o600) } }
        #expect(fd >= 0)
        _ = "[ 1.0] x\n".withCString { write(fd, $0, 9) }
        close(fd)
        try "[ 2.0] Out of memory: Killed process 1 (a)\n".write(to: d.appendingPathComponent("ok.log"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["oom", d.path, "--format", "json"])
        let inputs = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])["inputs"] as? [[String: Any]]
        #expect(inputs?.contains { ($0["path"] as? String ?? "").hasSuffix("node7-\\xff\\xfe.log") && ($0["detail"] as? String ?? "").contains("not UTF-8") } == true, "\(String(describing: inputs))")
    }

    @Test("more journal files than free file descriptors: read in batches, no kill lost, and said")
    func manyJournalFiles() throws {
        let d = try tmp("journals")
        defer { try? FileManager.default.removeItem(at: d) }
        let j = CLI.repo.appendingPathComponent(CLI.bundle + "/var/log/journal")
        let file = try #require(FileManager.default.enumerator(atPath: j.path)?.compactMap { $0 as? String }.first { $0.hasSuffix(".journal") })
        for i in 0..<100 { try FileManager.default.copyItem(at: j.appendingPathComponent(file), to: d.appendingPathComponent("system@\(i).journal")) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -n 48 && exec '\(CLI.binary.path)' oom '\(d.path)' --format json"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["oom_kills"] as? [Any])?.count == 3)
        #expect((json["warnings"] as? [[String: Any]])?.contains { ($0["message"] as? String ?? "").contains("batches") } == true)
    }
}
