import Foundation
import Testing

/// testdata/bundles/<scenario>/: a sos-like tree, a capture and TRUTH.json with the expected
/// ranking (made by testdata/generators/gen_scenario.py).
enum Scenarios {
    static let dir = CLI.repo.appendingPathComponent("testdata/bundles")
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        .filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0 + "/TRUTH.json").path) }.sorted()

    static func truth(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name + "/TRUTH.json"))) as! [String: Any]
    }

    static func analyze(_ name: String, extra: [String] = []) throws -> [String: Any] {
        // a scenario without a capture ("no-capture-sar") is analysed from its bundle alone
        let pcap = "testdata/bundles/\(name)/captures/any.pcap"
        let withPcap = FileManager.default.fileExists(atPath: CLI.repo.appendingPathComponent(pcap).path) ? ["--pcap", pcap] : []
        let r = try CLI.run(["analyze", "testdata/bundles/\(name)/sosreport-node7"] + withPcap + ["--format", "json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    static func scores(_ json: [String: Any]) -> [(String, Double)] {
        (json["hypotheses"] as! [[String: Any]]).map { ($0["id"] as! String, $0["score"] as! Double) }
    }
}

@Suite("Scenario bundles: the expected cause ranks first, decoys score low")
struct ScenarioTests {
    @Test("all scenarios are there")
    func present() { #expect(Scenarios.names.count >= 7) }

    @Test(arguments: Scenarios.names)
    func ranking(name: String) throws {
        let truth = try Scenarios.truth(name)
        let offset = truth["pcap_offset"] as? Double ?? 0
        // With a capture clock that is off, the run is made with the correction the user would give.
        let json = try Scenarios.analyze(name, extra: offset != 0 ? ["--pcap-offset=\(-offset)"] : [])
        let s = Scenarios.scores(json)
        let top = truth["expect_top"] as? [String] ?? []
        #expect(top.contains(s[0].0), "\(name): top is \(s[0].0), expected one of \(top); scores \(s.prefix(4))")
        #expect(s[0].1 > 0.5, "\(name): top score \(s[0].1)")
        for low in truth["expect_low"] as? [String] ?? [] {
            let v = s.first { $0.0 == low }?.1 ?? -1
            #expect(v < 0.2, "\(name): \(low) scores \(v)")
        }
    }

    @Test("an offset capture clock is noticed, and the offset that aligns it is suggested")
    func clockOffset() throws {
        let truth = try Scenarios.truth("clock-offset")
        let hint = truth["pcap_offset_hint"] as! Double
        let json = try Scenarios.analyze("clock-offset")
        let warnings = (json["warnings"] as! [[String: Any]]).compactMap { $0["message"] as? String }
        let w = try #require(warnings.first { $0.contains("--pcap-offset") })
        let suggested = try #require(Double(w.components(separatedBy: "--pcap-offset=").last!))
        #expect(abs(suggested - hint) <= 1.0, "suggested \(suggested), truth \(hint)")
        #expect(Scenarios.scores(json)[0].0 != "oom-kill-stall") // without the correction the kills do not line up
    }

    @Test("--symptom-times: the client's own timeout times are symptoms too")
    func symptomTimes() throws {
        // the oom-no-symptom bundle has kills but no retransmission; the client says it timed out at the kills
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-sym-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Scenarios.analyze("oom-no-symptom")
        let kills = (base["oom_kills"] as! [[String: Any]]).compactMap { $0["t_invoked"] as? String }
        #expect(kills.count == 2)
        let file = dir.appendingPathComponent("timeouts.txt")
        try ("# client timeouts\n" + kills.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let json = try Scenarios.analyze("oom-no-symptom", extra: ["--symptom-times", file.path])
        let s = Scenarios.scores(json)
        #expect(s.first { $0.0 == "oom-kill-stall" }!.1 > 0.3, "\(s)")
    }
}

@Suite("Memory-stall scenarios (issue 17)")
struct MemoryStallScenarioTests {
    @Test("fast kills, direct-reclaim stalls line up with the bursts: reclaim-stall first, oom-kill-stall low")
    func reclaimStall() throws {
        let json = try Scenarios.analyze("reclaim-stall")
        let s = Scenarios.scores(json)
        #expect(s[0].0 == "reclaim-stall" && s[0].1 > 0.5, "\(s.prefix(3))")
        #expect((s.first { $0.0 == "oom-kill-stall" }?.1 ?? 1) < 0.2)
        let verdict = json["verdict"] as! [String: Any]
        #expect(verdict["id"] as? String == "reclaim-stall")
        // every kill took about a millisecond, and says why it happened
        for k in json["oom_kills"] as! [[String: Any]] {
            #expect((k["kill_duration_s"] as! Double) < 0.01)
            #expect((k["why"] as? String)?.hasPrefix("memcg limit 2 GiB reached: java") == true)
            let mem = k["memory"] as! [String: Any]
            #expect(((mem["allocation"] as! [String: Any])["gfp_flags"] as! [String]) == ["GFP_KERNEL"])
        }
        let top = (json["hypotheses"] as! [[String: Any]])[0]
        let evidence = (top["evidence"] as! [[String: Any]]).compactMap { $0["text"] as? String }
        #expect(evidence.contains { $0.contains("page allocation stalls for 10000ms") })
        #expect(evidence.contains { $0.hasPrefix("allocstall = ") })
    }

    @Test("no capture, sar only: the kills are found to line up with sar's retransmission intervals, and the verdict says how coarse that is")
    func noCaptureSar() throws {
        let json = try Scenarios.analyze("no-capture-sar")
        let verdict = json["verdict"] as! [String: Any]
        #expect(verdict["id"] as? String == "oom-kill-stall")
        #expect(verdict["status"] as? String == "inconclusive")
        let reasons = verdict["reasons"] as! [String]
        #expect(reasons.count == 1 && reasons[0].hasPrefix("no capture was given: the symptoms are 3 sar interval(s)") && reasons[0].contains("600 s wide"))
        let symptoms = json["symptoms"] as! [[String: Any]]
        #expect(symptoms.count == 3 && symptoms.allSatisfy { $0["kind"] as? String == "sar-retransmissions" })
        let inputs = json["inputs"] as! [[String: Any]]
        #expect(inputs.contains { $0["kind"] as? String == "sar" && $0["status"] as? String == "read" })
        #expect(inputs.contains { $0["kind"] as? String == "pressure" })
        let warnings = (json["warnings"] as! [[String: Any]]).compactMap { $0["message"] as? String }
        #expect(warnings.contains { $0.contains("the kernel counted 4 OOM kill(s) since boot") && $0.contains("1 kill(s) are missing") })
        let s = Scenarios.scores(json)
        #expect((s.first { $0.0 == "network-loss" }?.1 ?? 1) < 0.2)
        // the text report says it too
        let text = try CLI.run(["analyze", "testdata/bundles/no-capture-sar/sosreport-node7"])
        #expect(text.stdout.hasPrefix("Verdict: inconclusive. Leading: oom-kill-stall"))
        #expect(text.stdout.contains("no capture was given"))
        #expect(text.stdout.contains("why: memcg limit 2 GiB reached: java (pod 3b1f8a52) held 2 GiB anon; 300 threads"))
    }

    @Test("the HTML report carries the why sentence")
    func html() throws {
        let r = try CLI.run(["analyze", "testdata/bundles/reclaim-stall/sosreport-node7", "--pcap", "testdata/bundles/reclaim-stall/captures/any.pcap", "--format", "html"])
        #expect(r.stdout.contains("<tr class=\"why\"><td></td><td colspan=\"8\">why: memcg limit 2 GiB reached: java"))
    }
}
