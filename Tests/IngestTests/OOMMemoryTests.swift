import Foundation
import Testing
import ForensicModel
@testable import KernelEvents
@testable import Ingest

/// testdata/logs/oom-memory/ (written by testdata/generators/gen_oom_memory.py): one OOM record
/// per kernel generation with its whole memory part, read as `nodesleuth oom FILE` reads it.
enum OOMMemoryFixtures {
    static let dir = Fixtures.repo.appendingPathComponent("testdata/logs/oom-memory")
    static func kill(_ name: String) throws -> OOMKill {
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: dir.appendingPathComponent(name).path, clock: Corpus.clock, discovered: false, podNames: &pods)
        let (kills, _) = Ingestor.assembleKills(streams: [out.lines], echoes: out.echoes)
        #expect(kills.count == 1)
        return try #require(kills.first)
    }
}

@Suite("OOM memory decoding across kernel generations")
struct OOMMemoryTests {
    @Test("2.6.32: hex GFP with the old layout, cpuset line, Mem-Info, zones, swap, one row per thread")
    func rhel6() throws {
        let k = try OOMMemoryFixtures.kill("rhel6-2.6.32-global-threads-hex-gfp.messages")
        let m = try #require(k.memory)
        #expect(m.kernelVersion == "2.6.32-754.35.1.el6.x86_64")
        #expect(m.allocation.gfpMask == "0x280da")
        #expect(m.allocation.gfpFlags == ["GFP_HIGHUSER_MOVABLE", "__GFP_ZERO"])
        #expect(m.allocation.gfpFlagsSource?.contains("2.6–4.3 bit layout") == true)
        #expect(m.allocation.cpuset == "/" && m.allocation.memsAllowed == "0")
        let g = try #require(m.global)
        #expect(g.zones.map(\.name) == ["DMA", "DMA32", "Normal"])
        #expect(g.zones[2].freeKB == 53864 && g.zones[2].minKB == 54824 && g.zones[2].belowWatermark == "min")
        #expect(g.memInfo("slab_unreclaimable") == 14020 && g.memInfo("free") == 33610 && g.memInfo("pagetables") == 21012)
        #expect(g.freeSwapKB == 0 && g.totalSwapKB == 4_194_300 && g.ramPages == 4_194_303 && g.pagecachePages == 712)
        let t = try #require(m.tasks)
        #expect(t.rows == 42 && t.victimTgidRows == 40)
        #expect(t.top.first?.name == "java" && t.top.first?.rssPages == 3_651_000)   // one process, not 40 × its rss
        #expect(k.why == "global: Normal zone free 53 MiB < min 54 MiB; 95 % of RAM anon; swap full (0 KiB of 4 GiB free); java held 14 GiB anon (99 % of the tasks' rss); 40 threads")
    }

    @Test("3.10 memcg v1: hex GFP, one-line memory.stat in KB, unlimited memory+swap")
    func centos7() throws {
        let k = try OOMMemoryFixtures.kill("centos7-3.10-memcg-v1-oneline-stats.dmesg")
        let m = try #require(k.memory)
        #expect(m.allocation.gfpFlags == ["GFP_KERNEL"])
        #expect(m.allocation.cpuset == "8f0c6d3a1b2e")
        let g = try #require(m.memcg)
        #expect(g.memory == OOMMemoryReport.Counter(usageKB: 2_097_152, limitKB: 2_097_152, failcnt: 4211))
        #expect(g.memsw?.limitKB == nil && g.memsw?.usageKB == 2_097_152)
        #expect(g.anonBytes == 2_096_128 * 1024 && g.fileBytes == 1024 * 1024)
        #expect(g.stat.first == OOMMemoryReport.Figure("cache", 1024 * 1024))
        #expect(m.global == nil)
        #expect(k.why == "memcg limit 2 GiB reached: java (pod 6f1e2d3c) held 2 GiB anon")
    }

    @Test("4.4: the hex decoded with 4.4's reclaim bits; Mem-Info continuation lines without stamps")
    func ubuntu44() throws {
        let k = try OOMMemoryFixtures.kill("ubuntu-4.4-global-unreclaimable-slab-hex-gfp.dmesg")
        let m = try #require(k.memory)
        #expect(m.allocation.gfpFlags == ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"])
        #expect(m.allocation.gfpFlagsSource?.contains("4.4 bit layout") == true)
        let g = try #require(m.global)
        #expect(g.memInfo("slab_unreclaimable") == 1_279_310)   // from an indented continuation line
        #expect(g.memInfo("free") == 21402)
        #expect(g.hugePages == [OOMMemoryReport.HugePages(node: 0, total: 0, free: 0, sizeKB: 2048)])
        #expect(m.tasks?.top.first?.name == "dockerd")
        #expect(k.why == "global: Normal zone free 25 MiB < min 36 MiB; 61 % of RAM unreclaimable slab; no swap; node held 120 MiB anon (19 % of the tasks' rss)")
    }

    @Test("4.19: printed names, nodemask in the invoked line, an order-2 failure above the watermarks")
    func debian419() throws {
        let k = try OOMMemoryFixtures.kill("debian10-4.19-global-order2-fragmentation.dmesg")
        let m = try #require(k.memory)
        #expect(m.allocation.gfpFlags == ["GFP_KERNEL"] && m.allocation.gfpFlagsSource == "printed by the kernel")
        #expect(m.allocation.order == 2 && m.allocation.nodemask == "(null)")
        #expect(m.pageKB == 4 && m.pageKBSource.contains("per-node"))
        #expect(m.global?.zones.allSatisfy { $0.belowWatermark == nil } == true)
        #expect(k.why?.hasPrefix("global: free memory above the watermarks, but no free block of order 2 (16 KiB contiguous): fragmentation") == true)
    }

    @Test("5.10: Unreclaimable slab info, hugepages per size, the summary line's cpuset")
    func debian510() throws {
        let k = try OOMMemoryFixtures.kill("debian11-5.10-global-slab-info.dmesg")
        let m = try #require(k.memory)
        let g = try #require(m.global)
        #expect(g.unreclaimableSlab.first == OOMMemoryReport.Figure("kmalloc-512", 4_718_592))
        #expect(g.unreclaimableSlab.count == 3)
        #expect(g.hugePages.count == 2 && g.hugePages[1].total == 64)
        #expect(m.tasks?.victimShare.map { abs($0 - 301000.0 / 325110.0) < 1e-9 } == true)
        #expect(k.why == "global: Normal zone free 42 MiB < min 45 MiB; 61 % of RAM unreclaimable slab; no swap; nginx held 1.1 GiB anon (93 % of the tasks' rss)")
    }

    @Test("6.6 memcg v2: swap line, memory.stat block in bytes, 6.x task columns")
    func flatcar66() throws {
        let k = try OOMMemoryFixtures.kill("flatcar-6.6-memcg-v2-logstash.dmesg")
        let m = try #require(k.memory)
        let g = try #require(m.memcg)
        #expect(g.swap == OOMMemoryReport.Counter(usageKB: 0, limitKB: 0, failcnt: 0))
        #expect(g.anonBytes == 2_040_109_056 && g.kernelBytes == 45_219_840 && g.slabBytes == 31_785_472 && g.shmemBytes == 0)
        #expect(g.stat.count == 32)
        #expect(g.statPath?.hasSuffix(".scope") == true)
        #expect(m.tasks?.top.first?.rssPages == 499_210)
        #expect(k.why == "memcg limit 2 GiB reached: java (pod 7c2d9e41) held 1.9 GiB anon")
    }

    @Test("the same records from the public fixtures (read in place; skipped when absent)")
    func publicFixtures() throws {
        let dir = PublicOOM.dir
        guard PublicOOM.available else { print("skipped: \(dir.path) is absent"); return }
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: dir.appendingPathComponent("hotsos-kernlog-sysrq-global-oom-5.4.txt").path, clock: Corpus.clock, discovered: false, podNames: &pods)
        let k = try #require(Ingestor.assembleKills(streams: [out.lines], echoes: []).0.first)
        // the indented continuation lines of Mem-Info are read
        #expect(k.memory?.global?.memInfo("free") == 227_215)
        #expect(k.memory?.global?.memInfo("slab_unreclaimable") == 19283)
        #expect(k.why?.hasPrefix("manual OOM kill") == true)
        let out2 = TextLogIngest.read(path: dir.appendingPathComponent("fluent-plugin-oomkiller-rhel6-java-2.6.32.txt").path, clock: Corpus.clock, discovered: false, podNames: &pods)
        let k2 = try #require(Ingestor.assembleKills(streams: [out2.lines], echoes: []).0.first)
        #expect(k2.memory?.allocation.gfpFlags == ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"])
        #expect(k2.memory?.global?.zones.first { $0.name == "Normal" }?.belowWatermark == "min")
        // AKS cgroup v2 with memory.oom.group: every victim's sentence says the group went
        let out4 = TextLogIngest.read(path: dir.appendingPathComponent("vijayrod-demo-aks-syslog-memcg-v2-oom-group-5.15.txt").path, clock: Corpus.clock, discovered: false, podNames: &pods)
        let group = Ingestor.assembleKills(streams: [out4.lines], echoes: []).0
        #expect(group.count >= 2 && group.allSatisfy { $0.why?.hasSuffix("killed with every task of its cgroup (memory.oom.group)") == true })
        // RHEL 8 (4.18, names printed): Normal below low, DMA32 only below high: Normal is named
        let out3 = TextLogIngest.read(path: dir.appendingPathComponent("out-of-memory-rhel8-messages-no-printk-time-4.18.txt").path, clock: Corpus.clock, discovered: false, podNames: &pods)
        let k3 = try #require(Ingestor.assembleKills(streams: [out3.lines], echoes: []).0.first)
        #expect(k3.memory?.allocation.gfpFlags == ["GFP_HIGHUSER_MOVABLE"])
        #expect(k3.memory?.kernelVersion == "4.18.0-553.8.1.el8_10.x86_64")
        #expect(k3.why?.hasPrefix("global: Normal zone free 36 MiB < low 43 MiB") == true, "\(k3.why ?? "nil")")
    }
}

@Suite("OOM memory decoder parts")
struct OOMMemoryDecoderPartsTests {
    @Test("GFP hex per generation", arguments: [
        ("0x1d2", "2.6.9-prep", ["GFP_KERNEL", "__GFP_HIGHMEM", "__GFP_COLD"]),
        ("0x201da", "2.6.32-431.el6.x86_64", ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"]),
        ("0xd0", "3.10.0-1160.el7.x86_64", ["GFP_KERNEL"]),
        ("0x24201ca", "4.4.0-210-generic", ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"]),
        ("0x24000c0", "4.4.0-210-generic", ["GFP_KERNEL"]),
        ("0x2000", "3.2.0", ["0x2000"]),          // __GFP_MEMALLOC only from 3.6
        ("0x2000", "3.6.11", ["__GFP_MEMALLOC"]),
        ("0x100000", "3.10.0", ["__GFP_KMEMCG"]),
        ("0x100000", "4.2.0", ["__GFP_NOACCOUNT"]),
    ])
    func gfp(hex: String, kernel: String, names: [String]) throws {
        let d = try #require(GFPFlags.decode(hex: hex, kernel: kernel))
        #expect(d.names == names)
    }

    @Test("GFP: names printed from 4.5 (no table), no version (guessed), garbage")
    func gfpEdges() {
        #expect(GFPFlags.decode(hex: "0xcc0", kernel: "5.4.0") == nil)
        #expect(GFPFlags.decode(hex: "0x24201ca", kernel: nil)?.names == ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"])
        #expect(GFPFlags.decode(hex: "0x24201ca", kernel: nil)?.source.contains("guessed") == true)
        #expect(GFPFlags.decode(hex: "0x201da", kernel: nil)?.names == ["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"])
        #expect(GFPFlags.decode(hex: "0xzz", kernel: nil) == nil)
        #expect(GFPFlags.decode(hex: "0x", kernel: nil) == nil)
        #expect(GFPFlags.decode(hex: "0x0", kernel: "3.10.0")?.names == ["0"])
    }

    @Test("zone lines of 2.6.9 (no node) and 5.x; other lines are not zones")
    func zones() throws {
        let z = try #require(OOMMemoryDecoder.zone("Normal free:1404kB min:1408kB low:1760kB high:2112kB active:2000kB inactive:1000kB present:901120kB pages_scanned:0 all_unreclaimable? yes"))
        #expect(z.node == nil && z.name == "Normal" && z.belowWatermark == "min")
        let z2 = try #require(OOMMemoryDecoder.zone("Node 1 DMA32 free:50000kB min:40000kB low:50001kB high:60000kB present:3129184kB managed:3034312kB"))
        #expect(z2.node == 1 && z2.belowWatermark == "low" && z2.managedKB == 3_034_312)
        #expect(OOMMemoryDecoder.zone("Node 0 active_anon:1667300kB inactive_anon:6152kB") == nil)
        #expect(OOMMemoryDecoder.zone("something with free:12kB min:1kB in the middle") == nil)
    }

    @Test("memcg counters: the no-limit values of page_counter and res_counter read as none")
    func counters() {
        #expect(OOMMemoryDecoder.counter("memory+swap: usage 10kB, limit 9007199254740988kB, failcnt 0")?.limitKB == nil)
        #expect(OOMMemoryDecoder.counter("memory+swap: usage 10kB, limit 18014398509481983kB, failcnt 0")?.limitKB == nil)
        #expect(OOMMemoryDecoder.counter("memory: usage 10kB, limit 20kB, failcnt 3") == OOMMemoryReport.Counter(usageKB: 10, limitKB: 20, failcnt: 3))
        #expect(OOMMemoryDecoder.counter("memory: nothing") == nil)
    }

    @Test("memory.stat block ends at the first line that is not `name bytes`; only the first memcg's block is kept")
    func statBlock() {
        var d = OOMMemoryDecoder()
        for l in ["Memory cgroup stats for /a:", "anon 4096", "file 8192", "Memory cgroup stats for /a/b:", "anon 1", "Tasks state (memory values in pages):", "anon 99"] {
            d.feed(Substring(l))
        }
        let r = d.finished(tasks: [], victimPid: nil)
        #expect(r.memcg?.statPath == "/a")
        #expect(r.memcg?.stat == [.init("anon", 4096), .init("file", 8192)])
    }

    @Test("Mem-Info joined by rsyslog's #012, and indented continuation lines recognised")
    func memInfo() {
        var d = OOMMemoryDecoder()
        d.feed("Mem-Info:")
        d.feed("active_anon:10 inactive_anon:2 isolated_anon:0#012 active_file:3 inactive_file:4#012 free:5")
        let g = d.finished(tasks: [], victimPid: nil).global
        #expect(g?.memInfo("free") == 5 && g?.memInfo("active_file") == 3 && g?.memInfo.count == 6)
        #expect(OOMMemoryDecoder.isCounterContinuation("                active_file:140909 inactive_file:149407"))
        #expect(!OOMMemoryDecoder.isCounterContinuation("  dump_stack+0x6d/0x8b"))
        #expect(!OOMMemoryDecoder.isCounterContinuation("  Node 0 DMA: 1*4kB"))
        var j = OOMMemoryDecoder()   // a journal entry holding the whole record
        j.feed("Mem-Info:")
        j.feed("active_anon:10 inactive_anon:2\n active_file:3 inactive_file:4\n free:7 free_pcp:1")
        #expect(j.finished(tasks: [], victimPid: nil).global?.memInfo("free") == 7)
    }

    @Test("task table: threads of one tgid count once; the victim's share and rows")
    func tasks() throws {
        let d = OOMMemoryDecoder()
        let rows: [(pid: Int, tgid: Int, name: String, rssPages: Int?)] = [(10, 10, "java", 1000), (11, 10, "java", 1000), (12, 10, "java", 1000), (20, 20, "sh", 1000)]
        let t = try #require(d.finished(tasks: rows, victimPid: 10).tasks)
        #expect(t.rows == 4 && t.totalRssPages == 2000 && t.victimRssPages == 1000 && t.victimTgidRows == 3 && t.victimShare == 0.5)
        #expect(t.top.map(\.pid) == [10, 20])
    }

    @Test("the why sentence for memcg limits, memory+swap and a memcg below its limit")
    func whyMemcg() {
        var k = OOMKill(source: Provenance(path: "x"), sourceKind: .dmesg)
        k.scope = .memcg; k.victimComm = "java"; k.anonRssKB = 1_992_240; k.podName = "logging/logstash-0"; k.victimThreads = 300
        k.memcgUsageKB = 2_097_152; k.memcgLimitKB = 2_097_152
        #expect(k.why == "memcg limit 2 GiB reached: java (logstash-0) held 1.9 GiB anon; 300 threads")
        k.memcgUsageKB = 1_048_576
        #expect(k.why?.hasPrefix("memcg at 1 GiB of its 2 GiB limit") == true)
        var m = OOMMemoryReport(); var g = OOMMemoryReport.Memcg()
        g.memsw = .init(usageKB: 3_145_728, limitKB: 3_145_728, failcnt: 9); g.shmemBytes = 512 << 20
        m.memcg = g; k.memory = m
        #expect(k.why == "memcg memory+swap limit 3 GiB reached: java (logstash-0) held 1.9 GiB anon; 300 threads; the cgroup also held 512 MiB shmem (tmpfs, emptyDir in memory)")
        k.scope = .sysrq
        #expect(k.why?.hasPrefix("manual OOM kill") == true)
        let bare = OOMKill(source: Provenance(path: "x"), sourceKind: .dmesg)
        #expect(bare.why == nil)
    }
}

@Suite("OOM memory across merged sources")
struct OOMMemoryMergeTests {
    @Test("a kill read from a grep-cut copy and from the full record keeps the full record's memory part")
    func merge() throws {
        var full = OOMKill(source: Provenance(path: "dmesg"), sourceKind: .dmesg)
        full.victimPid = 1; full.victimComm = "java"; full.totalVmKB = 10; full.anonRssKB = 5; full.kKilled = 100
        var m = OOMMemoryReport(); m.global = OOMMemoryReport.Global(); m.global!.ramPages = 42
        full.memory = m
        var cut = full
        cut.source = Provenance(path: "journal"); cut.sourceKind = .journalBinary
        cut.memory = OOMMemoryReport()   // only the allocation was in it
        let merged = OOMMerge.merge([cut, full])
        #expect(merged.count == 1)
        #expect(merged[0].memory?.global?.ramPages == 42)
    }
}
