import Foundation
import Testing

/// The demo incident (truth: logstash OOM kills stall the node), perturbed the way real bundles
/// are imperfect. Each run must give the right verdict, or say `inconclusive` with a reason:
/// never a wrong verdict with a score of 0.5 or more.
@Suite("Perturbed bundles: the right verdict or an honest 'inconclusive'")
struct PerturbationTests {
    static let sos = "sosreport-node7"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var remove: [String] = []
        var args: [String] = []
        /// nil: right or inconclusive; true: must be the right verdict, conclusive; false: must be inconclusive
        var mustConclude: Bool? = nil
        var reason: String? = nil
        var edit: (@Sendable (URL) throws -> Void)? = nil
        var testDescription: String { name }
    }

    static let noJournalCopies = ["var/log/journal", "sos_commands/kernel/dmesg_-T", "sos_commands/logs/journalctl_--no-pager",
                                  "sos_commands/logs/journalctl_--no-pager_--boot", "sos_commands/logs/journalctl_--no-pager_--boot_-1"]

    static let cases: [Case] = [
        Case(name: "as collected", mustConclude: true),
        Case(name: "no binary journal", remove: ["var/log/journal"], mustConclude: true),
        Case(name: "no journal, no dmesg -T", remove: ["var/log/journal", "sos_commands/kernel/dmesg_-T"], mustConclude: true),
        Case(name: "raw dmesg only, btime and uptime", remove: noJournalCopies, mustConclude: true),
        Case(name: "raw dmesg only, no manifest", remove: noJournalCopies + ["sos_reports"], mustConclude: true),
        Case(name: "raw dmesg only, uptime + date only (± 60 s)", remove: noJournalCopies + ["sos_reports", "proc/stat"], mustConclude: false, reason: "kernel clock is known only to"),
        Case(name: "raw dmesg only, no boot time at all", remove: noJournalCopies + ["sos_reports", "proc/stat", "sos_commands/host/uptime"], mustConclude: false, reason: "could not be placed"),
        Case(name: "raw dmesg only, no date files (btime still exact)", remove: noJournalCopies + ["sos_commands/date"], mustConclude: true),
        Case(name: "journalctl text only, zone file a regular TZif copy", remove: ["var/log/journal", "sos_commands/kernel"], mustConclude: true, edit: { root in
            let lt = root.appendingPathComponent("\(sos)/etc/localtime")
            try FileManager.default.removeItem(at: lt)
            try FileManager.default.copyItem(at: root.appendingPathComponent("\(sos)/usr/share/zoneinfo/Asia/Shanghai"), to: lt)
        }),
        Case(name: "journalctl text only, no zone file (date vs date --utc gives it)", remove: ["var/log/journal", "sos_commands/kernel", "etc/localtime"], mustConclude: true),
        Case(name: "journalctl text only, no zone and no date files", remove: ["var/log/journal", "sos_commands/kernel", "etc/localtime", "sos_commands/date", "sos_reports"], mustConclude: false),
        Case(name: "no kernel log at all", remove: ["var/log/journal", "sos_commands/kernel", "sos_commands/logs"], mustConclude: false, reason: "no kernel log"),
        Case(name: "capture clock 3 s off", args: ["--pcap-offset", "3"]),
        Case(name: "capture clock 30 s off", args: ["--pcap-offset", "30"], mustConclude: false),
        Case(name: "client timeout times added", args: ["--symptom-times", "SYMPTOMS"], mustConclude: true),
        Case(name: "a capture from a day the logs do not cover", args: ["--pcap-offset", "86400"], mustConclude: false, reason: "no kernel log covers"),
    ]

    func copySeed() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-perturb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("testdata/bundles/seed-incident"), to: d)
        // the generator's own files are not part of what a user has
        for f in ["TRUTH.json", "FIXTURE.json"] { try? FileManager.default.removeItem(at: d.appendingPathComponent(f)) }
        return d
    }

    @Test(arguments: cases)
    func perturbed(_ c: Case) throws {
        let d = try copySeed()
        defer { try? FileManager.default.removeItem(at: d) }
        for rel in c.remove { try? FileManager.default.removeItem(at: d.appendingPathComponent("\(Self.sos)/\(rel)")) }
        try c.edit?(d)
        var args = ["analyze", d.path, "--format", "json"] + c.args
        if let i = args.firstIndex(of: "SYMPTOMS") {
            // the client's own timeout log: late (1-3 s after each stall) and whole seconds
            let f = d.appendingPathComponent("timeouts.txt")
            try "2024-03-05T01:51:42Z\n2024-03-05T01:51:43Z\n2024-03-05T01:53:52Z\n2024-03-05T01:53:53Z\n2024-03-05T01:56:12Z\n".write(to: f, atomically: true, encoding: .utf8)
            args[i] = f.path
        }
        let r = try CLI.run(args)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let v = try #require(j["verdict"] as? [String: Any])
        let id = v["id"] as? String, status = v["status"] as? String, score = v["score"] as? Double ?? 0
        let reasons = (v["reasons"] as? [String]) ?? []
        // never a confident wrong answer
        if status == "conclusive" { #expect(id == "oom-kill-stall", "\(c.name): \(String(describing: id)) \(score)") }
        if id != "oom-kill-stall" && score >= 0.5 { #expect(status != "conclusive", "\(c.name)") }
        switch c.mustConclude {
        case true?: #expect(status == "conclusive" && id == "oom-kill-stall", "\(c.name): \(String(describing: id)) \(String(describing: status)) \(reasons)")
        case false?: #expect(status == "inconclusive", "\(c.name): \(String(describing: id)) \(String(describing: status))")
        case nil: break
        }
        if let want = c.reason { #expect(reasons.contains { $0.contains(want) }, "\(c.name): \(reasons)") }
    }

    @Test("the bundle as a tarball beside the capture gives the same verdict")
    func tarball() throws {
        let d = try copySeed()
        defer { try? FileManager.default.removeItem(at: d) }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/sh")
        tar.arguments = ["-c", "cd '\(d.path)' && tar czf sosreport-node7.tar.gz \(Self.sos) && rm -rf \(Self.sos)"]
        try tar.run(); tar.waitUntilExit()
        let r = try CLI.run(["analyze", d.path, "--format", "json"])
        let v = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["verdict"] as? [String: Any])
        #expect(v["id"] as? String == "oom-kill-stall")
        #expect(v["status"] as? String == "conclusive")
    }

    @Test("the capture split in two files gives the same verdict")
    func splitCapture() throws {
        let d = try copySeed()
        defer { try? FileManager.default.removeItem(at: d) }
        let cap = d.appendingPathComponent("captures/any.pcap")
        let bytes = [UInt8](try Data(contentsOf: cap))
        // classic pcap: 24-byte header, then 16-byte record headers (incl_len at +8, little-endian here)
        var offs: [Int] = []
        var i = 24
        while i + 16 <= bytes.count {
            offs.append(i)
            let incl = Int(bytes[i + 8]) | Int(bytes[i + 9]) << 8 | Int(bytes[i + 10]) << 16 | Int(bytes[i + 11]) << 24
            i += 16 + incl
        }
        let mid = offs[offs.count / 2]
        try Data(bytes[0..<mid]).write(to: d.appendingPathComponent("captures/part1.pcap"))
        try Data(bytes[0..<24] + bytes[mid...]).write(to: d.appendingPathComponent("captures/part2.pcap"))
        try FileManager.default.removeItem(at: cap)
        let r = try CLI.run(["analyze", d.path, "--format", "json"])
        let v = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["verdict"] as? [String: Any])
        #expect(v["id"] as? String == "oom-kill-stall", "\(v)")
        #expect(v["status"] as? String == "conclusive")
    }

    @Test("two capture points holding the same traffic: real retransmissions counted once")
    func twoCapturePoints() throws {
        let d = try copySeed()
        defer { try? FileManager.default.removeItem(at: d) }
        try FileManager.default.copyItem(at: d.appendingPathComponent("captures/any.pcap"), to: d.appendingPathComponent("captures/veth.pcap"))
        let r = try CLI.run(["analyze", d.path, "--format", "json"])
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let bursts = try #require(j["bursts"] as? [[String: Any]])
        #expect(bursts.reduce(0) { $0 + ($1["retransmissions"] as? Int ?? 0) } == 26)   // TRUTH.json: 26 real retransmissions
        #expect((j["verdict"] as? [String: Any])?["id"] as? String == "oom-kill-stall")
        // two capture points that saw the same packets: every original reached "the other one"
        let ends = try #require(j["both_ends"] as? [String: Any])
        #expect(ends["lost_between"] as? Int == 0)
        #expect((ends["checked"] as? Int ?? 0) > 0 && ends["checked"] as? Int == ends["reached_other_end"] as? Int)
    }

    @Test("a soft lockup placed only by uptime (± 30 s) is not blamed confidently; with dmesg -T it is placed to a second")
    func coarseLockup() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-lockup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("testdata/bundles/soft-lockup"), to: d)
        defer { try? FileManager.default.removeItem(at: d) }
        for f in ["TRUTH.json", "FIXTURE.json"] { try? FileManager.default.removeItem(at: d.appendingPathComponent(f)) }
        let sos = try #require(try FileManager.default.contentsOfDirectory(atPath: d.path).first { $0.hasPrefix("sosreport") })
        try FileManager.default.removeItem(at: d.appendingPathComponent("\(sos)/proc/stat"))
        try? FileManager.default.removeItem(at: d.appendingPathComponent("\(sos)/sos_reports"))
        // (with dmesg -T beside the raw dmesg the boot is still pinned to a second: conclusive is right)
        let pinned = try CLI.run(["analyze", d.path, "--format", "json"])
        #expect(((try JSONSerialization.jsonObject(with: Data(pinned.stdout.utf8)) as? [String: Any])?["verdict"] as? [String: Any])?["status"] as? String == "conclusive")
        try FileManager.default.removeItem(at: d.appendingPathComponent("\(sos)/sos_commands/kernel/dmesg_-T"))
        let r = try CLI.run(["analyze", d.path, "--format", "json"])
        let v = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["verdict"] as? [String: Any])
        #expect(v["status"] as? String == "inconclusive", "\(v)")
        #expect((v["reasons"] as? [String])?.contains { $0.contains("kernel clock is known only to") } == true, "\(v)")
    }
}

@Suite("Interrupted runs")
struct InterruptTests {
    @Test("SIGTERM while a tarball is being extracted: the private directory is removed, exit 143")
    func sigterm() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ns-sig-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        // a bundle whose messages file takes a while to extract (compresses to almost nothing)
        let mk = Process()
        mk.executableURL = URL(fileURLWithPath: "/bin/sh")
        mk.arguments = ["-c", "cd '\(d.path)' && cp -r '\(CLI.repo.path)/\(CLI.bundle)' s && yes 'Mar  5 09:51:40 node7 systemd[1]: Started Session 1 of user core.' | head -c 600000000 > s/var/log/messages && tar czf b.tar.gz s && rm -rf s"]
        try mk.run(); mk.waitUntilExit()
        let tmp = d.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["analyze", d.appendingPathComponent("b.tar.gz").path]
        p.environment = ["TMPDIR": tmp.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // wait until the extraction directory exists, then interrupt
        var started = false
        for _ in 0..<200 {
            if ((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).contains(where: { $0.hasPrefix("nodesleuth-bundle.") }) { started = true; break }
            usleep(20_000)
        }
        #expect(started)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 143)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).filter { $0.hasPrefix("nodesleuth-bundle.") }.isEmpty)
    }
}
