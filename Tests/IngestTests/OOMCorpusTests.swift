import Foundation
import Testing
import ForensicModel
import KernelEvents
import Reporting
@testable import Ingest

/// testdata/logs/oom/: OOM excerpts of many kernels and layouts, each with the records expected of
/// it written by hand in `<name>.expected.json` (only the keys given are compared).
enum Corpus {
    static let dir = Fixtures.repo.appendingPathComponent("testdata/logs/oom")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        .filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) }.sorted()
    static let clock = LocalClock(timeZone: TimeZone(identifier: "UTC")!, reference: Timestamp(nanos: 1_767_139_200 * 1_000_000_000), note: "test")

    static func logFile(_ stem: String) -> String? {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .first { $0.hasPrefix(stem + ".") && !$0.hasSuffix(".expected.json") }
            .map { dir.appendingPathComponent($0).path }
    }
}

@Suite("OOM corpus")
struct OOMCorpusTests {
    @Test("the corpus is there", .tags())
    func present() { #expect(Corpus.cases.count >= 10) }

    @Test(arguments: Corpus.cases)
    func excerpt(stem: String) throws {
        let path = try #require(Corpus.logFile(stem))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Corpus.dir.appendingPathComponent(stem + ".expected.json"))) as? [String: Any])
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: path, clock: Corpus.clock, discovered: false, podNames: &pods)
        // The reader may only warn about lines that are in no log layout (a mail's text, a snip marker).
        #expect(out.warnings.allSatisfy { $0.message.contains("in no log layout") }, "\(out.warnings.map(\.message))")
        if let foreign = expected["foreign_lines"] as? Int {
            #expect(out.report.detail.contains("; \(foreign) foreign line(s) skipped"), "\(out.report.detail)")
        }
        let (kills, warnings) = Ingestor.assembleKills(streams: [out.lines], echoes: out.echoes)
        let wantKills = expected["kills"] as! [[String: Any]]
        #expect(kills.count == wantKills.count, "\(kills.map { "\($0.victimPid ?? -1)" })")
        #expect(warnings.count == expected["warnings"] as? Int, "\(warnings.map(\.message))")
        for (k, want) in zip(kills, wantKills) {
            let got = try JSONSerialization.jsonObject(with: Data(JSONReport.oom(k).render().utf8)) as! [String: Any]
            for (key, value) in want {
                let g = got[key]
                switch value {
                case is NSNull: #expect(g is NSNull, "\(key): \(String(describing: g))")
                case let d as Double where key == "kill_duration_s":
                    #expect(abs(((g as? Double) ?? -1) - d) < 1e-6, "\(key): \(String(describing: g)) != \(d)")
                case let n as NSNumber where key.hasPrefix("k_"):
                    // kernel seconds as printed: compare µs
                    #expect(((g as? Double).map { Int64(($0 * 1e6).rounded()) }) == n.int64Value, "\(key)")
                default:
                    #expect("\(String(describing: g!))" == "\(value)", "\(key): \(String(describing: g)) != \(value)")
                }
            }
        }
    }
}
