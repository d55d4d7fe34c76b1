import ForensicModel

/// Plain-text report for people: the verdict first, then the evidence.
public enum TextReport {
    public struct Options: Sendable {
        public var verbose = false
        public var maxEvidence = 6
        public init(verbose: Bool = false) { self.verbose = verbose }
    }

    /// Several nodes: a fleet summary, then each node's report.
    public static func fleet(_ rs: [AnalysisResult], options: Options = Options()) -> String { fleetStyled(rs, options: options).plain }

    public static func fleetStyled(_ rs: [AnalysisResult], options: Options = Options()) -> StyledText {
        var o = StyledText("Fleet: \(rs.count) nodes\n", .verdict)
        for r in rs {
            let top = r.hypotheses.first
            var v = top.map { $0.score > 0 ? "\($0.id.rawValue) (score \(score($0.score)))" : "no hypothesis supported" } ?? "nothing to assess"
            if r.verdict?.status == .inconclusive { v = "inconclusive (leading: " + v + ")" }
            o += "  \(r.node ?? "?"): \(v); \(r.oomKills.count) OOM kill\(r.oomKills.count == 1 ? "" : "s")" + (r.kernelLogInputs == 0 ? "; no kernel log read" : "") + "\n"
        }
        for r in rs {
            o.add("\n=== node \(r.node ?? "?")\(r.inputRoot.map { " (\($0))" } ?? "") ===\n", .heading)
            o += "\n"
            o += analyzeStyled(r, options: options)
        }
        return o
    }

    public static func analyze(_ r: AnalysisResult, options: Options = Options()) -> String { analyzeStyled(r, options: options).plain }

    /// The report with what each piece is (verdict, headings, signs, warnings) marked for colour.
    public static func analyzeStyled(_ r: AnalysisResult, options: Options = Options()) -> StyledText {
        var o = StyledText()
        if let top = r.hypotheses.first {
            let v = r.verdict
            if top.score > 0 {
                if let v, v.status == .inconclusive {
                    o.add(wrap("Verdict: inconclusive. Leading: \(top.id.rawValue) (score \(score(top.score))): \(top.summary)", indent: "", hanging: "  "), .verdict)
                    for reason in v.reasons { o.add(wrap("Cannot tell because " + reason + ".", indent: "  ", hanging: "    "), .caution) }
                } else {
                    o.add(wrap("Verdict: \(top.id.rawValue) (score \(score(top.score))): \(top.summary)", indent: "", hanging: "  "), .verdict)
                }
            } else if let v, v.status == .inconclusive {
                o.add("Verdict: inconclusive. No hypothesis is supported by the inputs.\n", .verdict)
                for reason in v.reasons { o.add(wrap("Cannot tell because " + reason + ".", indent: "  ", hanging: "    "), .caution) }
            } else {
                o.add("Verdict: no hypothesis is supported by the inputs (nothing scored above 0).\n", .verdict)
                for reason in v?.reasons.dropFirst() ?? [] { o += wrap("Note: " + reason + ".", indent: "  ", hanging: "    ") }
            }
        }
        o += "\n"
        if let w = r.window {
            o.add(wrap("Window: only \(w.text) (--since/--until): OOM kills, kernel events, retransmissions and the retransmission counts are limited to it (frame, copy and dup-ACK counts cover the whole capture files).", indent: "", hanging: "  "), .caution)
            o += "\n"
        }
        o.add(section("Hypotheses"), .heading)
        let quiet = r.hypotheses.filter { $0.score == 0 && !options.verbose }
        for h in r.hypotheses where !(h.score == 0 && !options.verbose) {
            o.add(wrap("\(h.rank). \(h.id.rawValue)  score \(score(h.score))  \(h.title)", indent: "", hanging: "   "), .hypothesis(top: h.rank == 1 && h.score > 0))
            o += wrap(h.summary, indent: "   ")
            if h.score > 0 || options.verbose { o += wrap("score = " + h.scoreExplanation, indent: "   ") }
            for e in h.evidence.prefix(options.verbose ? .max : options.maxEvidence) { o += item("+", e) }
            if !options.verbose && h.evidence.count > options.maxEvidence { o += "   + … \(h.evidence.count - options.maxEvidence) more (--verbose)\n" }
            for e in h.counterEvidence.prefix(options.verbose ? .max : options.maxEvidence) { o += item("-", e) }
            if let n = h.nextStep, h.score > 0 { o += wrap("Next: " + n, indent: "   ") }
            o += "\n"
        }
        if !quiet.isEmpty {
            o += "Not supported by the inputs (score 0; --verbose for details):\n"
            for h in quiet { o += wrap("\(h.rank). \(h.id.rawValue): \(h.summary)", indent: "   ", hanging: "      ") }
            o += "\n"
        }
        if let off = r.suggestedPcapOffset {
            o.add(wrap("Clock: the capture lines up better with the node's events when shifted by \(off) s. If the capture host's clock was off (check NTP), rerun with --pcap-offset=\(off); otherwise this is chance.", indent: ""), .caution)
            o += "\n"
        }
        o += oomTableStyled(r.oomKills, root: r.inputRoot)
        o += captureTableStyled(r.captures)
        o += inputsTableStyled(r.inputs, clockNotes: r.clockNotes, root: r.inputRoot)
        o += warningsBlockStyled(r.warnings, verbose: options.verbose)
        return o
    }

    public static func oomOnly(_ r: AnalysisResult, options: Options = Options()) -> String { oomOnlyStyled(r, options: options).plain }

    public static func oomOnlyStyled(_ r: AnalysisResult, options: Options = Options()) -> StyledText {
        var o = oomTableStyled(r.oomKills, root: r.inputRoot)
        o += inputsTableStyled(r.inputs, clockNotes: r.clockNotes, root: r.inputRoot)
        o += warningsBlockStyled(r.warnings, verbose: options.verbose)
        return o
    }

    public static func retrans(_ r: AnalysisResult, options: Options = Options()) -> String { retransStyled(r, options: options).plain }

    public static func retransStyled(_ r: AnalysisResult, options: Options = Options()) -> StyledText {
        var o = StyledText()
        func heading(_ title: String) { o.add(section(title), .heading) }
        for c in r.captures {
            let real = c.retransmissionsReal, ws = c.retransmissionsWireshark
            if ws > real && c.duplicateCopies > 0 {
                o.add("Verdict: Wireshark would show \(ws) retransmissions in \((c.path as String).split(separator: "/").last ?? ""); \(ws - real) of them are copies of one packet seen on another interface (\(c.duplicateCopies) copies in all); \(real) are real.\n", .verdict)
            } else {
                o.add("Verdict: \(real) real retransmission\(real == 1 ? "" : "s") in \((c.path as String).split(separator: "/").last ?? "") (\(c.duplicateCopies) multi-interface copies).\n", .verdict)
            }
        }
        o += "\n"
        o += captureTableStyled(r.captures)
        for c in r.captures where !c.retransmissionsByKind.isEmpty {
            o += "  \(c.path): real retransmissions by kind: " + c.retransmissionsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            if !c.copyInterfaces.isEmpty {
                o += "    copies seen on: " + c.copyInterfaces.sorted { $0.value > $1.value }.prefix(4).map { "\($0.key) (\($0.value))" }.joined(separator: ", ") + "\n"
            }
            for (rw, n) in c.addressRewrites.sorted(by: { $0.value > $1.value }).prefix(3) { o += "    address rewrite between copies (\(n)×): \(rw)\n" }
        }
        let flows = r.captures.flatMap(\.flows).filter { $0.retransmissions > 0 }
        if !flows.isEmpty {
            o += "\n"
            heading("Top flows by real retransmissions")
            let rows = flows.sorted { $0.retransmissions > $1.retransmissions }.prefix(10).map { f in
                [f.flow, String(f.segments), String(f.retransmissions), String(f.fast), String(f.synRetransmissions), format3(f.maxRTO) + " s"]
            }
            o += table(["flow", "segments", "retrans", "fast", "SYN", "max RTO"], rows, rightAligned: [1, 2, 3, 4, 5])
        }
        // lazily: a capture with a million retransmissions must not be copied to be printed
        let real = r.retransmissions.lazy.filter { $0.copyOf == nil }
        let syn = Array(real.filter(\.isSYN).prefix(10))
        let synCount = real.reduce(0) { $0 + ($1.isSYN ? 1 : 0) }
        if !syn.isEmpty {
            o += "\n"
            heading("Connect stalls: \(synCount) SYN retransmission\(synCount == 1 ? "" : "s")")
            for e in syn.prefix(10) { o += "  #\(pad(String(e.frame), 8))\(e.time.iso8601)  \(e.flow)\(e.rto.map { "  after \(format3($0)) s" } ?? "")\n" }
        }
        // the ten longest, kept while walking (no sorted copy of every event)
        var long: [RetransmissionEvent] = []
        var longCount = 0
        for e in real where (e.rto ?? 0) >= 1 {
            longCount += 1
            long.append(e)
            if long.count > 10 { long.sort { ($0.rto ?? 0) > ($1.rto ?? 0) }; long.removeLast() }
        }
        long.sort { ($0.rto ?? 0) > ($1.rto ?? 0) }
        if !long.isEmpty {
            o += "\n"
            heading("Long RTO gaps (≥ 1 s): \(longCount)")
            for e in long.prefix(10) { o += "  #\(pad(String(e.frame), 8))\(e.time.iso8601)  rto \(format3(e.rto!)) s  \(e.flow)\n" }
        }
        if real.first(where: { _ in true }) != nil {
            o += "\n"
            heading("Real retransmissions (first 20)")
            for e in real.prefix(options.verbose ? .max : 20) {
                o += "  #\(pad(String(e.frame), 8))\(e.time.iso8601)  \(pad(e.kind, 24))\(e.flow)\(e.rto.map { "  rto \(format3($0)) s" } ?? "")\n"
            }
        }
        o += "\n"
        o += inputsTableStyled(r.inputs, clockNotes: [])
        o += warningsBlockStyled(r.warnings, verbose: options.verbose)
        return o
    }

    // MARK: - pieces

    static func section(_ title: String) -> String { title + "\n" + String(repeating: "-", count: title.count) + "\n" }

    static func score(_ s: Double) -> String { format3(s) }

    static func format3(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        let whole = Int(r)
        var frac = String(Int(((r - Double(whole)) * 1000).rounded()))
        while frac.count < 3 { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    static func item(_ sign: String, _ e: Evidence) -> StyledText {
        let lines = wrap(e.text + (e.source.map { "  [\(shortCursor($0))]" } ?? ""), indent: "   \(sign) ", hanging: "     ")
        var o = StyledText("   ")
        o.add(sign, sign == "+" ? .support : .against)
        o += String(lines.dropFirst(4))
        return o
    }

    /// Journal cursors are long; text shows the seqnum part (`…@i=1b`); JSON keeps them whole.
    static func shortCursor(_ s: String) -> String {
        guard let at = s.firstIndex(of: "@"), s[at...].contains(";i=") else { return s }
        let cursor = s[s.index(after: at)...]
        let i = cursor.split(separator: ";").first { $0.hasPrefix("i=") } ?? ""
        return s[..<at] + "@" + i + " (full cursor in --format json)"
    }

    static func short(_ p: Provenance) -> String { shortCursor(p.description) }

    static func wrap(_ text: String, indent: String, hanging: String? = nil, width: Int = 100) -> String {
        var out = ""
        var line = indent
        var length = indent.count   // kept as words are added (String.count walks the string)
        var hasWord = false
        let hang = hanging ?? indent
        let hangLength = hang.count
        for word in text.split(separator: " ") {
            let w = word.count
            if hasWord, length + w + 1 > width {
                out += line + "\n"
                line = hang
                length = hangLength
                hasWord = false
            }
            if hasWord { line += " "; length += 1 }
            line += word
            length += w
            hasWord = true
        }
        return out + line + "\n"
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        if s.count >= n { return s }
        let p = String(repeating: " ", count: n - s.count)
        return right ? p + s : s + p
    }

    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 && !rightAligned.contains(i) ? c : pad(c, widths[i], right: rightAligned.contains(i)) }
                .joined(separator: "  ").trimmingTrailing() + "\n"
        }
        return "  " + line(header) + rows.map { "  " + line($0) }.joined()
    }

    static func oomTable(_ kills: [OOMKill], root: String? = nil) -> String { oomTableStyled(kills, root: root).plain }

    static func oomTableStyled(_ kills: [OOMKill], root: String? = nil) -> StyledText {
        func rel(_ s: String) -> String { root.map { s.replacingAll($0 + "/", with: "") } ?? s }
        var o = StyledText(section("OOM kills (\(kills.count))"), .heading)
        if kills.isEmpty { o += "  none found\n\n"; return o }
        let rows = kills.map { k -> [String] in
            let victim = "\(k.victimComm ?? "?")[\(k.victimPid.map(String.init) ?? "?")]"
            let who = k.containerName.map { "\($0) " } ?? ""
            let when = (k.tInvoked ?? k.tKilled).map { t -> String in let iso = t.iso8601; return iso.prefix(10) + " " + iso.dropFirst(11).prefix(12) } ?? "not on UTC"
            return [when, who + victim, k.scope.rawValue,
                    k.killDuration.map { format3($0.seconds) + " s" + ($0.end == "reaped" ? "" : "*") } ?? "?",
                    k.victimThreads.map(String.init) ?? "?",
                    k.anonRssKB.map { "\($0 / 1024) MiB" } ?? "?"]
        }
        o += table(["#", "invoked (UTC)", "victim", "scope", "took", "threads", "anon-rss"],
                   rows.enumerated().map { [String($0.offset + 1)] + $0.element }, rightAligned: [0, 4, 5, 6])
        for (i, k) in kills.enumerated() {
            var d = "#\(i + 1) "
            if let pod = k.podName ?? k.podUID {
                let container = k.containerName ?? k.containerID.map { String($0.prefix(12)) }
                d += "pod \(pod)" + (container.map { ", container \($0)" } ?? "") + "; "
            }
            d += k.invokerComm.map { "invoked by \($0)" + (k.invokerPid.map { "[\($0)]" } ?? "") } ?? "invoker unknown"
            if let a = k.kInvoked { d += ", kernel \(formatKernelSeconds(a))" + (k.kReaped.map { " → \(formatKernelSeconds($0))" } ?? "") }
            d += "; read from \(rel(short(k.source)))" + (k.alsoSeenIn.isEmpty ? "" : " and \(k.alsoSeenIn.count) other source\(k.alsoSeenIn.count == 1 ? "" : "s")")
            o += wrap(d, indent: "  ", hanging: "     ")
            if let s = k.victimThreadsSource { o += wrap("threads: " + rel(s), indent: "     ", hanging: "       ") }
            if let w = k.why { o += wrap("why: " + w, indent: "     ", hanging: "       ") }
            if let m = k.memory, let alloc = memoryLine(m) { o += wrap(alloc, indent: "     ", hanging: "       ") }
            if k.tInvoked == nil && k.tKilled == nil, let t = k.timeSource { o += wrap("time: " + t, indent: "     ", hanging: "       ") }
        }
        if kills.contains(where: { $0.killDuration?.end == "killed" }) { o += "  * no oom_reaper line: duration measured invoked → killed\n" }
        o += "\n"
        return o
    }

    /// `allocation: GFP_KERNEL, order 0; top rss: java 1.9 GiB, …` from a decoded OOM record.
    static func memoryLine(_ m: OOMMemoryReport) -> String? {
        var parts: [String] = []
        let a = m.allocation
        if !a.gfpFlags.isEmpty || a.order != nil {
            var s = "allocation: " + (a.gfpFlags.isEmpty ? (a.gfpMask ?? "?") : a.gfpFlags.joined(separator: "|"))
            if let o = a.order { s += ", order \(o)" }
            if let n = a.nodemask, n != "(null)" { s += ", nodemask \(n)" }
            if let c = a.memsAllowed { s += ", mems_allowed \(c)" }
            parts.append(s)
        }
        if let t = m.tasks, !t.top.isEmpty {
            parts.append("top rss: " + t.top.prefix(3).map { "\($0.name)[\($0.pid)] \(formatKB($0.rssPages * m.pageKB))" }.joined(separator: ", ")
                         + " of \(formatKB(t.totalRssPages * m.pageKB)) in \(t.rows) row\(t.rows == 1 ? "" : "s")")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func captureTable(_ caps: [CaptureSummary]) -> String { captureTableStyled(caps).plain }

    static func captureTableStyled(_ caps: [CaptureSummary]) -> StyledText {
        var o = StyledText(section("Captures (\(caps.count))"), .heading)
        if caps.isEmpty { o += "  none given (use --pcap FILE)\n\n"; return o }
        let rows = caps.map { c in
            [c.path.split(separator: "/").last.map(String.init) ?? c.path, c.linkType, String(c.frames), String(c.duplicateCopies),
             String(c.retransmissionsWireshark), String(c.retransmissionsReal), String(c.dupAcksWireshark), String(c.dupAcksReal)]
        }
        o += table(["file", "link", "frames", "copies", "retrans W", "retrans real", "dupACK W", "dupACK real"], rows, rightAligned: [2, 3, 4, 5, 6, 7])
        o += "    (W: as Wireshark shows them, copies included; real: copies removed)\n"
        for c in caps {
            if let f = c.firstTime, let l = c.lastTime { o += wrap("\(c.path): \(f.iso8601) – \(l.iso8601)", indent: "    ", hanging: "      ") }
            if let t = c.truncatedAt { o += "    file ends early \(t)\n" }
        }
        o += "\n"
        return o
    }

    static func inputsTable(_ inputs: [InputReport], clockNotes: [String], root: String? = nil) -> String {
        inputsTableStyled(inputs, clockNotes: clockNotes, root: root).plain
    }

    static func inputsTableStyled(_ inputs: [InputReport], clockNotes: [String], root: String? = nil) -> StyledText {
        var o = StyledText(section("Inputs (\(inputs.count))"), .heading)
        if let root { o += "  under \(root)/ unless given:\n" }
        func rel(_ p: String) -> String {
            guard let root, p.hasPrefix(root + "/") else { return p }
            return String(p.dropFirst(root.count + 1))
        }
        let rows = inputs.map { [$0.status.rawValue, $0.kind, rel($0.path) + ($0.discovered ? "" : " (given)")] }
        o += table(["status", "kind", "path"], rows)
        for i in inputs where !i.detail.isEmpty {
            o += wrap("\(i.path.split(separator: "/").last ?? ""): \(i.detail)", indent: "    ", hanging: "      ")
        }
        for n in clockNotes { o += wrap("clock: " + n, indent: "  ", hanging: "    ") }
        o += "\n"
        return o
    }

    static func warningsBlock(_ ws: [Warning], verbose: Bool) -> String { warningsBlockStyled(ws, verbose: verbose).plain }

    static func warningsBlockStyled(_ ws: [Warning], verbose: Bool) -> StyledText {
        guard !ws.isEmpty else { return StyledText() }
        var o = StyledText(section("Warnings (\(ws.count))"), .heading)
        for w in ws.prefix(verbose ? .max : 10) { o.add(wrap("\(w.source): \(w.message)", indent: "  ", hanging: "    "), .caution) }
        if !verbose && ws.count > 10 { o += "  … \(ws.count - 10) more (--verbose)\n" }
        return o
    }
}

extension String {
    func trimmingCharacters() -> String { String(drop { $0 == " " }) }
    func trimmingTrailing() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension String {
    /// Replaces every occurrence of `a` with `b` (no Foundation in this module).
    func replacingAll(_ a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
