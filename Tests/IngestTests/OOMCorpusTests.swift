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
        #expect(out.warnings.isEmpty, "\(out.warnings.map(\.message))")
        var a = OOMAssembler()
        for l in out.lines { a.feed(l) }
        a.finish()
        let wantKills = expected["kills"] as! [[String: Any]]
        #expect(a.kills.count == wantKills.count)
        #expect(a.warnings.count == expected["warnings"] as? Int, "\(a.warnings.map(\.message))")
        for (k, want) in zip(a.kills, wantKills) {
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
