import Foundation
import Testing
@testable import Reporting
import ForensicModel

@Suite("JSON writer")
struct JSONTests {
    @Test("strings with quotes, backslashes, control characters and non-ASCII read back as written", arguments: [
        "plain", "", "say \"hi\"", "C:\\path\\x", "line1\nline2\r\n\ttab", "nul \u{0} bell \u{7} esc \u{1B}",
        "[main]>worker0", "naïve – ünïcödé ✓ 🚀", "\u{1F}\u{20}\u{7F}", "trailing backslash \\",
    ])
    func roundTrip(s: String) throws {
        let text = JSON.object([(s, .string(s)), ("k", .array([.string(s)]))]).render(indent: 0)
        let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(back?[s] as? String == s)
        #expect((back?["k"] as? [String])?.first == s)
        // nothing below 0x20 is written raw
        #expect(!text.utf8.contains { $0 < 0x20 && $0 != 0x0A })
    }
}

/// The documents written piece by piece (`oom`, `retrans`) are the very documents the tree gives.
@Suite("Streamed JSON documents")
struct StreamedJSONTests {
    static func result(kills: Int, events: Int) -> AnalysisResult {
        var r = AnalysisResult()
        r.node = "node7"
        let t0 = Timestamp(seconds: 1_709_603_500)
        for i in 0..<kills {
            var k = OOMKill(source: Provenance(path: "dmesg", line: 10 * i + 1), sourceKind: .dmesg)
            k.victimPid = 4000 + i; k.victimComm = i % 2 == 0 ? "java" : "[main]>worker \"0\""
            k.tInvoked = t0 + Double(i); k.tKilled = t0 + Double(i) + 0.001; k.reaped = i % 3 == 0
            k.memcg = "/kubepods/pod\(i)"; k.anonRssKB = 1000 * i; k.alsoSeenIn = [Provenance(path: "journal", cursor: "s=1;i=\(i)")]
            r.oomKills.append(k)
        }
        for i in 0..<events {
            r.retransmissions.append(RetransmissionEvent(frame: i + 1, time: t0 + Double(i) * 0.1, flow: "10.0.0.1:\(i) -> 10.0.0.2:80",
                                                         kind: "retransmission", copyOf: i % 4 == 0 ? i : nil, isSYN: i % 5 == 0,
                                                         rto: i % 2 == 0 ? 0.2 : nil, capturePath: "c.pcap"))
        }
        r.captures = [CaptureSummary(path: "c.pcap", linkType: "EN10MB")]
        r.warnings = [Warning(source: Provenance(path: "dmesg", line: 3), message: "a \"quoted\" warning", code: "test.code")]
        return r
    }

    @Test("oom: streamed equals the tree, pretty and one-line, with and without kills", arguments: [0, 1, 5])
    func oom(kills: Int) {
        let r = Self.result(kills: kills, events: 0)
        for indent in [2, 0] {
            var streamed = ""
            JSONReport.oomOnly(r, version: "t", indent: indent) { streamed += $0 }
            #expect(streamed == JSONReport.oomOnly(r, version: "t").render(indent: indent))
        }
    }

    @Test("the event writer gives what the tree gives, field for field (escapes, nulls, copies in another file)")
    func eventWriter() {
        var r = Self.result(kills: 0, events: 12)
        var events = Array(r.retransmissions)
        events[3].flow = "a \"quoted\" \\ flow\n"
        events[5].copyIn = "other.pcap"; events[5].copyOf = 17
        events[6].rto = 1e-7
        events[7].rto = 123456.789
        r.retransmissions = RetransmissionLog(events)
        for e in r.retransmissions {
            var line = ""
            JSONReport.appendEvent(e, to: &line)
            #expect(line + "\n" == JSONReport.event(e).render(indent: 0))
        }
    }

    @Test("retrans: streamed equals the tree (events one per line when pretty)", arguments: [0, 1, 7])
    func retrans(events: Int) throws {
        let r = Self.result(kills: 0, events: events)
        var one = ""
        JSONReport.retrans(r, version: "t", indent: 0) { one += $0 }
        #expect(one == JSONReport.retrans(r, version: "t").render(indent: 0))
        var pretty = ""
        JSONReport.retrans(r, version: "t") { pretty += $0 }
        // pretty: the same document (events are written one per line, so compare parsed)
        let a = try JSONSerialization.jsonObject(with: Data(pretty.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(JSONReport.retrans(r, version: "t").render().utf8)) as? NSDictionary
        #expect(a != nil && a == b)
    }
}
