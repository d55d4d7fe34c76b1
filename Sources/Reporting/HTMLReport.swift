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
        for r in rs { h += "<li><a href=\"#node-\(esc(r.node ?? "?"))\">\(esc(r.node ?? "?"))</a>: \(esc(r.hypotheses.first.map { $0.score > 0 ? $0.id.rawValue : "no hypothesis supported" } ?? "-"))</li>\n" }
        h += "</ul>\n"
        for (r, p) in zip(rs, pages) {
            guard let a = p.range(of: "<body>"), let b = p.range(of: "</body>", options: .backwards) else { continue }
            h += "<section id=\"node-\(esc(r.node ?? "?"))\"><h1>node \(esc(r.node ?? "?"))</h1>\n" + p[a.upperBound..<b.lowerBound] + "</section>\n"
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
        table{border-collapse:collapse;width:100%;font-size:13px} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
        th{background:#f6f8fa} td.n{text-align:right;font-variant-numeric:tabular-nums}
        .hyp{border:1px solid #d8dee4;border-radius:6px;padding:8px 12px;margin:8px 0}
        .bar{display:inline-block;height:10px;background:#d1242f;border-radius:2px;vertical-align:middle}
        .barbg{display:inline-block;width:120px;height:10px;background:#eaeef2;border-radius:2px;margin-right:8px;vertical-align:middle}
        ul.ev{margin:4px 0 4px 18px;padding:0} ul.ev li{margin:2px 0} .against{color:#8c2f1b} .src{color:#57606a;font-size:12px;word-break:break-all}
        svg text{font:11px system-ui,sans-serif;fill:#1d2329} .legend span{display:inline-block;margin-right:14px}
        .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
        details summary{cursor:pointer}
        </style></head><body>
        <h1>nodesleuth report</h1>
        <div class="muted">nodesleuth \(esc(version))\(r.inputRoot.map { " · " + esc($0) } ?? "")</div>

        """
        if let top = r.hypotheses.first {
            let inconclusive = r.verdict?.status == .inconclusive
            h += "<p class=\"verdict\"><b>Verdict:</b> " + (inconclusive ? "<b>inconclusive</b>. " + (top.score > 0 ? "Leading: " : "") : "")
                + (top.score > 0 ? "<b>\(esc(top.id.rawValue))</b> (score \(f3(top.score))): \(esc(top.summary))" : "no hypothesis is supported by the inputs.") + "</p>\n"
            if inconclusive, let reasons = r.verdict?.reasons, !reasons.isEmpty {
                h += "<ul class=\"reasons\">" + reasons.map { "<li>Cannot tell because \(esc($0)).</li>" }.joined() + "</ul>\n"
            }
        }
        h += timelines(r)
        h += "<h2>Hypotheses</h2>\n"
        for hy in r.hypotheses {
            let w = Int((hy.score * 120).rounded())
            h += "<div class=\"hyp\"><div><span class=\"barbg\"><span class=\"bar\" style=\"width:\(w)px\"></span></span><b>\(hy.rank). \(esc(hy.id.rawValue))</b> · score \(f3(hy.score)) · \(esc(hy.title))</div>\n"
            h += "<div>\(esc(hy.summary))</div>\n"
            if hy.score > 0 || !hy.evidence.isEmpty {
                h += "<details\(hy.rank == 1 ? " open" : "")><summary>evidence (\(hy.evidence.count)) and counter-evidence (\(hy.counterEvidence.count))</summary>"
                h += "<div class=\"muted\">score = \(esc(hy.scoreExplanation))</div><ul class=\"ev\">"
                for e in hy.evidence { h += "<li>+ \(esc(e.text))\(e.source.map { " <span class=\"src\">[\(esc($0))]</span>" } ?? "")</li>" }
                for e in hy.counterEvidence { h += "<li class=\"against\">− \(esc(e.text))\(e.source.map { " <span class=\"src\">[\(esc($0))]</span>" } ?? "")</li>" }
                h += "</ul>"
                if let n = hy.nextStep { h += "<div><b>Next:</b> \(esc(n))</div>" }
                h += "</details>"
            }
            h += "</div>\n"
        }
        h += oomTable(r) + flowsTable(r) + inputsTable(r)
        h += "<p class=\"muted\">Times are UTC. Made offline by nodesleuth; this file needs no network.</p>\n</body></html>\n"
        return h
    }

    // MARK: - timeline

    struct Span { var a: Timestamp; var b: Timestamp; var len: Double { max(b - a, 1e-3) } }

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
        var out = "<h2>Timeline</h2>\n" + legend() + svg(r, whole, title: "everything: \(lo.iso8601) – \(hi.iso8601)")
        if let c = capture, c.len * 3 < whole.len {
            let pad = max(c.len * 0.03, 1)
            out += svg(r, Span(a: c.a - pad, b: c.b + pad), title: "the capture: \(c.a.iso8601) – \(c.b.iso8601)")
        }
        return out
    }

    static func legend() -> String {
        func sw(_ c: String, _ t: String) -> String { "<span><i class=\"sw\" style=\"background:\(c)\"></i>\(t)</span>" }
        return "<div class=\"legend muted\">" + sw("#e36209", "OOM kill (invoked → reaped)") + sw("#d1242f", "real retransmissions / s")
            + sw("#b8c0c8", "copies Wireshark calls retransmissions") + sw("#8250df", "other kernel events") + sw("#0969da", "symptoms (bursts, zero window, RST storms, client timeouts)") + "</div>\n"
    }

    static func svg(_ r: AnalysisResult, _ s: Span, title: String) -> String {
        let W = 1240.0, left = 150.0, right = 10.0, plot = W - left - right
        let laneH = 34.0, rateH = 90.0
        let lanes = ["OOM kills", "retransmissions", "kernel events", "symptoms"]
        let H = 24 + laneH + rateH + laneH * 2 + 30
        func x(_ t: Timestamp) -> Double { left + max(0, min(1, (t - s.a) / s.len)) * plot }
        var g = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" role=\"img\" aria-label=\"\(esc(title))\">\n"
        g += "<text x=\"\(Int(left))\" y=\"14\" class=\"muted\">\(esc(title))</text>\n"
        var y = 24.0
        // lane backgrounds and names
        let heights = [laneH, rateH, laneH, laneH]
        var tops: [Double] = []
        for (i, name) in lanes.enumerated() {
            tops.append(y)
            g += "<rect x=\"\(Int(left))\" y=\"\(y)\" width=\"\(plot)\" height=\"\(heights[i] - 4)\" fill=\"\(i % 2 == 0 ? "#f6f8fa" : "#fbfcfd")\"/>"
            g += "<text x=\"8\" y=\"\(y + heights[i] / 2)\">\(name)</text>\n"
            y += heights[i]
        }
        // OOM kills: bars as long as each kill (at least 2 px); aggregated when too many.
        let kills = r.oomKills.filter { k in k.window.map { $0.end >= s.a && $0.start <= s.b } ?? false }
        if kills.count <= 400 {
            for k in kills {
                let w = k.window!
                let x0 = x(w.start), x1 = max(x(w.end), x0 + 2)
                let label = "\(k.containerName ?? k.victimComm ?? "?")\(k.victimThreads.map { " · \($0) thr" } ?? "")"
                g += "<rect x=\"\(f1(x0))\" y=\"\(tops[0] + 6)\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#e36209\"><title>\(esc(killTitle(k)))</title></rect>"
                if kills.count <= 30 { g += "<text x=\"\(f1(x1 + 3))\" y=\"\(tops[0] + 19)\">\(esc(label))</text>" }
                g += "\n"
            }
        } else {
            g += bins(kills.compactMap { $0.window?.start }, s, x, top: tops[0] + 6, height: 18, color: "#e36209", what: "OOM kills")
        }
        // Retransmission rate: stacked real / copies per bin.
        let nb = 300
        let binW = s.len / Double(nb)
        var real = [Int](repeating: 0, count: nb), copies = [Int](repeating: 0, count: nb)
        for e in r.retransmissions {
            let i = Int((e.time - s.a) / binW)
            guard i >= 0 && i < nb else { continue }
            if e.copyOf == nil { real[i] += 1 } else { copies[i] += 1 }
        }
        let maxRate = max(1, zip(real, copies).map { $0 + $1 }.max() ?? 1)
        let base = tops[1] + rateH - 6
        let scale = (rateH - 14) / Double(maxRate)
        for i in 0..<nb where real[i] + copies[i] > 0 {
            let bx = left + Double(i) * plot / Double(nb), bw = max(plot / Double(nb) - 0.5, 1)
            let hr = Double(real[i]) * scale, hc = Double(copies[i]) * scale
            let t0 = s.a + Double(i) * binW
            let tip = "\(t0.iso8601) (+\(f1(binW)) s): \(real[i]) real retransmission(s), \(copies[i]) copies (\(f1(Double(real[i]) / binW)) real/s)"
            if hc > 0 { g += "<rect x=\"\(f1(bx))\" y=\"\(f1(base - hr - hc))\" width=\"\(f1(bw))\" height=\"\(f1(hc))\" fill=\"#b8c0c8\"><title>\(esc(tip))</title></rect>" }
            if hr > 0 { g += "<rect x=\"\(f1(bx))\" y=\"\(f1(base - hr))\" width=\"\(f1(bw))\" height=\"\(f1(max(hr, 1.5)))\" fill=\"#d1242f\"><title>\(esc(tip))</title></rect>" }
        }
        g += "<text x=\"\(Int(left) + 4)\" y=\"\(tops[1] + 12)\" class=\"muted\">max \(maxRate) per \(f1(binW)) s bin</text>\n"
        // Other kernel events
        let ev = r.nodeEvents.filter { e in e.time.map { $0 >= s.a && $0 <= s.b } ?? false }
        if ev.count <= 400 {
            for e in ev {
                let w = e.window!
                let x0 = x(w.start), x1 = max(x(w.end), x0 + 2)
                g += "<rect x=\"\(f1(x0))\" y=\"\(tops[2] + 6)\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#8250df\" opacity=\"0.8\"><title>\(esc("\(e.kind.rawValue) \(e.time!.iso8601): \(e.message)"))</title></rect>\n"
            }
        } else {
            g += bins(ev.compactMap(\.time), s, x, top: tops[2] + 6, height: 18, color: "#8250df", what: "kernel events")
        }
        // Symptoms: bursts and other episodes
        var sym: [(Timestamp, Timestamp, String)] = r.bursts.map { ($0.start, $0.end, "retransmission burst: \($0.count) real retransmission(s) \($0.start.iso8601) – \($0.end.clockString)") }
        sym += r.symptoms.map { ($0.start, $0.end, "\($0.kind.rawValue): \($0.count) at \($0.start.iso8601)") }
        sym = sym.filter { $0.1 >= s.a && $0.0 <= s.b }
        if sym.count <= 600 {
            for (a, b, t) in sym {
                let x0 = x(a), x1 = max(x(b), x0 + 2)
                g += "<rect x=\"\(f1(x0))\" y=\"\(tops[3] + 6)\" width=\"\(f1(x1 - x0))\" height=\"18\" fill=\"#0969da\" opacity=\"0.85\"><title>\(esc(t))</title></rect>\n"
            }
        } else {
            g += bins(sym.map(\.0), s, x, top: tops[3] + 6, height: 18, color: "#0969da", what: "symptom episodes")
        }
        // axis
        let axisY = y + 4
        g += "<line x1=\"\(Int(left))\" y1=\"\(axisY)\" x2=\"\(Int(W - right))\" y2=\"\(axisY)\" stroke=\"#57606a\"/>\n"
        let step = niceStep(s.len / 8)
        var t = (s.a.seconds / step).rounded(.up) * step
        while t <= s.b.seconds {
            let ts = Timestamp(seconds: t)
            let px = x(ts)
            g += "<line x1=\"\(f1(px))\" y1=\"24\" x2=\"\(f1(px))\" y2=\"\(axisY + 4)\" stroke=\"#d8dee4\" stroke-dasharray=\"2,3\"/>"
            let label = step >= 86400 ? String(ts.iso8601.prefix(10)) : step >= 60 ? String(ts.iso8601.dropFirst(11).prefix(5)) : String(ts.iso8601.dropFirst(11).prefix(8))
            g += "<text x=\"\(f1(px - 20))\" y=\"\(axisY + 16)\">\(label)</text>\n"
            t += step
        }
        return g + "</svg>\n"
    }

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
            g += "<rect x=\"\(f1(px))\" y=\"\(f1(top + height - hh))\" width=\"\(f1(w))\" height=\"\(f1(hh))\" fill=\"\(color)\"><title>\(c[i]) \(what) from \(t0.iso8601)</title></rect>"
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
        if let d = k.killDuration { s += ", took \(f3(d.seconds)) s" }
        if let t = k.victimThreads { s += ", \(t) threads" }
        if let p = k.podName ?? k.podUID { s += ", pod \(p)" }
        if let a = k.anonRssKB { s += ", anon-rss \(a / 1024) MiB" }
        if let w = k.why { s += "\nwhy: " + w }
        return s
    }

    // MARK: - tables

    static func oomTable(_ r: AnalysisResult) -> String {
        var h = "<h2>OOM kills (\(r.oomKills.count))</h2>\n"
        guard !r.oomKills.isEmpty else { return h + "<p class=\"muted\">None found.</p>\n" }
        h += "<table><tr><th>invoked (UTC)</th><th>victim</th><th>scope</th><th>took</th><th>threads</th><th>anon-rss</th><th>pod / container</th><th>invoker</th><th>source</th></tr>\n"
        for k in r.oomKills.prefix(500) {
            let pod = [k.podName ?? k.podUID, k.containerName ?? k.containerID.map { String($0.prefix(12)) }].compactMap { $0 }.joined(separator: " / ")
            h += "<tr><td class=\"mono\">\(esc((k.tInvoked ?? k.tKilled)?.iso8601 ?? "not on UTC"))</td><td>\(esc(k.victimComm ?? "?"))[\(k.victimPid.map(String.init) ?? "?")]</td><td>\(k.scope.rawValue)</td>"
            h += "<td class=\"n\">\(k.killDuration.map { f3($0.seconds) + " s" } ?? "?")</td><td class=\"n\" title=\"\(esc(k.victimThreadsSource ?? ""))\">\(k.victimThreads.map(String.init) ?? "?")</td>"
            h += "<td class=\"n\">\(k.anonRssKB.map { "\($0 / 1024) MiB" } ?? "?")</td><td>\(esc(pod))</td><td>\(esc(k.invokerComm ?? "?"))</td><td class=\"src\">\(esc(k.source.description))</td></tr>\n"
            if let w = k.why { h += "<tr class=\"why\"><td></td><td colspan=\"8\">why: \(esc(w))</td></tr>\n" }
        }
        if r.oomKills.count > 500 { h += "<tr><td colspan=\"9\" class=\"muted\">… \(r.oomKills.count - 500) more in the JSON output</td></tr>" }
        return h + "</table>\n"
    }

    static func flowsTable(_ r: AnalysisResult) -> String {
        var h = "<h2>Captures</h2>\n<table><tr><th>file</th><th>link</th><th>frames</th><th>copies</th><th>retrans (Wireshark)</th><th>retrans (real)</th><th>dup ACK (W / real)</th></tr>\n"
        for c in r.captures {
            h += "<tr><td class=\"src\">\(esc(c.path))</td><td>\(esc(c.linkType))</td><td class=\"n\">\(c.frames)</td><td class=\"n\">\(c.duplicateCopies)</td><td class=\"n\">\(c.retransmissionsWireshark)</td><td class=\"n\">\(c.retransmissionsReal)</td><td class=\"n\">\(c.dupAcksWireshark) / \(c.dupAcksReal)</td></tr>\n"
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
        for i in r.inputs { h += "<tr><td>\(i.status.rawValue)</td><td>\(esc(i.kind))</td><td class=\"src\">\(esc(i.path))</td><td>\(esc(i.detail))</td></tr>\n" }
        h += "</table>\n"
        if !r.clockNotes.isEmpty { h += "<p class=\"muted\">" + r.clockNotes.map(esc).joined(separator: "<br>") + "</p>\n" }
        if !r.warnings.isEmpty {
            h += "<details><summary>Warnings (\(r.warnings.count))</summary><ul class=\"ev\">"
            for w in r.warnings.prefix(1000) { h += "<li><span class=\"src\">\(esc(w.source.description))</span>: \(esc(w.message))</li>" }
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
