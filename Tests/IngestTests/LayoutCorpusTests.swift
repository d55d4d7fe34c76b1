import Foundation
import Testing
import ForensicModel
import KernelEvents
import Reporting
@testable import Ingest

/// testdata/logs/layouts/: one OOM record rendered in every layout people hand over (made by
/// testdata/generators/render_layouts.py with the real tools where they exist), each with the
/// record it must give and the lines that are not log lines (`EXPECT.json`).
enum Layouts {
    static let dir = Fixtures.repo.appendingPathComponent("testdata/logs/layouts")
    nonisolated(unsafe) static let expect: [String: [String: Any]] = {
        ((try? JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("EXPECT.json")))) as? [String: [String: Any]]) ?? [:]
    }()
}

@Suite("Every layout, locale and prefix of one OOM record")
struct LayoutCorpusTests {
    @Test("the layout corpus is there")
    func present() { #expect(Layouts.expect.count >= 40) }

    @Test(arguments: Layouts.expect.keys.sorted())
    func layout(name: String) throws {
        let spec = try #require(Layouts.expect[name])
        let tz = try #require(TimeZone(identifier: spec["tz"] as? String ?? "UTC"))
        let ref = try #require(LogText.parseTimestamp(Substring(spec["reference"] as? String ?? "")))
        let clock = LocalClock(timeZone: tz, reference: ref, note: "test")
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: Layouts.dir.appendingPathComponent(name).path, clock: clock, discovered: false, podNames: &pods)
        let (kills, _) = Ingestor.assembleKills(streams: [out.lines], echoes: out.echoes)
        let want = spec["kills"] as! [[String: Any]]
        #expect(kills.count == want.count, "\(out.report.detail)")
        for (k, w) in zip(kills, want) {
            let got = try JSONSerialization.jsonObject(with: Data(JSONReport.oom(k).render().utf8)) as! [String: Any]
            for (key, value) in w {
                let g = got[key]
                switch value {
                case is NSNull: #expect(g is NSNull, "\(key): \(String(describing: g ?? "nil"))")
                case let n as NSNumber where key.hasPrefix("k_") || key == "kill_duration_s":
                    #expect(abs(((g as? Double) ?? -1) - n.doubleValue) < 1e-6, "\(key): \(String(describing: g ?? "nil")) != \(n)")
                default:
                    #expect("\(String(describing: g ?? "nil"))" == "\(value)", "\(key): \(String(describing: g ?? "nil")) != \(value)")
                }
            }
        }
        // Lines reported as foreign are lines the fixture's author marked as not log lines.
        let foreign = Set((spec["foreign_lines"] as? [Int]) ?? [])
        if let w = out.warnings.first(where: { $0.message.contains("in no log layout") }) {
            let listed = w.message.components(separatedBy: "first at line ").last?.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? []
            #expect(Set(listed).isSubset(of: foreign), "reported \(listed), marked \(foreign.sorted())")
        }
        #expect(out.warnings.allSatisfy { $0.message.contains("in no log layout") }, "\(out.warnings.map(\.message))")
    }
}
