import Testing
import ForensicModel
@testable import Reporting

/// Colour comes from what the report says each piece is, never from reading the text back.
@Suite("Styled text report")
struct StyledTextTests {
    /// A report whose words imitate the shapes the old line-pattern colourer keyed on.
    func tricky() -> AnalysisResult {
        var r = AnalysisResult()
        r.hypotheses = [
            Hypothesis(id: .oomKillStall, title: "Kills", score: 0.6, scoreExplanation: "e", summary: "Clock: not a clock note",
                       evidence: [Evidence("   + not a sign")], counterEvidence: [Evidence("against it")]),
            Hypothesis(id: .networkLoss, title: "Verdict: not the verdict", score: 0.2, scoreExplanation: "e", summary: "Warnings\n--------"),
        ]
        r.hypotheses[0].rank = 1; r.hypotheses[1].rank = 2
        r.verdict = Verdict(id: .oomKillStall, score: 0.6, status: .conclusive, reasons: [])
        r.warnings = [Warning(source: Provenance(path: "dmesg", line: 3), message: "a line cut short")]
        return r
    }

    @Test("plain rendering is the text report itself; ANSI styles only the marked pieces")
    func styles() {
        let styled = TextReport.analyzeStyled(tricky())
        #expect(styled.plain == TextReport.analyze(tricky()))
        let bold = "\u{1B}[1m", red = "\u{1B}[31m", green = "\u{1B}[32m", yellow = "\u{1B}[33m", reset = "\u{1B}[0m"
        let ansi = styled.ansi
        #expect(ansi.hasPrefix(bold + "Verdict: oom-kill-stall"))
        #expect(ansi.contains(bold + "Hypotheses" + reset + "\n" + bold + "----------" + reset))
        #expect(ansi.contains(bold + red + "1. oom-kill-stall"))
        #expect(ansi.contains("\n" + bold + "2. network-loss"), "only the leading hypothesis is red")
        #expect(ansi.contains("   " + green + "+" + reset + " + not a sign"))
        #expect(ansi.contains("   " + red + "-" + reset + " against it"))
        #expect(ansi.contains(yellow + "  dmesg:3: a line cut short" + reset))
        // words shaped like the old patterns stay plain
        #expect(ansi.contains("\n   Clock: not a clock note\n"))
        #expect(!ansi.contains(yellow + "   Clock"))
        #expect(!ansi.contains(bold + "   Warnings"))
        // every styled line is reset on that line
        for line in ansi.split(separator: "\n") {
            let opened = line.matches(of: /\x1B\[3[123]m|\x1B\[1m(?!\x1B)/).count
            #expect(opened == line.matches(of: /\x1B\[0m/).count, "\(line)")
        }
    }

    @Test("--quiet's first paragraph keeps its styles and stops at the first empty line")
    func firstParagraph() {
        let p = TextReport.analyzeStyled(tricky()).firstParagraph()
        #expect(p.plain == "Verdict: oom-kill-stall (score 0.600): Clock: not a clock note\n")
        #expect(p.parts.first?.style == .verdict)
        var t = StyledText("a\nb", .heading); t.add("\n\nc")
        #expect(t.firstParagraph().plain == "a\nb\n")
    }
}
