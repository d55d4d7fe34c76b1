import Foundation
import ForensicModel

/// One self-contained HTML file: no scripts, fonts or network. The timeline is inline SVG with
/// hover titles; dense series are aggregated into bins so a 24 h bundle stays readable.
public enum HTMLReport {
    /// Several nodes in one page: each node's report body under its own heading.
    public static func fleet(_ rs: [AnalysisResult], version: String) -> String {
        let pages = rs.map { analyze($0, version: version) }
        guard let first = pages.first, let bodyOpen = first.range(of: "<body>") else { return pages.joined() }
        var h = String(first[..<bodyOpen.upperBound]) + "\n<h1>\(rs.count) nodes</h1>\n<ul>\n"
        // anchors by position: two bundles may name the same host
        for (i, r) in rs.enumerated() { h += "<li><a href=\"#node-\(i + 1)\">\(esc(r.node ?? "?"))</a>: \(esc(r.hypotheses.first.map { $0.score > 0 ? $0.id.rawValue : "no hypothesis supported" } ?? "-"))</li>\n" }
        h += "</ul>\n"
        for (i, (r, p)) in zip(rs, pages).enumerated() {
            guard let a = p.range(of: "<body>"), let b = p.range(of: "</body>", options: .backwards) else { continue }
            h += "<section id=\"node-\(i + 1)\"><h1>node \(esc(r.node ?? "?"))</h1>\n" + p[a.upperBound..<b.lowerBound] + "</section>\n"
        }
        return h + "</body></html>\n"
    }

    public static func analyze(_ r: AnalysisResult, version: String) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>nodesleuth report</title>
        <style>
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1280px;color:#1d2329;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
        .verdict{background:#fff8e6;border:1px solid #f0c36d;border-radius:6px;padding:10px 14px;font-size:15px}
        .muted{color:#57606a} code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
        code{background:#eff1f3;border-radius:3px;padding:0 3px}
        table{border-collapse:collapse;width:100%;font-size:13px} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
        th{background:#f6f8fa} td.n{text-align:right;font-variant-numeric:tabular-nums}
        .hyp{border:1px solid #d8dee4;border-radius:6px;padding:8px 12px;margin:8px 0}
        .hyphead{display:flex;align-items:center;gap:8px}
        .barbg{position:relative;flex:none;display:inline-block;width:120px;height:10px;background:#eaeef2;border-radius:2px;overflow:hidden}
        .bar{position:absolute;left:0;top:0;bottom:0;background:#d1242f}
        ul.ev{margin:4px 0 4px 18px;padding:0} ul.ev li{margin:2px 0} .against{color:#8c2f1b} .src{color:#57606a;font-size:12px;overflow-wrap:anywhere}
        .src[title]{text-decoration:underline dotted #8c959f;cursor:help}
        ul.zero{margin:4px 0 4px 18px;padding:0;color:#57606a}
        svg text{font:11px system-ui,sans-serif;fill:#1d2329} svg text.scale{fill:#57606a} .legend span{display:inline-block;margin-right:14px}
        .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
        details summary{cursor:pointer}
        </style></head><body>
        <h1>nodesleuth report</h1>
        <div class="muted">nodesleuth \(esc(version))\(r.inputRoot.map { " · " + esc($0) } ?? "")</div>

        """
        if let w = r.window {
            h += "<p class=\"window\"><b>Window:</b> only \(esc(w.text)) (--since/--until): OOM kills, kernel events, retransmissions and the retransmission counts are limited to it (frame, copy and dup-ACK counts cover the whole capture files).</p>\n"
        }
        if let top = r.hypotheses.first {
            let inconclusive = r.verdict?.status == .inconclusive
            h += "<p class=\"verdict\"><b>Verdict:</b> " + (inconclusive ? "<b>inconclusive</b>. " + (top.score > 0 ? "Leading: " : "") : "")
                + (top.score > 0 ? "<b>\(esc(top.id.rawValue))</b> (score \(f3(top.score))): \(inline(top.summary))" : "no hypothesis is supported by the inputs.") + "</p>\n"
            if inconclusive, let reasons = r.verdict?.reasons, !reasons.isEmpty {
                h += "<ul class=\"reasons\">" + reasons.map { "<li>Cannot tell because \(inline($0)).</li>" }.joined() + "</ul>\n"
            }
        }
        h += timelines(r)
        h += hypotheses(r)
        h += oomTable(r) + flowsTable(r) + inputsTable(r)
        h += "<p class=\"muted\">Times are UTC. Made offline by nodesleuth; this file needs no network.</p>\n</body></html>\n"
        return h
    }

    /// Supported hypotheses get a card each (a score bar on the heading's line); the ones that
    /// scored 0 share one short list.
    static func hypotheses(_ r: AnalysisResult) -> String {
        var h = "<h2>Hypotheses</h2>\n"
        let root = r.inputRoot
        func details(_ hy: Hypothesis, open: Bool) -> String {
            var d = "<details\(open ? " open" : "")><summary>evidence (\(hy.evidence.count)) and counter-evidence (\(hy.counterEvidence.count))</summary>"
            d += "<div class=\"muted\">score = \(inline(hy.scoreExplanation))</div><ul class=\"ev\">"
            for e in hy.evidence { d += "<li>+ \(inline(e.text))\(e.source.map { " " + src($0, root: root, brackets: true) } ?? "")</li>" }
            for e in hy.counterEvidence { d += "<li class=\"against\">− \(inline(e.text))\(e.source.map { " " + src($0, root: root, brackets: true) } ?? "")</li>" }
            return d + "</ul></details>"
        }
        let supported = r.hypotheses.filter { $0.score > 0 }, zero = r.hypotheses.filter { $0.score <= 0 }
        for hy in supported {
            let pct = Int((min(max(hy.score, 0), 1) * 100).rounded())
            h += "<div class=\"hyp\" data-id=\"\(esc(hy.id.rawValue))\"><div class=\"hyphead\"><span class=\"barbg\" title=\"score \(f3(hy.score))\"><span class=\"bar\" style=\"width:\(pct)%\"></span></span>"
            h += "<span><b>\(hy.rank). \(esc(hy.id.rawValue))</b> · score \(f3(hy.score)) · \(esc(hy.title))</span></div>\n"
            h += "<div>\(inline(hy.summary))</div>\n"
            h += details(hy, open: hy.rank == 1)
            if let n = hy.nextStep { h += "<div><b>Next:</b> \(inline(n))</div>" }
            h += "</div>\n"
        }
        if !zero.isEmpty {
            h += "<div class=\"zero\"><p class=\"muted\">Not supported by the inputs (score 0):</p><ul class=\"zero\">"
            for hy in zero {
                h += "<li data-id=\"\(esc(hy.id.rawValue))\"><b>\(esc(hy.id.rawValue))</b>: \(inline(hy.summary))"
                if !hy.evidence.isEmpty || !hy.counterEvidence.isEmpty { h += details(hy, open: false) }
                h += "</li>"
            }
            h += "</ul></div>\n"
        }
        return h
    }

    // MARK: - timeline

    struct Span { var a: Timestamp; var b: Timestamp; var len: Double { max(b - a, 1e-3) } }

    /// The chart's geometry: everything drawn stays inside `0...width` (labels included).
    static let chartWidth = 1240.0, plotLeft = 160.0, plotRight = 16.0

    static func timelines(_ r: AnalysisResult) -> String {
        var times: [Timestamp] = r.oomKills.compactMap { $0.tInvoked ?? $0.tKilled } + r.nodeEvents.compactMap(\.time) + r.symptoms.map(\.start)
        var capture: Span?
        for c in r.captures {
            guard let a = c.firstTime, let b = c.lastTime else { continue }
            capture = capture.map { Span(a: min($0.a, a), b: max($0.b, b)) } ?? Span(a: a, b: b)
            times += [a, b]
        }
        guard let lo = times.min(), let hi = times.max() else { return "<h2>Timeline</h2><p class=\"muted\">Nothing with a time on UTC to draw.</p>\n" }
        let whole = Span(a: lo - max((hi - lo) * 0.02, 1), b: hi + max((hi - lo) * 0.02, 1))
        var out = "<h2>Timeline</h2>\n" + legend(r) + svg(r, whole, title: "everything: \(lo.iso8601) – \(hi.iso8601)")
        if let c = capture, c.len * 3 < whole.len {
            let pad = max(c.len * 0.03, 1)
            out += svg(r, Span(a: c.a - pad, b: c.b + pad), title: "the capture: \(c.a.iso8601) – \(c.b.iso8601)")
        }
        return out
    }

    static func legend(_ r: AnalysisResult) -> String {
        func sw(_ c: String, _ t: String) -> String { "<span><i class=\"sw\" style=\"background:\(c)\"></i>\(t)</span>" }
        var items: [String] = []
        if !r.oomKills.isEmpty { items.append(sw("#e36209", "OOM kill (invoked → reaped)")) }
        if r.retransmissions.contains(where: { $0.copyOf == nil }) {
            items.append(sw("#d1242f", r.copiesKept ? "retransmissions as Wireshark shows them (--wireshark-compatible: copies kept), count per bin (bin width on each chart)"
                                                   : "real retransmissions, count per bin (bin width on each chart)"))
        }
        if r.retransmissions.contains(where: { $0.copyOf != nil }) { items.append(sw("#c4cad0", "copies (what only Wireshark calls retransmissions), count per bin, own scale")) }
        if !r.nodeEvents.isEmpty { items.append(sw("#8250df", "other kernel events")) }
        if !r.bursts.isEmpty || !r.symptoms.isEmpty { items.append(sw("#0969da", "symptoms (bursts, zero window, RST storms, client timeouts)")) }
        return "<div class=\"legend muted\">" + items.joined() + "</div>\n"
    }

    /// A bin width people read easily (0.1 s … 1 day) giving at most about `maxBins` bins.
    static func binWidth(_ len: Double, maxBins: Int = 300) -> Double {
        let steps: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5] + [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
        return steps.first { len / $0 <= Double(maxBins) } ?? 86400
    }

    static func secondsText(_ s: Double) -> String {
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        if s < 60 { return "\(Int(s)) s" }
        if s < 3600 { return "\(Int(s / 60)) min" }
        if s < 86400 { return "\(Int(s / 3600)) h" }
        return "\(Int(s / 86400)) d"
    }

    /// One lane: a name on the left, its marks on the plot; `scale` is the text at its top left.
    struct Lane { var id: String; var name: String; var height: Double; var body: (Double) -> String; var scale: String? }

    static func svg(_ r: AnalysisResult, _ s: Span, title: String) -> String {
        let W = chartWidth, left = plotLeft, right = plotRight, plot = W - left - right
        func x(_ t: Timestamp) -> Double { left + max(0, min(1, (t - s.a) / s.len)) * plot }
        var lanes: [Lane] = []
        // OOM kills: bars as long as each kill (at least 2 px); aggregated when too many.
        let kills = r.oomKills.filter { k in k.window.map { $0.end >= s.a && $0.start <= s.b } ?? false }
        if !kills.isEmpty {
            lanes.append(Lane(id: "oom", name: "OOM kills", height: 34, body: { top in
                var g = ""
                if kills.count <= 400 {
                    for k in kills {
                        let w = k.window!
                        let x0 = x(w.start), x1 = max(x(w.end), x0 + 2)
                        g += "<rect class=\"mark\" x=\"\(f1(x0))\" y=\"\(f1(top + 6))\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#e36209\"><title>\(esc(killTitle(k)))</title></rect>"
                        if kills.count <= 30 {
                            let label = "\(k.containerName ?? k.victimComm ?? "?")\(k.victimThreads.map { " · \($0) thr" } ?? "")"
                            // after the bar, or before it when it would run past the frame
                            let after = x1 + 3 + textWidth(label) <= W - 2
                            g += "<text x=\"\(f1(after ? x1 + 3 : x0 - 3))\" y=\"\(f1(top + 19))\"\(after ? "" : " text-anchor=\"end\"")>\(esc(label))</text>"
                        }
                        g += "\n"
                    }
                } else {
                    g += bins(kills.compactMap { $0.window?.start }, s, x, top: top + 6, height: 18, color: "#e36209", what: "OOM kills")
                }
                return g
            }, scale: nil))
        }
        // Retransmissions: real ones and copies counted per bin, each on its own scale, so the
        // copies (the artefact of `-i any`) never dwarf the real ones. docs/spec/any-copies.md.
        let bw = binWidth(s.len)
        let nb = Int((s.len / bw).rounded(.up))
        var real = [Int](repeating: 0, count: nb), copies = [Int](repeating: 0, count: nb)
        for e in r.retransmissions {
            let i = Int(((e.time - s.a) / bw).rounded(.down))
            guard i >= 0 && i < nb else { continue }
            if e.copyOf == nil { real[i] += 1 } else { copies[i] += 1 }
        }
        func histogram(_ counts: [Int], other: [Int], top: Double, height: Double, color: String, what: String, otherWhat: String) -> String {
            let m = max(1, counts.max() ?? 1)
            var g = ""
            for i in 0..<nb where counts[i] > 0 {
                let t0 = s.a + Double(i) * bw
                let x0 = x(t0), x1 = x(t0 + bw)
                let hh = max(height * Double(counts[i]) / Double(m), 1.5)
                let tip = "\(t0.iso8601) + \(secondsText(bw)): \(counts[i]) \(what), \(other[i]) \(otherWhat)"
                g += "<rect class=\"mark\" data-n=\"\(counts[i])\" x=\"\(f1(x0))\" y=\"\(f1(top + height - hh))\" width=\"\(f1(max(x1 - x0 - 0.5, 1)))\" height=\"\(f1(hh))\" fill=\"\(color)\"><title>\(esc(tip))</title></rect>"
            }
            return g + "\n"
        }
        let realMax = real.max() ?? 0, copyMax = copies.max() ?? 0
        if realMax > 0 {
            lanes.append(Lane(id: "real", name: r.copiesKept ? "retransmissions (copies kept)" : "real retransmissions", height: 90, body: { top in
                histogram(real, other: copies, top: top + 18, height: 66, color: "#d1242f", what: "real retransmission(s)", otherWhat: "copies")
            }, scale: "max \(realMax) per \(secondsText(bw)) bin"))
        }
        if copyMax > 0 {
            lanes.append(Lane(id: "copies", name: "copies (Wireshark only)", height: 44, body: { top in
                histogram(copies, other: real, top: top + 16, height: 22, color: "#c4cad0", what: "copies", otherWhat: "real retransmission(s)")
            }, scale: "max \(copyMax) per \(secondsText(bw)) bin, own scale"))
        }
        // Other kernel events
        let ev = r.nodeEvents.filter { e in e.time.map { $0 >= s.a && $0 <= s.b } ?? false }
        if !ev.isEmpty {
            lanes.append(Lane(id: "events", name: "kernel events", height: 34, body: { top in
                if ev.count > 400 { return bins(ev.compactMap(\.time), s, x, top: top + 6, height: 18, color: "#8250df", what: "kernel events") }
                var g = ""
                for e in ev {
                    let w = e.window!
                    let x0 = x(w.start), x1 = max(x(w.end), x0 + 2)
                    g += "<rect class=\"mark\" x=\"\(f1(x0))\" y=\"\(f1(top + 6))\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#8250df\" opacity=\"0.8\"><title>\(esc("\(e.kind.rawValue) \(e.time!.iso8601): \(e.message)"))</title></rect>\n"
                }
                return g
            }, scale: nil))
        }
        // Symptoms: bursts and other episodes
        var sym: [(Timestamp, Timestamp, String)] = r.bursts.map { ($0.start, $0.end, "retransmission burst: \($0.count) real retransmission(s) \($0.start.iso8601) – \($0.end.clockString)") }
        sym += r.symptoms.map { ($0.start, $0.end, "\($0.kind.rawValue): \($0.count) at \($0.start.iso8601)") }
        sym = sym.filter { $0.1 >= s.a && $0.0 <= s.b }
        if !sym.isEmpty {
            lanes.append(Lane(id: "symptoms", name: "symptoms", height: 34, body: { top in
                if sym.count > 600 { return bins(sym.map(\.0), s, x, top: top + 6, height: 18, color: "#0969da", what: "symptom episodes") }
                var g = ""
                for (a, b, t) in sym {
                    let x0 = x(a), x1 = max(x(b), x0 + 2)
                    g += "<rect class=\"mark\" x=\"\(f1(x0))\" y=\"\(f1(top + 6))\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#0969da\" opacity=\"0.85\"><title>\(esc(t))</title></rect>\n"
                }
                return g
            }, scale: nil))
        }
        guard !lanes.isEmpty else { return "<p class=\"muted\">\(esc(title)): nothing to draw.</p>\n" }

        let H = 24 + lanes.reduce(0) { $0 + $1.height } + 30
        var g = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" data-bin-s=\"\(bw)\" role=\"img\" aria-label=\"\(esc(title))\">\n"
        g += "<text x=\"\(Int(left))\" y=\"14\">\(esc(title)) · bins of \(secondsText(bw))</text>\n"
        var y = 24.0
        for (i, lane) in lanes.enumerated() {
            g += "<g class=\"lane\" data-lane=\"\(lane.id)\">"
            g += "<rect class=\"lanebg\" x=\"\(Int(left))\" y=\"\(f1(y))\" width=\"\(f1(plot))\" height=\"\(f1(lane.height - 4))\" fill=\"\(i % 2 == 0 ? "#f6f8fa" : "#fbfcfd")\"/>"
            g += "<text x=\"8\" y=\"\(f1(y + lane.height / 2))\">\(esc(lane.name))</text>\n"
            if let sc = lane.scale { g += "<text class=\"scale\" x=\"\(Int(left) + 4)\" y=\"\(f1(y + 12))\">\(esc(sc))</text>\n" }
            g += lane.body(y)
            g += "</g>\n"
            y += lane.height
        }
        // axis: labels centred on their tick, the last ones right-aligned so none leaves the frame
        let axisY = y + 4
        g += "<line x1=\"\(Int(left))\" y1=\"\(f1(axisY))\" x2=\"\(Int(W - right))\" y2=\"\(f1(axisY))\" stroke=\"#57606a\"/>\n"
        let step = niceStep(s.len / 8)
        var t = (s.a.seconds / step).rounded(.up) * step
        while t <= s.b.seconds {
            let ts = Timestamp(seconds: t)
            let px = x(ts)
            g += "<line x1=\"\(f1(px))\" y1=\"24\" x2=\"\(f1(px))\" y2=\"\(f1(axisY + 4))\" stroke=\"#d8dee4\" stroke-dasharray=\"2,3\"/>"
            let label = step >= 86400 ? String(ts.iso8601.prefix(10)) : step >= 60 ? String(ts.iso8601.dropFirst(11).prefix(5)) : String(ts.iso8601.dropFirst(11).prefix(8))
            let half = textWidth(label) / 2
            let anchor = px + half > W - 2 ? "end" : px - half < 2 ? "start" : "middle"
            g += "<text class=\"tick\" x=\"\(f1(px))\" y=\"\(f1(axisY + 16))\" text-anchor=\"\(anchor)\">\(label)</text>\n"
            t += step
        }
        return g + "</svg>\n"
    }

    /// Width of `s` in 11 px system-ui, generously estimated (digits and letters ≈ 6.5 px).
    static func textWidth(_ s: String) -> Double { Double(s.count) * 6.5 }

    /// Counts per bin instead of one mark per event.
    static func bins(_ times: [Timestamp], _ s: Span, _ x: (Timestamp) -> Double, top: Double, height: Double, color: String, what: String) -> String {
        let nb = 300
        var c = [Int](repeating: 0, count: nb)
        for t in times { let i = Int((t - s.a) / s.len * Double(nb)); if i >= 0 && i < nb { c[i] += 1 } }
        let m = max(1, c.max() ?? 1)
        var g = ""
        for i in 0..<nb where c[i] > 0 {
            let t0 = s.a + Double(i) * s.len / Double(nb)
            let px = x(t0), w = max(x(s.a + Double(i + 1) * s.len / Double(nb)) - px - 0.5, 1)
            let hh = max(height * Double(c[i]) / Double(m), 2)
            g += "<rect class=\"mark\" x=\"\(f1(px))\" y=\"\(f1(top + height - hh))\" width=\"\(f1(w))\" height=\"\(f1(hh))\" fill=\"\(color)\"><title>\(c[i]) \(what) from \(t0.iso8601)</title></rect>"
        }
        return g + "\n"
    }

    static func niceStep(_ raw: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800]
        return steps.first { $0 >= raw } ?? 604_800
    }

    static func killTitle(_ k: OOMKill) -> String {
        var s = "\(k.containerName.map { $0 + " " } ?? "")\(k.victimComm ?? "?")[\(k.victimPid.map(String.init) ?? "?")] OOM-killed (\(k.scope.rawValue))"
        if let t = k.tInvoked { s += " at \(t.iso8601)" }
        if let d = k.killDuration { s += ", took \(durationText(d.seconds))" }
        if let t = k.victimThreads { s += ", \(t) threads" }
        if let p = k.podName ?? k.podUID { s += ", pod \(p)" }
        if let a = k.anonRssKB { s += ", anon-rss \(a / 1024) MiB" }
        if let w = k.why { s += "\nwhy: " + w }
        return s
    }

    static func durationText(_ s: Double) -> String { s < 1 ? "\(Int((s * 1000).rounded())) ms" : "\(f3(s)) s" }

    // MARK: - text pieces

    /// Summaries are written with `code` spans (for the terminal's eye); here they become
    /// `<code>`; other markdown marks (`**`) are dropped. Everything else is escaped.
    static func inline(_ s: String) -> String {
        var out = "", inCode = false, rest = Substring(s.replacingAll("**", with: ""))
        while let tick = rest.firstIndex(of: "`") {
            out += esc(String(rest[..<tick]))
            if inCode { out += "</code>" } else if rest[rest.index(after: tick)...].contains("`") { out += "<code>" } else { out += esc("'"); rest = rest[rest.index(after: tick)...]; continue }
            inCode.toggle()
            rest = rest[rest.index(after: tick)...]
        }
        return out + esc(String(rest)) + (inCode ? "</code>" : "")
    }

    /// A provenance for reading: relative to the input root, a journal cursor cut to its seqnum
    /// (`@i=1b`), a long path to its last two parts; the full value in the hover title.
    static func src(_ full: String, root: String?, brackets: Bool = false) -> String {
        var short = full
        if let root, short.hasPrefix(root + "/") { short = String(short.dropFirst(root.count + 1)) }
        var tail = ""
        if let at = short.firstIndex(of: "@"), short[at...].contains(";i=") || short[at...].hasPrefix("@s=") {
            let i = short[short.index(after: at)...].split(separator: ";").first { $0.hasPrefix("i=") }
            tail = "@" + (i.map(String.init) ?? "cursor")
            short = String(short[..<at])
        } else if let c = short.lastIndex(where: { $0 == ":" || $0 == "#" || $0 == "+" }), short[short.index(after: c)...].allSatisfy(\.isNumber), short.index(after: c) < short.endIndex {
            tail = String(short[c...])
            short = String(short[..<c])
        }
        let parts = short.split(separator: "/", omittingEmptySubsequences: false)
        if short.count > 40 && parts.count > 2 { short = "…/" + parts.suffix(2).joined(separator: "/") }
        let shown = short + tail
        let text = brackets ? "[\(esc(shown))]" : esc(shown)
        return shown == full ? "<span class=\"src\">\(text)</span>" : "<span class=\"src\" title=\"\(esc(full))\">\(text)</span>"
    }

    // MARK: - tables

    static func oomTable(_ r: AnalysisResult) -> String {
        var h = "<h2>OOM kills (\(r.oomKills.count))</h2>\n"
        guard !r.oomKills.isEmpty else { return h + "<p class=\"muted\">None found.</p>\n" }
        h += "<table><tr><th>invoked (UTC)</th><th>victim</th><th>scope</th><th>took</th><th>threads</th><th>anon-rss</th><th>pod / container</th><th>invoker</th><th>source</th></tr>\n"
        for k in r.oomKills.prefix(500) {
            let pod = [k.podName ?? k.podUID, k.containerName ?? k.containerID.map { String($0.prefix(12)) }].compactMap { $0 }.joined(separator: " / ")
            h += "<tr><td class=\"mono\">\(esc((k.tInvoked ?? k.tKilled)?.iso8601 ?? "not on UTC"))</td><td>\(esc(k.victimComm ?? "?"))[\(k.victimPid.map(String.init) ?? "?")]</td><td>\(k.scope.rawValue)</td>"
            h += "<td class=\"n\">\(k.killDuration.map { durationText($0.seconds) } ?? "?")</td><td class=\"n\" title=\"\(esc(k.victimThreadsSource ?? ""))\">\(k.victimThreads.map(String.init) ?? "?")</td>"
            h += "<td class=\"n\">\(k.anonRssKB.map { "\($0 / 1024) MiB" } ?? "?")</td><td>\(esc(pod))</td><td>\(esc(k.invokerComm ?? "?"))</td><td>\(src(k.source.description, root: r.inputRoot))</td></tr>\n"
            if let w = k.why { h += "<tr class=\"why\"><td></td><td colspan=\"8\">why: \(esc(w))</td></tr>\n" }
        }
        if r.oomKills.count > 500 { h += "<tr><td colspan=\"9\" class=\"muted\">… \(r.oomKills.count - 500) more in the JSON output</td></tr>" }
        return h + "</table>\n"
    }

    static func flowsTable(_ r: AnalysisResult) -> String {
        var h = "<h2>Captures</h2>\n<table><tr><th>file</th><th>link</th><th>frames</th><th>copies</th><th>retrans (Wireshark)</th><th>retrans (real)</th><th>dup ACK (W / real)</th></tr>\n"
        for c in r.captures {
            h += "<tr><td>\(src(c.path, root: r.inputRoot))</td><td>\(esc(c.linkType))</td><td class=\"n\">\(c.frames)</td><td class=\"n\">\(c.duplicateCopies)</td><td class=\"n\">\(c.retransmissionsWireshark)</td><td class=\"n\">\(c.retransmissionsReal)</td><td class=\"n\">\(c.dupAcksWireshark) / \(c.dupAcksReal)</td></tr>\n"
        }
        h += "</table>\n"
        let flows = r.captures.flatMap(\.flows).filter { $0.retransmissions > 0 }.sorted { $0.retransmissions > $1.retransmissions }
        if !flows.isEmpty {
            h += "<h2>Top flows by real retransmissions</h2>\n<table><tr><th>flow</th><th>segments</th><th>retrans</th><th>fast</th><th>SYN</th><th>max RTO</th></tr>\n"
            for f in flows.prefix(20) {
                h += "<tr><td class=\"mono\">\(esc(f.flow))</td><td class=\"n\">\(f.segments)</td><td class=\"n\">\(f.retransmissions)</td><td class=\"n\">\(f.fast)</td><td class=\"n\">\(f.synRetransmissions)</td><td class=\"n\">\(f3(f.maxRTO)) s</td></tr>\n"
            }
            h += "</table>\n"
        }
        return h
    }

    static func inputsTable(_ r: AnalysisResult) -> String {
        var h = "<h2>Inputs (\(r.inputs.count))</h2>\n<table><tr><th>status</th><th>kind</th><th>path</th><th>detail</th></tr>\n"
        for i in r.inputs { h += "<tr><td>\(i.status.rawValue)</td><td>\(esc(i.kind))</td><td>\(src(i.path, root: r.inputRoot))</td><td>\(esc(i.detail))</td></tr>\n" }
        h += "</table>\n"
        if !r.clockNotes.isEmpty { h += "<p class=\"muted\">" + r.clockNotes.map(esc).joined(separator: "<br>") + "</p>\n" }
        if !r.warnings.isEmpty {
            h += "<details><summary>Warnings (\(r.warnings.count))</summary><ul class=\"ev\">"
            for w in r.warnings.prefix(1000) { h += "<li>\(src(w.source.description, root: r.inputRoot)): \(esc(w.message))</li>" }
            h += "</ul></details>\n"
        }
        return h
    }

    static func esc(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: if c.value < 0x20 && c != "\n" && c != "\t" { o += " " } else { o.unicodeScalars.append(c) }
            }
        }
        return o
    }

    static func f1(_ v: Double) -> String { String((v * 10).rounded() / 10) }
    static func f3(_ v: Double) -> String { TextReport.format3(v) }
}
