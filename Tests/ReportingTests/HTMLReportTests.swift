import Foundation
import Testing
import ForensicModel
@testable import Reporting

@Suite("HTML report")
struct HTMLReportTests {
    /// A 24 h bundle with thousands of events.
    func big() -> AnalysisResult {
        var r = AnalysisResult()
        let t0 = Timestamp(nanos: 1_700_000_000 * 1_000_000_000)
        var c = CaptureSummary(path: "big.pcap", linkType: "EN10MB")
        c.firstTime = t0; c.lastTime = t0 + 86400
        r.captures = [c]
        for i in 0..<100_000 {
            r.retransmissions.append(RetransmissionEvent(frame: i, time: t0 + Double(i) * 0.864, flow: "a -> b", kind: "retransmission",
                                                         copyOf: i % 3 == 0 ? nil : i - 1, isSYN: false, rto: 0.2, capturePath: "big.pcap"))
        }
        for i in 0..<3000 {
            var k = OOMKill(source: Provenance(path: "dmesg", line: i), sourceKind: .dmesg)
            k.victimComm = "java<x>"; k.victimPid = i
            k.tInvoked = t0 + Double(i) * 28.8; k.tReaped = t0 + Double(i) * 28.8 + 1
            r.oomKills.append(k)
        }
        r.hypotheses = [Hypothesis(id: .oomKillStall, title: "t", score: 0.5, scoreExplanation: "e", summary: "s <b>")]
        return r
    }

    @Test("self-contained, escaped, and bounded in size for a 24 h bundle with 10^5 events")
    func bounded() {
        let html = HTMLReport.analyze(big(), version: "test")
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http"))
        #expect(html.contains("s &lt;b&gt;"))
        #expect(!html.contains("java<x>"))
        #expect(html.utf8.count < 2_000_000, "\(html.utf8.count) bytes")
        // aggregated: not one mark per kill
        #expect(html.components(separatedBy: "OOM kills from").count > 10)
    }

    @Test("an inconclusive verdict says so first, with its reasons")
    func inconclusive() {
        var r = AnalysisResult()
        r.hypotheses = [Hypothesis(id: .networkLoss, title: "t", score: 0.4, scoreExplanation: "e", summary: "s <x>")]
        r.verdict = Verdict(id: .networkLoss, score: 0.4, status: .inconclusive, reasons: ["no kernel log was read"])
        let html = HTMLReport.analyze(r, version: "t")
        #expect(html.contains("<b>Verdict:</b> <b>inconclusive</b>. Leading: <b>network-loss</b>"))
        #expect(html.contains("<li>Cannot tell because no kernel log was read.</li>"))
        #expect(html.contains("s &lt;x&gt;"))
    }
}
