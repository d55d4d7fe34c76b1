import Testing
import ForensicModel
@testable import Correlation

/// Builds an analysis result in memory: kills at `kills` (start, duration), real retransmissions
/// at `retrans` seconds, copies flagged by Wireshark at `copies` seconds, over a 600 s capture;
/// a kernel log covering the whole capture unless `logged` is false.
func scenario(kills: [(Double, Double)], retrans: [Double], copies: [Double] = [], logged: Bool = true) -> AnalysisResult {
    let t0 = Timestamp(nanos: 1_700_000_000 * 1_000_000_000)
    var r = AnalysisResult()
    if logged {
        r.kernelLogInputs = 1
        r.logCoverage = [LogCoverage(path: "dmesg", start: t0 - 3600, end: t0 + 3600)]
    }
    var c = CaptureSummary(path: "c.pcap", linkType: "LINUX_SLL2")
    c.firstTime = t0
    c.lastTime = t0 + 600
    c.frames = 10000
    c.tcpSegments = 10000
    c.retransmissionsReal = retrans.count
    c.retransmissionsWireshark = retrans.count + copies.count
    c.duplicateCopies = copies.count * 2
    r.captures = [c]
    for (i, s) in retrans.enumerated() {
        r.retransmissions.append(RetransmissionEvent(frame: i + 1, time: t0 + s, flow: "a -> b", kind: "retransmission", copyOf: nil, isSYN: false, rto: 0.2, capturePath: "c.pcap"))
    }
    for (i, s) in copies.enumerated() {
        r.retransmissions.append(RetransmissionEvent(frame: 5000 + i, time: t0 + s, flow: "a -> b", kind: "retransmission", copyOf: 4999 + i, isSYN: false, rto: nil, capturePath: "c.pcap"))
    }
    for (i, (s, d)) in kills.enumerated() {
        var k = OOMKill(source: Provenance(path: "dmesg", line: i * 20 + 1), sourceKind: .dmesg)
        k.victimPid = 100 + i
        k.victimComm = "java"
        k.tInvoked = t0 + s
        k.tKilled = t0 + s + 0.001
        k.tReaped = t0 + s + d
        k.reaped = true
        r.oomKills.append(k)
    }
    return r
}

@Suite("Ranking")
struct CorrelatorTests {
    @Test("bursts: retransmissions closer than the gap belong together; copies are not symptoms")
    func bursts() {
        let r = scenario(kills: [], retrans: [10, 10.2, 10.6, 11.4, 50, 50.1], copies: [30])
        let b = BurstFinder.bursts(r.retransmissions, gap: 2)
        #expect(b.map(\.count) == [4, 2])
        #expect(b[0].end - b[0].start == 1.4)
    }

    @Test("the incident: kills line up with the bursts → oom-kill-stall first, small p")
    func incident() throws {
        var r = scenario(kills: [(100, 1.4), (230, 2.1), (370, 1.2)],
                         retrans: [100.3, 100.7, 101.5, 230.2, 231.0, 232.5, 370.4, 370.8, 300.5],
                         copies: Array(stride(from: 1.0, to: 600, by: 2)))
        Correlator.run(&r)
        #expect(r.hypotheses.first?.id == .oomKillStall)
        #expect(r.hypotheses.map(\.rank) == Array(1...Hypothesis.ID.allCases.count))
        let h = try #require(r.hypotheses.first)
        #expect(h.summary.contains("3 of 4 retransmission bursts"))
        #expect(h.score > 0.5)
        #expect(h.counterEvidence.contains { $0.text.contains("start away from any OOM kill") })
    }

    @Test("decoy: kills 20 s away from the bursts are not blamed → network-loss first")
    func decoy() {
        var r = scenario(kills: [(80, 1.4), (210, 2.1), (350, 1.2)], retrans: [100.3, 100.7, 230.2, 231.0, 370.4])
        Correlator.run(&r)
        #expect(r.hypotheses.first?.id == .networkLoss)
        #expect(r.hypotheses.first { $0.id == .oomKillStall }?.score == 0)
    }

    @Test("one kill that happens to overlap one burst of many does not outrank the unexplained bursts")
    func oneOfMany() {
        let bursts = stride(from: 20.0, to: 580, by: 40).map { $0 }
        var r = scenario(kills: [(bursts[3] - 0.2, 1)], retrans: bursts)
        Correlator.run(&r)
        #expect(r.hypotheses.first?.id == .networkLoss)
        let oom = r.hypotheses.first { $0.id == .oomKillStall }!
        #expect(oom.score < 0.2)
    }

    @Test("copies only: Wireshark's retransmissions are all copies → capture-duplicates, then no-retransmissions")
    func copiesOnly() {
        var r = scenario(kills: [(100, 1)], retrans: [], copies: [1, 2, 3, 4])
        Correlator.run(&r)
        #expect(r.hypotheses.prefix(2).map(\.id) == [.captureDuplicates, .noRetransmissions])
        #expect(r.hypotheses[0].score == 1 && r.hypotheses[1].score == 1)
        #expect(r.hypotheses[1].summary.contains("all 4 that Wireshark would show are capture copies"))
        #expect(r.hypotheses.first { $0.id == .oomKillStall }?.score == 0)
    }

    @Test("chance overlap: the p-value is small for aligned events and large for misaligned ones")
    func pValue() {
        let t0 = Timestamp(nanos: 0)
        let windows = [(t0 + 100, t0 + 102), (t0 + 300, t0 + 302)]
        let aligned = OverlapTest.run(symptoms: [t0 + 100.5, t0 + 300.5], windows: windows, span: (t0, t0 + 600))
        #expect(aligned.explained == 2 && aligned.pValue < 0.01)
        let misaligned = OverlapTest.run(symptoms: [t0 + 150, t0 + 301], windows: windows, span: (t0, t0 + 600))
        #expect(misaligned.explained == 1 && misaligned.pValue > 0.01)
        // deterministic: same inputs, same p
        #expect(OverlapTest.run(symptoms: [t0 + 150, t0 + 301], windows: windows, span: (t0, t0 + 600)).pValue == misaligned.pValue)
    }

    @Test("no kernel log: network-loss scores 0 and the verdict is inconclusive, never a confident 'network'")
    func noLogNoBlame() {
        var r = scenario(kills: [], retrans: [100, 100.2, 300, 300.4], logged: false)
        Correlator.run(&r)
        #expect(r.hypotheses.first { $0.id == .networkLoss }?.score == 0)
        #expect(r.verdict?.status != .conclusive)
        #expect(r.verdict?.reasons.contains { $0.contains("no kernel log was read") } == true)
    }

    @Test("logs that stop before the capture: bursts outside their span are unknown, the verdict says so")
    func logsEndBeforeCapture() {
        var r = scenario(kills: [], retrans: [100, 100.2, 300, 300.4], logged: false)
        let t0 = Timestamp(nanos: 1_700_000_000 * 1_000_000_000)
        r.kernelLogInputs = 1
        r.logCoverage = [LogCoverage(path: "messages", start: t0 - 86400, end: t0 - 3600)]
        Correlator.run(&r)
        #expect(r.hypotheses.first { $0.id == .networkLoss }?.score == 0)
        #expect(r.verdict?.status == .inconclusive)
        #expect(r.verdict?.reasons.contains { $0.contains("no kernel log covers") } == true)
    }

    @Test("with a covering log and kills far away, network-loss is a conclusive verdict")
    func coveredNetworkLoss() {
        var r = scenario(kills: [(500, 1)], retrans: [100, 100.2, 300, 300.4])
        Correlator.run(&r)
        #expect(r.verdict?.id == .networkLoss)
        #expect(r.verdict?.status == .conclusive)
    }

    @Test("a kernel clock known to ± 60 s: the kill window widens and the verdict is inconclusive")
    func coarseClock() {
        var r = scenario(kills: [(100, 1.5), (300, 1.5)], retrans: [100.5, 100.9, 300.6, 301])
        for i in r.oomKills.indices { r.oomKills[i].timeUncertainty = 60; r.oomKills[i].timeSource = "uptime + date" }
        Correlator.run(&r)
        #expect(r.verdict?.status == .inconclusive)
        #expect(r.verdict?.reasons.contains { $0.contains("± 60 s") || $0.contains("±60 s") } == true)
    }

    @Test("durations carry a unit that fits, and the advice follows what was measured")
    func durationsAndAdvice() {
        #expect(fmtDuration(1.42) == "1.42 s")
        #expect(fmtDuration(0.0067) == "6.7 ms")
        #expect(fmtDuration(0.00004) == "40 µs")
        #expect(fmtDurationRange(1.21, 2.08) == "1.21–2.08 s")
        #expect(fmtDurationRange(0.003, 0.004) == "3–4 ms")
        var fast = scenario(kills: [(100, 0.001), (300, 0.001)], retrans: [100.5, 100.9, 300.6, 301])
        Correlator.run(&fast)
        let h = fast.hypotheses.first { $0.id == .oomKillStall }
        #expect(h?.summary.contains("each kill took 1 ms") == true, "\(h?.summary ?? "")")
        #expect(h?.nextStep?.contains("too short to stall the node by themselves") == true, "\(h?.nextStep ?? "")")
        var slow = scenario(kills: [(100, 1.5), (300, 1.5)], retrans: [100.5, 100.9, 300.6, 301])
        Correlator.run(&slow)
        #expect(slow.hypotheses.first { $0.id == .oomKillStall }?.nextStep?.contains("long enough to stall") == true)
    }
}

@Suite("sar intervals as symptoms (no capture) and reclaim windows")
struct SarCorrelationTests {
    static let t0 = Timestamp(nanos: 1_709_600_400 * 1_000_000_000)
    func sample(_ metric: String, _ i: Int, _ v: Double, label: String? = nil) -> SarSample {
        SarSample(metric: metric, label: label, start: Self.t0 + Double(i * 600), end: Self.t0 + Double((i + 1) * 600), value: v,
                  uncertainty: 1, provenance: Provenance(path: "sar", line: i + 1))
    }

    @Test("raised intervals of a series become episodes; consecutive ones merge; a flat series gives none")
    func episodes() {
        let series = (0..<12).map { sample("retrans/s", $0, [3, 4, 9].contains($0) ? 10 : 0.3) }
        let e = SarSymptoms.episodes(series)
        #expect(e.count == 2 && e.allSatisfy { $0.kind == .sarRetransmissions })
        #expect(e[0].end - e[0].start == 1200 && e[0].count == 12000)
        #expect(SarSymptoms.episodes((0..<12).map { sample("retrans/s", $0, 0.3) }).isEmpty)
        let drops = (0..<6).map { sample("rxdrop/s", $0, $0 == 2 ? 5 : 0, label: "eth0") }
        #expect(SarSymptoms.episodes(drops).map(\.kind) == [.sarInterfaceDrops])
    }

    @Test("no capture: sar symptoms are scored, windows widened by half an interval, the verdict says why it is inconclusive")
    func noCapture() {
        var r = AnalysisResult()
        r.sar = (0..<12).map { sample("retrans/s", $0, [2, 6, 10].contains($0) ? 10 : 0.3) }
        for i in [2, 6, 10] {
            var k = OOMKill(source: Provenance(path: "dmesg", line: i), sourceKind: .dmesg)
            k.tInvoked = Self.t0 + Double(i * 600 + 100); k.tKilled = k.tInvoked! + 1.5; k.victimComm = "java"; k.scope = .memcg
            r.oomKills.append(k)
        }
        r.kernelLogInputs = 1
        r.logCoverage = [LogCoverage(path: "dmesg", start: Self.t0, end: Self.t0 + 7200)]
        Correlator.run(&r)
        #expect(r.hypotheses[0].id == .oomKillStall)
        #expect(r.hypotheses[0].summary.contains("widened by half a sar interval"))
        #expect(r.verdict?.status == .inconclusive)
        #expect(r.verdict?.reasons.contains { $0.hasPrefix("no capture was given") } == true)
        #expect(r.verdict?.reasons.contains { $0.hasPrefix("sar's times are known only") } == false)
        // the same with sar placed in an assumed zone (± 14 h): said too
        var z = r
        z.hypotheses = []; z.verdict = nil; z.symptoms = []; z.bursts = []
        for i in z.sar.indices { z.sar[i].uncertainty = 14 * 3600 }
        Correlator.run(&z)
        #expect(z.verdict?.reasons.contains { $0.hasPrefix("sar's times are known only to ±14 h") } == true)
    }

    @Test("--since/--until keep the sar intervals that overlap the window")
    func window() {
        var r = AnalysisResult()
        r.sar = (0..<12).map { sample("retrans/s", $0, [2, 9].contains($0) ? 10 : 0.3) }
        var o = CorrelationOptions()
        o.since = .at(Self.t0 + 1000); o.until = .at(Self.t0 + 3000)
        Correlator.run(&r, options: o)
        #expect(r.sar.count == 5)   // intervals 1 (600–1200, ends inside) to 5 (3000–3600, starts on the bound)
        let kept = r.symptoms.filter { $0.kind == .sarRetransmissions }
        #expect(kept.count == 1 && kept[0].start == Self.t0 + 1200)   // interval 9's rise is outside
    }

    @Test("memory-pressure: memory ≥ 95 % used and swapping out are windows; %commit over 100 % supports only")
    func memoryPressureSar() {
        var r = AnalysisResult()
        r.sar = [sample("%memused", 0, 80), sample("%memused", 1, 97), sample("pswpout/s", 3, 12), sample("%commit", 2, 130)]
        let c = Correlator.memoryCause(r)
        #expect(c.windows.count == 2)
        #expect(c.support.contains { $0.text.hasPrefix("sar -r: %commit up to 130 %") })
        r.sar = [sample("%commit", 2, 90)]
        #expect(Correlator.memoryCause(r).support.isEmpty && Correlator.memoryCause(r).windows.isEmpty)
    }

    @Test("reclaim-stall: sar direct-reclaim intervals and allocation stalls are its windows; vmstat supports it")
    func reclaimWindows() {
        var r = AnalysisResult()
        r.sar = [sample("pgscand/s", 0, 0), sample("pgscand/s", 1, 1200), sample("pgscand/s", 2, 900), sample("%vmeff", 1, 40)]
        var e = NodeEvent(kind: .allocationStall, message: "java: page allocation stalls for 10068ms", time: Self.t0 + 5000, kernelMicros: nil, lastedBefore: 10.068, subject: "java", provenance: Provenance(path: "d"))
        e.uncertainty = 0.001
        r.nodeEvents = [e]
        r.counters = [CounterFact(name: "vmstat_allocstall_total", value: 43, source: Provenance(path: "proc/vmstat"))]
        let c = Correlator.reclaimCause(r)
        #expect(c.windows.count == 2)   // two direct-reclaim intervals merged into one, and the stall
        #expect(c.windows.contains { $0.end - $0.start > 1200 })
        #expect(c.support.contains { $0.text.hasPrefix("allocstall = 43") })
        #expect(c.headline.contains("1 allocation stall") && c.headline.contains("2 sar intervals with direct reclaim"))
    }
}
