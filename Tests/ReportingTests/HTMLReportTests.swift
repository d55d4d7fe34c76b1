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

/// The structure of the page, checked without a browser (scripts/check_html.sh checks the same
/// page as Chromium lays it out).
@Suite("HTML report structure")
struct HTMLStructureTests {
    static let t0 = Timestamp(nanos: 1_709_603_400 * 1_000_000_000)   // 2024-03-05T01:50:00Z

    /// 570 s (with the 2 % margins: 2 s bins): 3 kills, 5 real retransmissions right after each
    /// (one bin), and 40 copies in every 2 s bin (the copies outnumber the real ones 30 to 1).
    func incident() -> AnalysisResult {
        var r = AnalysisResult()
        let t0 = Self.t0
        var c = CaptureSummary(path: "/data/incident/captures/any.pcap", linkType: "LINUX_SLL2")
        c.firstTime = t0; c.lastTime = t0 + 570
        r.captures = [c]
        var frame = 0
        for k in 0..<3 {
            var kill = OOMKill(source: Provenance(path: "/data/incident/sosreport-node7/var/log/journal", cursor: "s=5d2df5c3f48149c1a77e612d38dac306;i=\(k + 5);b=5f3c2a1b9d8e4f60a7b6c5d4e3f2a190;m=b8c70250;t=612e01553c650;x=2d2be"), sourceKind: .journalBinary)
            kill.victimComm = "java"; kill.victimPid = 4242 + k; kill.containerName = "logstash"; kill.victimThreads = 300
            kill.tInvoked = t0 + 100 + Double(k) * 150; kill.tReaped = kill.tInvoked! + 1.5
            r.oomKills.append(kill)
            for j in 0..<5 {
                frame += 1
                r.retransmissions.append(RetransmissionEvent(frame: frame, time: kill.tInvoked! + 0.05 + Double(j) * 0.1, flow: "a -> b", kind: "retransmission", copyOf: nil, isSYN: false, rto: 0.2, capturePath: c.path))
            }
        }
        for i in 0..<(285 * 40) {
            frame += 1
            r.retransmissions.append(RetransmissionEvent(frame: frame, time: t0 + Double(i / 40) * 2 + 0.01 * Double(i % 40), flow: "a -> b", kind: "retransmission", copyOf: frame - 1, isSYN: false, rto: 0.2, capturePath: c.path))
        }
        r.inputRoot = "/data/incident"
        r.hypotheses = [
            Hypothesis(id: .oomKillStall, title: "Kills", score: 0.75, scoreExplanation: "e", summary: "logstash was OOM-killed 3 times",
                       evidence: [Evidence("a kill", source: r.oomKills[0].source.description)]),
            Hypothesis(id: .captureDuplicates, title: "Copies", score: 0, scoreExplanation: "e", summary: "copies of one packet (`tcpdump -i any`)"),
            Hypothesis(id: .conntrackFull, title: "Conntrack", score: 0, scoreExplanation: "e", summary: "No conntrack drop in the logs read."),
        ]
        for i in r.hypotheses.indices { r.hypotheses[i].rank = i + 1 }
        return r
    }

    /// `<g class="lane" data-lane="ID">…</g>` bodies by lane id.
    func lanes(_ svg: Substring) -> [String: Substring] {
        var out: [String: Substring] = [:]
        var rest = svg
        while let a = rest.range(of: "<g class=\"lane\" data-lane=\"") {
            let idEnd = rest[a.upperBound...].firstIndex(of: "\"")!
            let end = rest[a.upperBound...].range(of: "</g>")!
            out[String(rest[a.upperBound..<idEnd])] = rest[a.upperBound..<end.lowerBound]
            rest = rest[end.upperBound...]
        }
        return out
    }

    func firstSVG(_ html: String) -> Substring {
        let a = html.range(of: "<svg")!, b = html.range(of: "</svg>")!
        return html[a.lowerBound..<b.upperBound]
    }

    @Test("lanes: only the ones with marks; real retransmissions on their own scale, copies on theirs")
    func lanesAndScales() {
        let html = HTMLReport.analyze(incident(), version: "t")
        let l = lanes(firstSVG(html))
        #expect(Set(l.keys) == ["oom", "real", "copies"], "no kernel events and no symptoms: no lanes for them")
        for (id, body) in l { #expect(body.contains("class=\"mark\""), "lane \(id) is empty") }
        // 5 real retransmissions within 0.4 s fall in one 2 s bin (the chart spans 570 s + 2 × 11.4 s)
        #expect(html.contains("bins of 2 s"))
        #expect(l["real"]!.contains("max 5 per 2 s bin"), "the real lane's scale is its own")
        #expect(l["copies"]!.contains("max 40 per 2 s bin"))
        // the tallest real bar fills the lane's bar area (66 px) although copies are 8× more per bin
        let heights = l["real"]!.matches(of: /data-n="(\d+)"[^>]*height="([\d.]+)"/).map { (Int($0.1)!, Double($0.2)!) }
        #expect(heights.count == 3 && heights.allSatisfy { $0.0 == 5 && $0.1 == 66 })
        // legend and lane speak of the same unit
        #expect(html.contains("real retransmissions, count per bin"))
        #expect(!html.contains("/ s<") && !html.contains("per s<"))
    }

    @Test("--wireshark-compatible: the retransmission lane says the copies are in it")
    func copiesKept() {
        var r = incident()
        r.retransmissions = RetransmissionLog(r.retransmissions.map { var e = $0; e.copyOf = nil; return e })
        r.copiesKept = true
        let html = HTMLReport.analyze(r, version: "t")
        #expect(html.contains(">retransmissions (copies kept)</text>"))
        #expect(!html.contains(">real retransmissions</text>"))
        #expect(html.contains("--wireshark-compatible: copies kept"))
    }

    @Test("no lane at all when nothing has a time in it, and no empty lanes beside full ones")
    func noEmptyLanes() {
        var r = incident()
        r.retransmissions = RetransmissionLog(r.retransmissions.filter { $0.copyOf == nil })
        let l = lanes(firstSVG(HTMLReport.analyze(r, version: "t")))
        #expect(Set(l.keys) == ["oom", "real"])
        #expect(!HTMLReport.analyze(r, version: "t").contains("copies (what only Wireshark"), "no legend entry for what is not drawn")
    }

    @Test("time labels stay inside the chart: the last one is right-aligned when at the edge")
    func labelsInside() {
        var r = incident()
        // a span whose last tick falls on the right edge of the plot
        r.captures[0].firstTime = Self.t0; r.captures[0].lastTime = Self.t0 + 600
        r.oomKills = []
        for span in [600.0, 599.9, 3600, 86400, 7] {
            r.captures[0].lastTime = Self.t0 + span
            let svg = firstSVG(HTMLReport.analyze(r, version: "t"))
            let ticks = svg.matches(of: /<text class="tick" x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)">([^<]+)</).map { (Double($0.1)!, String($0.2), String($0.3)) }
            #expect(!ticks.isEmpty)
            for (x, anchor, label) in ticks {
                let w = Double(label.count) * 6.5
                let (lo, hi) = anchor == "end" ? (x - w, x) : anchor == "start" ? (x, x + w) : (x - w / 2, x + w / 2)
                #expect(lo >= 0 && hi <= HTMLReport.chartWidth, "\(label) spans \(lo)…\(hi) (span \(span) s)")
            }
        }
    }

    @Test("zero-score hypotheses share one list; supported ones get a card with the bar on their track")
    func zeroCollapsed() {
        let html = HTMLReport.analyze(incident(), version: "t")
        #expect(html.components(separatedBy: "<div class=\"hyp\"").count == 2, "one card: the supported hypothesis")
        #expect(html.components(separatedBy: "<ul class=\"zero\">").count == 2)
        #expect(html.contains("<li data-id=\"capture-duplicates\">") && html.contains("<li data-id=\"conntrack-full\">"))
        #expect(html.contains("<span class=\"barbg\" title=\"score 0.750\"><span class=\"bar\" style=\"width:75%\"></span></span>"))
        #expect(html.contains(".bar{position:absolute;left:0;top:0;bottom:0;"), "the bar fills its track's height from its top-left corner")
    }

    @Test("markdown code spans become <code>, no literal backtick; provenance short with the full value on hover")
    func textPieces() {
        let html = HTMLReport.analyze(incident(), version: "t")
        #expect(html.contains("copies of one packet (<code>tcpdump -i any</code>)"))
        let body = html[html.range(of: "<body>")!.upperBound...]
        #expect(!body.contains("`"))
        let full = incident().oomKills[0].source.description
        #expect(html.contains("<span class=\"src\" title=\"\(HTMLReport.esc(full))\">[sosreport-node7/var/log/journal@i=5]</span>"))
        #expect(!html.contains(">" + HTMLReport.esc(full) + "<"), "the full cursor is never the visible text")
        #expect(HTMLReport.inline("a `b` c `d") == "a <code>b</code> c &#39;d")
        #expect(HTMLReport.inline("**x** <y>") == "x &lt;y&gt;")
        #expect(HTMLReport.src("dmesg:12", root: nil) == "<span class=\"src\">dmesg:12</span>")
        #expect(HTMLReport.src("/r/sosreport-node7/var/log/journal/abc/messages:12", root: "/r") == "<span class=\"src\" title=\"/r/sosreport-node7/var/log/journal/abc/messages:12\">…/abc/messages:12</span>")
        #expect(HTMLReport.src("/r/var/log/messages:12", root: "/r") == "<span class=\"src\" title=\"/r/var/log/messages:12\">var/log/messages:12</span>")
    }

    @Test("the --since/--until window is stated at the top")
    func window() {
        var r = incident()
        r.window = TimeWindow(start: Self.t0 + 60, end: nil)
        let html = HTMLReport.analyze(r, version: "t")
        let w = html.range(of: "<b>Window:</b> only 2024-03-05T01:51:00.000000Z – the end")
        #expect(w != nil)
        #expect(w.map { $0.lowerBound < html.range(of: "<h2>Timeline")!.lowerBound } == true)
    }
}
