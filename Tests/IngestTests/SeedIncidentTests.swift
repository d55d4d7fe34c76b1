import Foundation
import Testing
import ForensicModel
import SystemdJournal
@testable import Ingest

enum Fixtures {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let seed = repo.appendingPathComponent("testdata/bundles/seed-incident")
    static let bundle = seed.appendingPathComponent("sosreport-node7").path
    static let capture = seed.appendingPathComponent("captures/any.pcap").path

    struct Truth: Decodable {
        struct Kill: Decodable { var pid: Int; var k_invoked: Double; var k_reaped: Double; var duration: Double; var utc_invoked: Double; var container_id: String; var pod_uid: String; var threads: Int }
        var kills: [Kill]
        var real_retransmissions: Int
        var copies: Int
        var boot_utc: Double
    }
    static func truth() throws -> Truth {
        try JSONDecoder().decode(Truth.self, from: Data(contentsOf: seed.appendingPathComponent("TRUTH.json")))
    }
}

@Suite("Binary journal through sd-journal")
struct JournalTests {
    @Test("kernel entries of the demo journal are placed on UTC with _SOURCE_MONOTONIC_TIMESTAMP")
    func kernelEntries() throws {
        let files = JournalIngest.files(under: Fixtures.bundle + "/var/log/journal")
        #expect(files.count == 1)
        let out = JournalIngest.read(files: files, label: "j", discovered: true)
        #expect(out.warnings.isEmpty)
        let truth = try Fixtures.truth()
        let invoked = out.lines.filter { $0.message.contains(" invoked oom-killer: ") }
        #expect(invoked.count == truth.kills.count)
        for (line, kill) in zip(invoked, truth.kills) {
            #expect(line.kernelMicros == Int64((kill.k_invoked * 1e6).rounded()))
            // entries were received 50 ms after printk; the event time is the printk time
            #expect(line.utc == Timestamp(micros: Int64(((truth.boot_utc + kill.k_invoked) * 1e6).rounded())))
            #expect(line.bootID == "5f3c2a1b9d8e4f60a7b6c5d4e3f2a190")
            #expect(line.provenance.cursor?.contains("b=5f3c2a1b9d8e4f60a7b6c5d4e3f2a190") == true)
        }
        #expect(out.podNames["3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91"]?.container == "logstash")
    }

    @Test("a file that is not a journal is reported with libsystemd's reason and does not hide the good one")
    func badFileBesideGood() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.journal")
        try Data("not a journal\n".utf8).write(to: bad)
        let good = JournalIngest.files(under: Fixtures.bundle + "/var/log/journal")
        let out = JournalIngest.read(files: [bad.path] + good, label: "j", discovered: false)
        #expect(out.reports.first { $0.path == bad.path }?.status == .unreadable)
        #expect(out.reports.first { $0.path == bad.path }?.detail.contains("not a journal file") == true)
        #expect(out.lines.filter { $0.message.contains("Killed process") }.count == 3)
    }

    @Test("opening a missing file gives a typed error")
    func missing() {
        #expect(throws: JournalError.self) { try Journal.open(files: ["/nonexistent/x.journal"]) }
    }
}

@Suite("Demo bundle end to end through Ingest")
struct SeedIncidentIngestTests {
    @Test("three kills, merged across journal, dmesg and journalctl text, with threads and durations")
    func kills() throws {
        let truth = try Fixtures.truth()
        let r = Ingestor().run(IngestRequest(path: Fixtures.bundle, pcaps: [Fixtures.capture]))
        #expect(r.oomKills.count == truth.kills.count)
        for (k, t) in zip(r.oomKills, truth.kills) {
            #expect(k.victimPid == t.pid)
            #expect(k.sourceKind == .journalBinary)
            #expect(k.alsoSeenIn.count == 4) // dmesg, dmesg_-T and two journalctl text files
            #expect(k.podUID == t.pod_uid)
            #expect(k.containerID == t.container_id)
            #expect(k.containerName == "logstash")
            #expect(k.podName == "logging/logstash-0")
            #expect(k.victimThreads == t.threads)
            #expect(k.victimThreadsSource?.hasPrefix("estimate: restarted java") == true)
            let d = try #require(k.killDuration)
            #expect(abs(d.seconds - t.duration) < 1e-6)
            #expect(k.tInvoked == Timestamp(micros: Int64((t.utc_invoked * 1e6).rounded())))
        }
        let dmesg = try #require(r.inputs.first { $0.kind == "dmesg" })
        #expect(dmesg.detail.contains("placed on UTC from"))
        #expect(r.captures.first?.retransmissionsReal == truth.real_retransmissions)
        #expect(r.captures.first?.duplicateCopies == truth.copies)
    }

    @Test("dmesg alone stays on the kernel clock, and says so")
    func dmesgAlone() throws {
        let r = Ingestor().run(IngestRequest(path: nil, dmesgs: [Fixtures.bundle + "/sos_commands/kernel/dmesg"]))
        #expect(r.oomKills.count == 3)
        #expect(r.oomKills.allSatisfy { $0.tInvoked == nil && $0.kInvoked != nil })
        #expect(r.warnings.contains { $0.message.contains("kernel clock") })
    }

    @Test("the sos clock files: zone, collection time, boot time")
    func clock() {
        let c = ClockContext.from(tree: InputTree(root: Fixtures.bundle))
        #expect(c.localClock.timeZone.identifier == "Asia/Shanghai")
        #expect(c.collectionTime?.iso8601 == "2024-03-05T03:05:00.000000Z")
        // btime, uptime at its manifest run time and 60 dmesg/dmesg -T pairs: the boot instant
        // (01:00:00Z) within the stated uncertainty, which is under a second
        let truth = Timestamp(nanos: 1_709_600_400 * 1_000_000_000)
        #expect(c.bootUncertainty <= 1)
        #expect(abs((c.bootTime ?? Timestamp(nanos: 0)) - truth) <= c.bootUncertainty)
        let expected: Int64 = 3 * 86400 + 4 * 3600 + 5 * 60
        #expect(ClockContext.parseUptime(" 14:12:52 up 3 days,  4:05,  1 user,  load average: 0.52") == expected)
        #expect(ClockContext.parseUptime(" 14:12:52 up 12 min,  0 user") == 720)
    }
}
