import Testing
import ForensicModel
@testable import KernelEvents

@Suite("Memory-stall inputs: sar text, /proc/vmstat, PSI, kernel stall lines")
struct StallInputTests {
    // sysstat 12, C locale (24 h), `sar -B -r -n EDEV` of one day with a restart and midnight.
    static let sar = """
    Linux 5.15.0-91-generic (node7) \t03/05/2024 \t_x86_64_\t(4 CPU)

    23:40:01  pgpgin/s pgpgout/s   fault/s  majflt/s  pgfree/s pgscank/s pgscand/s pgsteal/s    %vmeff
    23:50:01      1.00      2.00    300.00      0.00    200.00      0.00      0.00      0.00      0.00
    00:00:01      1.00      2.00    300.00      4.00    200.00  12000.00   8000.00  15000.00     75.00
    Average:      1.00      2.00    300.00      2.00    200.00   6000.00   4000.00   7500.00     75.00

    23:40:01     IFACE   rxerr/s   txerr/s    coll/s  rxdrop/s  txdrop/s  txcarr/s  rxfram/s  rxfifo/s  txfifo/s
    23:50:01        lo      0.00      0.00      0.00      0.00      0.00      0.00      0.00      0.00      0.00
    23:50:01      eth0      0.00      0.00      0.00      3.50      0.00      0.00      0.00      0.00      0.00

    23:55:00     LINUX RESTART\t(4 CPU)
    this line is in no sar shape
    """

    @Test("banner, sections, labels, midnight, averages and restarts")
    func sarText() throws {
        let s = SarText(Substring(Self.sar))
        #expect(s.host == "node7" && s.kernel == "5.15.0-91-generic")
        #expect(s.year == 2024 && s.month == 3 && s.day == 5)
        let scand = s.series("pgscand/s")
        #expect(scand.map(\.values["pgscand/s"]!) == [0, 8000])
        #expect(scand[0].start == 23 * 3600 + 40 * 60 + 1 && scand[0].end == 23 * 3600 + 50 * 60 + 1)
        #expect(scand[1].end == 86_400 + 1 && scand[1].start == scand[0].end)   // past midnight: the next day
        let drops = s.series("rxdrop/s")
        #expect(drops.map(\.label) == ["lo", "eth0"] && drops[1].values["rxdrop/s"] == 3.5)
        #expect(drops[1].start == drops[0].start)   // rows of one interval share it
        #expect(s.skippedLines == 1)
        #expect(SarText.looksLikeSar(Substring(Self.sar)))
        #expect(!SarText.looksLikeSar("Mar  5 09:00:01 node7 kernel: Linux version 5.15"))
    }

    @Test("12-hour clocks and the banner's date forms")
    func sarDates() {
        let am = SarText("Linux 4.18.0 (h) \t2024-03-05 \t_x86_64_\t(2 CPU)\n\n11:50:01 PM  pswpin/s pswpout/s\n12:00:01 AM      1.00      2.00\n")
        #expect(am.month == 3 && am.day == 5)
        #expect(am.samples.first?.end == 86_400 + 1 && am.samples.first?.start == 23 * 3600 + 50 * 60 + 1)
        let dayFirst = SarText("Linux 4.18.0 (h) \t25/12/23 \t_x86_64_\t(2 CPU)\n")
        #expect(dayFirst.year == 2023 && dayFirst.month == 12 && dayFirst.day == 25)
        #expect(dayFirst.dateNote?.contains("day first") == true)
        let bad = SarText("Linux 4.18.0 (h) \t99/99/99 \t_x86_64_\t(2 CPU)\n")
        #expect(bad.year == nil)
    }

    @Test("/proc/vmstat: stall counters kept and allocstall summed; other files are not vmstat")
    func vmstat() {
        let text: Substring = "nr_free_pages 12345\npgfault 99\nallocstall_dma32 2\nallocstall_normal 40\nallocstall_movable 1\ncompact_stall 7\noom_kill 4\npgscan_direct 120\nnr_zone_active_anon 5\n"
        #expect(ProcVmstat.looksLikeVmstat(text))
        let c = Dictionary(ProcVmstat.parse(text), uniquingKeysWith: { a, _ in a })
        #expect(c["vmstat_allocstall_total"] == 43 && c["vmstat_oom_kill"] == 4 && c["vmstat_compact_stall"] == 7 && c["vmstat_pgscan_direct"] == 120)
        #expect(c["vmstat_nr_zone_active_anon"] == nil)
        #expect(!ProcVmstat.looksLikeVmstat("MemTotal: 1 kB\nMemFree: 2 kB\nBuffers: 3 kB\n"))
        let old = Dictionary(ProcVmstat.parse("allocstall 9\n"), uniquingKeysWith: { a, _ in a })
        #expect(old["vmstat_allocstall_total"] == 9)   // before 4.8: one counter
    }

    @Test("PSI: some/full averages and totals in seconds")
    func pressure() {
        let t: Substring = "some avg10=1.50 avg60=0.80 avg300=0.20 total=12000000\nfull avg10=0.90 avg60=0.40 avg300=0.10 total=8000000"
        #expect(ProcPressure.looksLikePressure(t))
        let c = Dictionary(ProcPressure.parse(t, resource: "memory"), uniquingKeysWith: { a, _ in a })
        #expect(c["psi_memory_full_avg10"] == 0.9 && c["psi_memory_some_total_s"] == 12 && c["psi_memory_full_total_s"] == 8)
        #expect(!ProcPressure.looksLikePressure("some words\n"))
    }

    func line(_ m: String) -> KernelLine { KernelLine(message: m, kernelMicros: 1_000_000, sourceKind: .dmesg, provenance: Provenance(path: "d", line: 1)) }

    @Test("kernel lines: allocation stalls, hung kswapd, reclaim frames")
    func kernelLines() throws {
        let e = try #require(NodeEventExtractor.classify(line("java: page allocation stalls for 10068ms, order:0, mode:0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null)")))
        #expect(e.kind == .allocationStall && e.lastedBefore == 10.068 && e.subject == "java")
        let k = try #require(NodeEventExtractor.classify(line("INFO: task kswapd0:95 blocked for more than 120 seconds.")))
        #expect(k.kind == .reclaimHang && k.lastedBefore == 120)
        #expect(NodeEventExtractor.classify(line("INFO: task java:4242 blocked for more than 120 seconds."))?.kind == .hungTask)
        #expect(NodeEventExtractor.reclaimFrame(" shrink_node+0x1c2/0x4b0") == "shrink_node")
        #expect(NodeEventExtractor.reclaimFrame(" ? __alloc_pages_direct_reclaim+0x8a/0x110") == "__alloc_pages_direct_reclaim")
        #expect(NodeEventExtractor.reclaimFrame(" [<ffffffff8119f1a0>] try_to_free_pages+0xf0/0x1a0") == "try_to_free_pages")
        #expect(NodeEventExtractor.reclaimFrame(" shrink_node.constprop.0+0x10/0x20") == "shrink_node")
        #expect(NodeEventExtractor.reclaimFrame(" schedule+0x3a/0xa0") == nil)
        #expect(NodeEventExtractor.reclaimFrame(" shrink_dcache_parent+0x1/0x2") == nil)
    }

    @Test("the OOM line gate passes a hung task's stack")
    func gate() {
        var g = OOMLineGate()
        func pass(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { g.pass($0) } }
        #expect(pass("INFO: task java:4242 blocked for more than 120 seconds."))
        #expect(pass(" shrink_node+0x1c2/0x4b0"))
        for _ in 0..<39 { _ = pass(" frame") }
        #expect(!pass(" far below"))
    }
}
