import Foundation
import Testing
import ForensicModel
import Reporting
@testable import Ingest

/// Real OOM reports from other projects (`../shared/testdata-public/oom-fixtures/`, read in place),
/// against the records we expect of each (`testdata/public-expectations/oom-fixtures.json`, written
/// by hand from reading the files). Run through the whole ingest path, as `nodesleuth oom FILE` does.
enum PublicOOM {
    static let dir = Fixtures.repo.deletingLastPathComponent().appendingPathComponent("shared/testdata-public/oom-fixtures")
    nonisolated(unsafe) static let expected: [String: [String: Any]] = {
        let url = Fixtures.repo.appendingPathComponent("testdata/public-expectations/oom-fixtures.json")
        return ((try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: [String: Any]]) ?? [:]
    }()
    static var available: Bool { FileManager.default.fileExists(atPath: dir.path) }
}

@Suite("Public OOM reports (../shared/testdata-public/oom-fixtures)")
struct PublicOOMFixtureTests {
    @Test("every public fixture has an expectation")
    func covered() throws {
        guard PublicOOM.available else { print("skipped: \(PublicOOM.dir.path) is absent (it sits beside the clone in CI)"); return }
        let files = try FileManager.default.contentsOfDirectory(atPath: PublicOOM.dir.path).filter { $0.hasSuffix(".txt") }
        #expect(Set(files) == Set(PublicOOM.expected.keys))
    }

    @Test(arguments: PublicOOM.expected.keys.sorted())
    func fixture(name: String) throws {
        guard PublicOOM.available else { print("skipped: \(PublicOOM.dir.path) is absent"); return }
        let want = try #require(PublicOOM.expected[name])
        let path = PublicOOM.dir.appendingPathComponent(name).path
        let r = Ingestor().run(IngestRequest(path: path))
        let wantKills = want["kills"] as! [[String: Any]]
        #expect(r.oomKills.count == wantKills.count, "\(r.oomKills.map { "\($0.victimPid ?? -1) \($0.victimComm ?? "")" })")
        let cut = r.warnings.filter { $0.message.contains("has no 'Killed process' line") }.count
        #expect(cut == want["invocations_without_kill"] as? Int, "\(r.warnings.map(\.message))")
        for w in wantKills {
            let pid = w["victim_pid"] as! Int
            let kk = (w["k_killed"] as? Double).map { Int64(($0 * 1e6).rounded()) }
            guard let k = r.oomKills.first(where: { $0.victimPid == pid && (kk == nil || $0.kKilled == kk) }) else {
                Issue.record("\(name): no kill of pid \(pid)"); continue
            }
            let got = try JSONSerialization.jsonObject(with: Data(JSONReport.oom(k).render().utf8)) as! [String: Any]
            for (key, value) in w where key != "t_killed_local" {
                let g = got[key]
                switch value {
                case is NSNull: #expect(g is NSNull, "\(name) pid \(pid) \(key): \(String(describing: g!))")
                case let n as NSNumber where key.hasPrefix("k_"):
                    #expect(((g as? Double).map { Int64(($0 * 1e6).rounded()) }) == Int64((n.doubleValue * 1e6).rounded()), "\(name) pid \(pid) \(key)")
                default:
                    #expect("\(String(describing: g ?? "nil"))" == "\(value)", "\(name) pid \(pid) \(key): \(String(describing: g ?? "nil")) != \(value)")
                }
            }
        }
    }
}
