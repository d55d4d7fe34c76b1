import Foundation
import Testing

/// Issue #16, through the binary: what the on-call engineer sees (HTML lanes, stderr first,
/// --help at 80 columns, stable JSON codes, the window at the top and in the counts).
enum UX {
    /// Runs the binary with stdout and stderr into one pipe (their order as a terminal shows
    /// it) and extra environment.
    static func merged(_ args: [String], env: [String: String] = [:]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.currentDirectoryURL = CLI.repo
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: d, as: UTF8.self))
    }

    static func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLI.run(args + ["--format", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-ux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static let folder = "testdata/bundles/seed-incident"
}

@Suite("Reports for the on-call engineer (#16)")
struct ReportUXTests {
    @Test("HTML of the demo folder: kills, real retransmissions and copies in lanes of their own; nothing empty, no backtick")
    func html() throws {
        let r = try CLI.run(["analyze", UX.folder, "--format", "html"])
        #expect(r.status == 0)
        let h = r.stdout
        for lane in ["oom", "real", "copies", "symptoms"] { #expect(h.contains("<g class=\"lane\" data-lane=\"\(lane)\">"), "\(lane)") }
        #expect(!h.contains("data-lane=\"events\""), "the demo has no other kernel events: no lane for them")
        // every lane has marks
        for part in h.components(separatedBy: "<g class=\"lane\"").dropFirst() {
            let lane = part.components(separatedBy: "</g>")[0]
            #expect(lane.contains("class=\"mark\""), "\(lane.prefix(80))")
        }
        // the real lane's scale is the largest count of real retransmissions in one bin: 8 in
        // the 2 s bin of the second kill (the copies reach 16 and have their own scale)
        #expect(h.contains("max 8 per 2 s bin<"))
        #expect(h.contains("max 16 per 2 s bin, own scale"))
        let body = h[h.range(of: "<body>")!.upperBound...]
        #expect(!body.contains("`"))
        #expect(body.contains("<code>tcpdump -i any</code>"))
        #expect(h.contains("Not supported by the inputs (score 0):"))
        #expect(h.components(separatedBy: "<div class=\"hyp\"").count - 1 == 3, "the three hypotheses that scored get cards")
        #expect(h.contains("@i=5]</span>") && h.contains("title=\"testdata/bundles/seed-incident/sosreport-node7/var/log/journal@s="))
    }

    @Test("HTML of two nodes named alike: one section each, anchors that do not collide")
    func fleetHTML() throws {
        let d = try UX.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let fm = FileManager.default
        for sub in ["a", "b"] {
            try fm.createDirectory(at: d.appendingPathComponent(sub), withIntermediateDirectories: true)
            try fm.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.bundle).path, toPath: d.appendingPathComponent(sub + "/sosreport-node7").path)
        }
        let h = try CLI.run(["analyze", d.path, "--format", "html"]).stdout
        #expect(h.contains("<h1>2 nodes</h1>"))
        #expect(h.contains("<a href=\"#node-1\">") && h.contains("<a href=\"#node-2\">"))
        #expect(h.components(separatedBy: "<section id=\"node-").count == 3)
        #expect(h.components(separatedBy: "<!DOCTYPE").count == 2, "one document")
    }

    @Test("problems that weaken the run are on stderr before the report")
    func stderrFirst() throws {
        let d = try UX.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        try FileManager.default.copyItem(atPath: CLI.repo.appendingPathComponent(CLI.capture).path, toPath: d.appendingPathComponent("any.pcap").path)
        let r = try UX.merged(["analyze", d.path])
        #expect(r.status == 0)
        let note = try #require(r.out.range(of: "no kernel log found under \(d.path)"))
        let verdict = try #require(r.out.range(of: "Verdict: inconclusive"))
        #expect(note.lowerBound < verdict.lowerBound, "\(r.out.prefix(400))")
        // nothing readable: said once, before the (empty) report, exit 2
        let e = try UX.tempDir()
        defer { try? FileManager.default.removeItem(at: e) }
        try Data().write(to: e.appendingPathComponent("empty"))
        let n = try UX.merged(["analyze", e.path])
        #expect(n.status == 2)
        #expect(n.out.components(separatedBy: "no input could be read").count == 2, "\(n.out)")
        #expect(n.out.range(of: "no input could be read")!.lowerBound < (n.out.range(of: "Inputs (")?.lowerBound ?? n.out.endIndex))
        // a capture cut short: its warning counted on stderr, before the report
        var cut = try Data(contentsOf: CLI.repo.appendingPathComponent(CLI.capture))
        cut.removeLast(37)
        try cut.write(to: e.appendingPathComponent("cut.pcap"))
        let c = try UX.merged(["analyze", "--pcap", e.appendingPathComponent("cut.pcap").path])
        let count = try #require(c.out.firstRange(of: #/nodesleuth: \d+ warnings? about the inputs, listed in the report/#))
        #expect(count.lowerBound < c.out.range(of: "Verdict:")!.lowerBound)
        // nothing on stderr for the clean demo
        #expect(try CLI.run(["analyze", UX.folder]).stderr.isEmpty)
    }

    @Test("--help at 80 columns: no line over 80 but the usage line, paragraphs wrapped evenly", arguments: [[], ["analyze"], ["oom"], ["retrans"]])
    func help(sub: [String]) throws {
        let r = try UX.merged(sub + ["--help"], env: ["COLUMNS": "80"])
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for l in lines where !l.hasPrefix("USAGE:") { #expect(l.count <= 80, "too wide: \(l)") }
        // a paragraph line (not indented) followed by another one must have been full: the next
        // line's first word would not have fitted after it (hand-wrapped text breaks early; the
        // parser keeps lines under 80 columns)
        for (a, b) in zip(lines, lines.dropFirst()) where !a.isEmpty && !b.isEmpty && !a.hasPrefix(" ") && !b.hasPrefix(" ") && !a.hasSuffix(":") && !a.hasPrefix("USAGE") {
            let next = b.split(separator: " ").first.map(String.init) ?? ""
            #expect(a.count + 1 + next.count >= 80, "ragged: \"\(a)\" then \"\(b)\"")
        }
    }

    @Test("JSON: warnings and verdict reasons carry stable codes; the capture offset suggestion is a field")
    func codes() throws {
        // the capture alone: no kernel log
        let j = try UX.json(["analyze", "--pcap", CLI.capture])
        let v = try #require(j["verdict"] as? [String: Any])
        let details = try #require(v["reason_details"] as? [[String: Any]])
        #expect(details.count == (v["reasons"] as? [Any])?.count)
        #expect(details.map { $0["code"] as? String } == ["no-kernel-log"])
        #expect(details[0]["message"] as? String == (v["reasons"] as? [String])?.first)
        #expect(j["suggested_pcap_offset_s"] is NSNull && j["pcap_offset_s"] as? Double == 0)
        // the clock-offset scenario: the suggestion as a number, its warning and reason coded
        let o = try Scenarios.analyze("clock-offset")
        let hint = try Scenarios.truth("clock-offset")["pcap_offset_hint"] as! Double
        let suggested = try #require(o["suggested_pcap_offset_s"] as? Double)
        #expect(abs(suggested - hint) <= 1.0)
        let ws = try #require(o["warnings"] as? [[String: Any]])
        let w = try #require(ws.first { $0["code"] as? String == "capture.clock-offset" })
        #expect((w["message"] as? String)?.contains("--pcap-offset=") == true)
        // every warning of every scenario and of a damaged-input run has a code from a site
        for name in Scenarios.names {
            for w in try Scenarios.analyze(name)["warnings"] as! [[String: Any]] {
                #expect(w["code"] as? String != nil && w["code"] as? String != "unclassified", "\(name): \(w)")
            }
        }
        let d = try UX.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        var cut = try Data(contentsOf: CLI.repo.appendingPathComponent(CLI.capture))
        cut.removeLast(37)
        try cut.write(to: d.appendingPathComponent("cut.pcap"))
        let c = try UX.json(["analyze", "--pcap", d.appendingPathComponent("cut.pcap").path])
        #expect((c["warnings"] as! [[String: Any]]).contains { $0["code"] as? String == "capture.truncated" })
    }

    @Test("--since: the window is stated at the top (text, HTML, JSON) and the capture counts are the window's")
    func window() throws {
        let since = "2024-03-05T01:54:30Z"
        let t = try CLI.run(["analyze", UX.folder, "--since", since])
        let w = try #require(t.stdout.range(of: "Window: only 2024-03-05T01:54:30.000000Z – the end"))
        #expect(w.lowerBound < t.stdout.range(of: "Hypotheses")!.lowerBound)
        let h = try CLI.run(["analyze", UX.folder, "--since", since, "--format", "html"]).stdout
        #expect(h.range(of: "<b>Window:</b>")!.lowerBound < h.range(of: "<h2>Timeline")!.lowerBound)
        let all = try UX.json(["analyze", UX.folder])
        let part = try UX.json(["analyze", UX.folder, "--since", since])
        #expect((part["window"] as? [String: Any])?["since"] as? String == "2024-03-05T01:54:30.000000Z")
        #expect(all["window"] is NSNull)
        func counts(_ j: [String: Any]) -> (real: Int, ws: Int, inBursts: Int) {
            let c = (j["captures"] as! [[String: Any]])[0]
            let b = (j["bursts"] as! [[String: Any]]).reduce(0) { $0 + ($1["retransmissions"] as! Int) }
            return (c["retransmissions_real"] as! Int, c["retransmissions_wireshark"] as! Int, b)
        }
        let a = counts(all), p = counts(part)
        #expect(a.real == a.inBursts, "every real retransmission is in a burst: the counts can be compared")
        #expect(p.real == p.inBursts && p.real > 0 && p.real < a.real, "\(p) vs \(a)")
        #expect(p.ws < a.ws)
    }
}

@Suite("docs/spec is what the code cites")
struct SpecCitationTests {
    @Test("every docs/spec/ file the sources cite exists, and every spec file is cited")
    func citations() throws {
        let fm = FileManager.default
        let sources = CLI.repo.appendingPathComponent("Sources")
        var cited: Set<String> = []
        for case let rel as String in fm.enumerator(atPath: sources.path)! where rel.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(rel), encoding: .utf8)
            for m in text.matches(of: /docs\/spec\/([a-z0-9-]+\.md)/) { cited.insert(String(m.1)) }
        }
        let specDir = CLI.repo.appendingPathComponent("docs/spec")
        let present = Set(try fm.contentsOfDirectory(atPath: specDir.path).filter { $0.hasSuffix(".md") && $0 != "README.md" })
        #expect(!cited.isEmpty)
        #expect(cited.subtracting(present).isEmpty, "cited but missing: \(cited.subtracting(present))")
        #expect(present.subtracting(cited).isEmpty, "never cited: \(present.subtracting(cited))")
    }
}
