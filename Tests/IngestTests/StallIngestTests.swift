import Foundation
import Testing
import ForensicModel
@testable import KernelEvents
@testable import Ingest

@Suite("Memory-stall inputs through Ingest")
struct StallIngestTests {
    func kl(_ k: Int64, _ m: String, line: Int) -> KernelLine {
        var l = KernelLine(message: m, kernelMicros: k, sourceKind: .dmesg, provenance: Provenance(path: "dmesg", line: line))
        l.utc = Timestamp(micros: 1_700_000_000_000_000 + k)
        return l
    }

    @Test("a hung task whose stack is in reclaim becomes a reclaim hang; one elsewhere stays a hung task")
    func hungStacks() {
        let s = [kl(1, "INFO: task java:4242 blocked for more than 120 seconds.", line: 1),
                 kl(2, "Call Trace:", line: 2), kl(3, " __schedule+0x2b0/0x880", line: 3),
                 kl(4, " throttle_direct_reclaim+0x1a1/0x2a0", line: 4), kl(5, " try_to_free_pages+0xc6/0x1b0", line: 5),
                 kl(10, "INFO: task jbd2/sda1-8:301 blocked for more than 120 seconds.", line: 6),
                 kl(11, " io_schedule+0x12/0x40", line: 7)]
        let ev = NodeEventMerge.collect([s])
        #expect(ev.map(\.kind) == [.reclaimHang, .hungTask])
        #expect(ev[0].subject == "java:4242 in throttle_direct_reclaim")
    }

    @Test("sar files are told apart from logs by content and placed with the node's zone; the interval is kept")
    func sarPlaced() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ns-sar-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("messages").path   // a log's name: content decides
        try "Linux 5.10.0 (n) \t03/05/2024 \t_x86_64_\t(2 CPU)\n\n09:00:01  pgpgin/s pgpgout/s   fault/s  majflt/s  pgfree/s pgscank/s pgscand/s pgsteal/s    %vmeff\n09:10:01 1 2 3 0 5 6 7.5 8 9\n".write(toFile: p, atomically: true, encoding: .utf8)
        guard case .sar? = StallInputs.sniff(p) else { Issue.record("not recognised as sar"); return }
        let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!, reference: nil, note: "")
        let (samples, report, _) = StallInputs.readSar(p, clock: clock)
        let s = try #require(samples.first { $0.metric == "pgscand/s" })
        #expect(s.value == 7.5 && s.interval == 600 && s.uncertainty == 1)
        #expect(s.end.iso8601.hasPrefix("2024-03-05T01:10:01"))   // 09:10:01 +08:00
        #expect(report.kind == "sar" && report.detail.contains("every 600 s"))
        var assumed = clock; assumed.zoneAssumed = true
        let u = StallInputs.readSar(p, clock: assumed).0.first?.uncertainty ?? 0
        #expect(abs(u - 50_400) < 1)   // 14 h
        // the same file through a whole run: an input of kind sar, not a log
        let r = Ingestor().run(IngestRequest(path: dir.path))
        #expect(r.inputs.contains { $0.kind == "sar" && $0.status == .read })
        #expect(r.sar.contains { $0.metric == "pgscand/s" })
    }

    @Test("in a sos tree: sar text found by content in var/log/sa and sos_commands/sar, the binary sa file skipped with a reason")
    func sosTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ns-sos-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for d in ["sos_commands/sar", "sos_commands/kernel", "var/log/sa", "proc/pressure"] {
            try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        let sar = "Linux 5.10.0 (n) \t2024-03-05 \t_x86_64_\t(2 CPU)\n\n09:00:01  pswpin/s pswpout/s\n09:10:01 0.00 12.00\n"
        try sar.write(to: root.appendingPathComponent("var/log/sa/sar05"), atomically: true, encoding: .utf8)
        try sar.write(to: root.appendingPathComponent("sos_commands/sar/anything"), atomically: true, encoding: .utf8)
        try Data([0x96, 0xd5, 0x71, 0x21] + [UInt8](repeating: 0, count: 512)).write(to: root.appendingPathComponent("var/log/sa/sa05"))
        try "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n".write(to: root.appendingPathComponent("proc/pressure/memory"), atomically: true, encoding: .utf8)
        try "[    0.000000] Linux version 5.10.0\n".write(to: root.appendingPathComponent("sos_commands/kernel/dmesg"), atomically: true, encoding: .utf8)
        let r = Ingestor().run(IngestRequest(path: root.path))
        #expect(r.inputs.filter { $0.kind == "sar" && $0.status == .read }.count == 2)
        #expect(r.inputs.contains { $0.path.hasSuffix("var/log/sa/sa05") && $0.status == .skipped && $0.detail.contains("binary sa file") })
        #expect(r.counters.contains { $0.name == "psi_memory_full_total_s" })
        #expect(r.sar.filter { $0.metric == "pswpout/s" }.count == 2)
    }

    @Test("the kernel's OOM-kill count against the kills in the logs")
    func killCount() {
        var r = AnalysisResult()
        r.counters = [CounterFact(name: "vmstat_oom_kill", value: 3, source: Provenance(path: "proc/vmstat"))]
        var k = OOMKill(source: Provenance(path: "d"), sourceKind: .dmesg)
        k.tKilled = Timestamp(nanos: 2_000_000_000_000_000_000)
        r.oomKills = [k]
        let w = StallInputs.checkKillCount(r, bootTime: Timestamp(nanos: 1_999_000_000_000_000_000))
        #expect(w?.message.contains("2 kill(s) are missing") == true)
        // a kill from before this boot does not count for it
        #expect(StallInputs.checkKillCount(r, bootTime: Timestamp(nanos: 2_100_000_000_000_000_000))?.message.contains("3 kill(s) are missing") == true)
        r.counters[0].value = 1
        #expect(StallInputs.checkKillCount(r, bootTime: nil) == nil)
    }
}
