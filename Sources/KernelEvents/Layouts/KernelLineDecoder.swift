import ForensicModel

/// One text-log line, decoded.
public struct DecodedLine: Sendable {
    public enum Kind: String, Sendable {
        /// A kernel message.
        case kernel
        /// Another program's line in a syslog-like log (kubelet, node-problem-detector, …).
        case app
        /// Indented text under the previous message (printk continuation, a stack in a paste).
        case continuation
        /// journalctl's own lines (`-- Boot … --`, `-- No entries --`), blank lines.
        case meta
        /// A kernel kill line quoted by something else (node-problem-detector's `OOMKilling`
        /// event, `kubectl get events`): evidence of a kill, never a second one.
        case echo
        /// Not a log line at all (a shell prompt, a `(...snipped...)` marker, a banner).
        case foreign
    }

    public var kind: Kind
    public var message: Substring
    public var identifier: Substring?
    public var host: Substring?
    public var kernelMicros: Int64?
    public var wall: WallReading?
    public var layout: LineLayout

    init(_ kind: Kind, _ message: Substring, layout: LineLayout, micros: Int64? = nil, wall: WallReading? = nil) {
        self.kind = kind; self.message = message; self.layout = layout; kernelMicros = micros; self.wall = wall
    }
}

/// The layouts a line can be in (for the report: which ones a file used, and how many lines each).
public enum LineLayout: String, Sendable, CaseIterable {
    case printk = "printk"                       // [ 3100.004211] msg, dmesg -r/-x, caller id
    case dmesgCtime = "dmesg-T"                  // [Tue Mar  5 09:51:40 2024] msg, any locale
    case iso = "iso"                             // dmesg --time-format iso, RFC 3339, short-iso
    case bsd = "bsd-syslog"                      // RFC 3164, journalctl short/short-precise
    case weekday = "weekday-first"               // logread, journalctl short-full
    case unix = "short-unix"
    case rfc5424 = "rfc5424"
    case prefixed = "prefixed"                   // any prefix, then a printk stamp
    case bare = "bare"                           // no time at all (dmesg -t, journalctl -o cat, a paste)
    case none = "none"
}

/// Finds the kernel message in each line of a text log, from the line's content alone: never
/// from the file's name, never one layout for the whole file. A line in a layout this does not
/// know is skipped and counted, not the file.
///
/// Per line: a time stamp at the start (`TimeLayouts`), then either a syslog header
/// (`host kernel: `, `kern.err kernel: `) or the message itself, which may open with a printk
/// stamp (`[ 3100.004211]`, plus a caller id `[ T4242]`). A line that opens with none of those is
/// searched for a printk stamp behind any prefix (a console's `node7 login: `, a `cat -n`
/// gutter, a test framework's own time and level). A line with no stamp at all is a bare kernel
/// message in a file that has no stamps (learned from the file's first lines), or when it holds
/// kernel wording; else it is foreign.
public struct KernelLineDecoder: Sendable {
    /// Learned from the first lines: no line has a time stamp (a paste, `dmesg -t`, `-o cat`).
    public private(set) var bareFile = false
    /// Learned: lines carry `host ident: ` after their time (syslog, journalctl short-*).
    public private(set) var headers = false
    /// Learned in bare files: the shape of a constant prefix before each message (`kernel: `, a
    /// gutter), from lines whose message start is unambiguous.
    public private(set) var prefixShape: [UInt8]?
    public private(set) var layoutCounts: [LineLayout: Int] = [:]
    public private(set) var foreignLines = 0
    public private(set) var firstForeign: [Int] = []
    /// Kernel messages among the learning sample (whether the file is a kernel log at all: only
    /// candidate lines are decoded afterwards).
    public private(set) var sampleKernelLines = 0
    public private(set) var sampleLines = 0
    /// journalctl's own lines among the sample (`-- No entries --`, `-- Boot … --`).
    public private(set) var sampleMetaLines = 0
    /// Layouts of the sample's log lines (what the file is, for the report).
    public private(set) var sampleLayouts: [LineLayout: Int] = [:]
    /// The first kernel line of the sample that carries a time (the start of the log's coverage).
    public private(set) var firstTimed: DecodedLine?

    public init() {}

    /// Learns the file's habits from its first lines (call once, before `decode`).
    public mutating func learn<S: Sequence>(_ sample: S) where S.Element == Substring {
        var stamped = 0, total = 0, kernelHeader = 0
        var shapes: [[UInt8]: Int] = [:]
        for raw in sample {
            let line = Self.clean(raw)
            if line.isEmpty || Self.isMeta(line) { continue }
            total += 1
            if let st = Self.timeAtStart(line) {
                stamped += 1
                if st.layout != .rfc5424, Self.kernelHeader(st.rest) != nil { kernelHeader += 1 }
            } else if Self.findPrintk(line) != nil {
                stamped += 1
            } else if let start = Self.anchorStart(line), start > line.startIndex {
                shapes[Self.shape(line[..<start]), default: 0] += 1
            }
        }
        bareFile = total > 0 && stamped * 20 < total   // under 5 % stamped: a bare paste with a few echoes
        headers = kernelHeader > 0
        for raw in sample {
            let d = decodeLine(Self.clean(raw))
            sampleLines += 1
            if d.kind == .meta, !Self.clean(raw).isEmpty { sampleMetaLines += 1 }
            if d.kind == .kernel || d.kind == .app || d.kind == .echo { sampleLayouts[d.layout, default: 0] += 1 }
            guard d.kind == .kernel else { continue }
            sampleKernelLines += 1
            if firstTimed == nil, d.wall != nil || d.kernelMicros != nil { firstTimed = Self.owned(d) }
        }
        if bareFile, let best = shapes.max(by: { $0.value < $1.value }), best.value * 2 >= shapes.values.reduce(0, +) {
            prefixShape = best.key
        }
    }

    /// The last kernel line with a time among `lines` (the end of the log's coverage), without
    /// counting anything.
    public func lastTimed<S: BidirectionalCollection>(_ lines: S) -> DecodedLine? where S.Element == Substring {
        for raw in lines.reversed() {
            let d = decodeLine(Self.clean(raw))
            if d.kind == .kernel, d.wall != nil || d.kernelMicros != nil { return Self.owned(d) }
        }
        return nil
    }

    /// A copy whose text no longer points into a caller's buffer.
    static func owned(_ d: DecodedLine) -> DecodedLine {
        var c = d
        c.message = Substring(String(d.message))
        c.host = d.host.map { Substring(String($0)) }
        c.identifier = d.identifier.map { Substring(String($0)) }
        return c
    }

    /// Decodes one line; `number` (1-based) is kept for the foreign-line report.
    public mutating func decode(_ raw: Substring, number: Int) -> DecodedLine {
        let d = decodeLine(Self.clean(raw))
        if d.kind == .foreign {
            foreignLines += 1
            if firstForeign.count < 5 { firstForeign.append(number) }
        } else if d.kind == .kernel || d.kind == .app || d.kind == .echo {
            layoutCounts[d.layout, default: 0] += 1
        }
        return d
    }

    private func decodeLine(_ line: Substring) -> DecodedLine {
        if line.isEmpty || Self.isMeta(line) { return DecodedLine(.meta, line, layout: .none) }
        if let e = Self.echo(line) { return e }
        // 1. a time stamp at the start
        if let st = Self.timeAtStart(line) {
            let (wall, rest, layout) = (st.wall, st.rest, st.layout)
            if layout == .rfc5424 {
                guard let p = LogText.parseRFC5424(line) else { return DecodedLine(.foreign, line, layout: .none) }
                var d = DecodedLine(p.isKernel ? .kernel : .app, p.message, layout: .rfc5424, micros: p.kernelMicros, wall: wall)
                d.identifier = p.identifier; d.host = p.hostname
                return d
            }
            if let (host, msg) = Self.kernelHeader(rest) {
                var d = Self.kernelMessage(msg, layout: layout, wall: wall, micros: st.micros)
                d.host = host; d.identifier = "kernel"
                return d
            }
            // journalctl short-iso / short-monotonic look like dmesg iso / raw dmesg until a
            // `host kernel:` line shows the file has headers; dmesg -T never has them.
            let strongHeader = layout == .bsd || layout == .weekday || layout == .unix || (headers && (layout == .iso || layout == .printk))
            if strongHeader, let (host, ident, msg) = Self.appHeader(rest) {
                var d = DecodedLine(.app, msg, layout: layout, wall: wall)
                d.host = host; d.identifier = ident
                return d
            }
            if strongHeader && layout != .iso {
                // A syslog line with no `ident:` (`last message repeated 3 times`): a log line, not ours.
                return DecodedLine(.app, rest, layout: layout, wall: wall)
            }
            // A time, then another tool's words, then a printk stamp (a shipper, a test framework,
            // `kubectl logs --timestamps`): the kernel message is behind the stamp, and the time is
            // when that tool saw the line (a `dmesg` dump read at collection time), not the kernel's.
            if layout != .printk, layout != .dmesgCtime, let at = Self.findPrintk(rest), let (micros, msg) = parsePrintkStamp(rest[at...]) {
                return DecodedLine(.kernel, msg, layout: .prefixed, micros: micros, wall: nil)
            }
            // printk / dmesg -T / dmesg iso: the message follows the stamp
            return Self.kernelMessage(rest, layout: layout, wall: wall, micros: st.micros)
        }
        // 2. a printk stamp behind some prefix
        if let at = Self.findPrintk(line), let (micros, msg) = parsePrintkStamp(line[at...]) {
            // (a time in the prefix is a wrapper's, not the kernel's: see above)
            return DecodedLine(.kernel, msg, layout: .prefixed, micros: micros, wall: nil)
        }
        // 3. no stamp
        if let f = line.first, f == " " || f == "\t", !bareFile { return DecodedLine(.continuation, line, layout: .none) }
        if Self.isNoise(line) { return DecodedLine(.foreign, line, layout: .none) }
        var msg = line.trimmingLeadingSpaces()
        if let (_, m) = Self.kernelHeader(msg) { msg = m } else if let shape = prefixShape, let m = Self.strip(shape: shape, from: msg) { msg = m }
        if bareFile || Self.hasKernelWording(msg) {
            return Self.kernelMessage(msg, layout: .bare, wall: nil)
        }
        // `ci-info: …`, `procd: - init -`: a user-space program's line on a console.
        if let colon = msg.find(": "), case let ident = msg[..<colon.lowerBound], !ident.isEmpty, ident.count <= 48,
           ident.allSatisfy({ $0.isLetter || $0.isNumber || "-_.[]/@".contains($0) }) {
            var d = DecodedLine(.app, msg[colon.upperBound...], layout: .none)
            d.identifier = ident
            return d
        }
        return DecodedLine(.foreign, line, layout: .none)
    }

    // MARK: - pieces

    /// The line without a trailing CR and a UTF-8 BOM.
    static func clean(_ raw: Substring) -> Substring {
        var s = raw
        while let l = s.last, l == "\r" || l == "\n" { s = s.dropLast() }
        if s.first == "\u{FEFF}" { s = s.dropFirst() }
        return s
    }

    struct Stamp { var wall: WallReading?; var rest: Substring; var layout: LineLayout; var micros: Int64? = nil }

    /// Which time layout opens the line, its reading, and the rest.
    static func timeAtStart(_ s: Substring) -> Stamp? {
        guard let f = s.first else { return nil }
        if f == "[" {
            if let (m, rest) = parsePrintkStamp(s) { return Stamp(wall: nil, rest: rest, layout: .printk, micros: m) }
            if let (w, rest) = TimeLayouts.dmesgCtime(s) { return Stamp(wall: w, rest: rest, layout: .dmesgCtime) }
            return nil
        }
        if f == "<" {
            guard let gt = s.firstIndex(of: ">"), s.distance(from: s.startIndex, to: gt) <= 4,
                  s[s.index(after: s.startIndex)..<gt].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let after = s[s.index(after: gt)...]
            if after.hasPrefix("1 "), LogText.parseRFC5424(s) != nil, let (ts, _) = LogText.parseISO(after.dropFirst(2)) { return Stamp(wall: .utc(ts), rest: after, layout: .rfc5424) }
            if let r = timeAtStart(after), r.layout != .rfc5424 { return r }
            return nil
        }
        if f.isASCII && f.isNumber {
            if let (w, r) = TimeLayouts.iso(s) { return Stamp(wall: w, rest: r, layout: .iso) }
            if let (w, r) = TimeLayouts.unix(s) { return Stamp(wall: w, rest: r, layout: .unix) }
            if let (w, r) = TimeLayouts.bsd(s) { return Stamp(wall: w, rest: r, layout: .bsd) }
            return nil
        }
        if f.isLetter {
            if let (w, r) = TimeLayouts.bsd(s) { return Stamp(wall: w, rest: r, layout: .bsd) }
            if let (w, r) = TimeLayouts.weekdayFirst(s) { return Stamp(wall: w, rest: r, layout: .weekday) }
        }
        return nil
    }

    /// `host kernel: msg`, `kernel: msg`, `kern.err kernel: msg`, `host kernel[0]: msg`: the host
    /// and the message, when the identifier is `kernel`.
    static func kernelHeader(_ s: Substring) -> (Substring?, Substring)? {
        guard let r = s.find("kernel"), s.distance(from: s.startIndex, to: r.lowerBound) <= 96 else { return nil }
        var after = s[r.upperBound...]
        if after.first == "[", let close = after.firstIndex(of: "]") { after = after[after.index(after: close)...] }
        guard after.first == ":" else { return nil }
        after = after.dropFirst()
        if after.first == " " { after = after.dropFirst() }
        // what precedes `kernel` is at most two tokens (host, facility.level), no colons
        let before = s[..<r.lowerBound]
        guard before.isEmpty || before.last == " " else { return nil }
        let toks = before.split(separator: " ")
        guard toks.count <= 2, !toks.contains(where: { $0.has(":") && !$0.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) }) else { return nil }
        let host = toks.first(where: { !($0.has(".") && ($0.hasPrefix("kern.") || $0.hasPrefix("daemon.") || $0.hasPrefix("user."))) })
        return (host, after)
    }

    /// `host ident[pid]: msg` or `ident: msg` (syslog, journalctl short-*): another program's line.
    static func appHeader(_ s: Substring) -> (Substring?, Substring, Substring)? {
        guard let colon = s.find(": ") ?? (s.hasSuffix(":") ? s.index(before: s.endIndex)..<s.endIndex : nil) else { return nil }
        let head = s[..<colon.lowerBound]
        let parts = head.split(separator: " ", maxSplits: 2)
        // `ident`, `host ident`, or `host facility.level ident` (busybox logread)
        guard parts.count >= 1, parts.count <= 2 || parts[1].has(".") else { return nil }
        var ident = parts[parts.count - 1]
        if ident.has(" ") { return nil }
        if let br = ident.firstIndex(of: "[") { ident = ident[..<br] }
        return (parts.count >= 2 ? parts[0] : nil, ident, s[colon.upperBound...])
    }

    /// A kernel message, with its own printk stamp (journalctl and syslog keep it inside).
    static func kernelMessage(_ msg: Substring, layout: LineLayout, wall: WallReading?, micros: Int64? = nil) -> DecodedLine {
        var m = msg, k = micros
        // a printk stamp inside the message is the kernel's own clock: it wins over a journal's
        // reception time (short-monotonic)
        if m.first == "[", let (inner, rest) = parsePrintkStamp(m) { k = inner; m = rest }
        return DecodedLine(.kernel, m, layout: layout, micros: k, wall: wall)
    }

    /// The first printk stamp within the first 256 bytes, behind any prefix.
    static func findPrintk(_ s: Substring) -> Substring.Index? {
        var i = s.startIndex
        let limit = s.utf8.index(s.startIndex, offsetBy: min(256, s.utf8.count))
        while i < limit, let open = s[i..<limit].firstIndex(of: "[") {
            if parsePrintkStamp(s[open...]) != nil { return open }
            i = s.index(after: open)
        }
        return nil
    }

    /// journalctl's own lines (public for the entry-format readers).
    public static func isJournalctlOwn(_ l: Substring) -> Bool { isMeta(l) || l.hasPrefix("Failed to ") }

    /// journalctl's own lines.
    static func isMeta(_ l: Substring) -> Bool {
        if l.hasPrefix("-- ") && (l.hasSuffix(" --") || l.hasSuffix(". --") || l.has("Logs begin") || l.has("Journal begins") || l.has("No entries")) { return true }
        return l.hasPrefix("Data from the specified boot") || l.hasPrefix("No journal files were found") || l.hasPrefix("Hint: ")
            || l.hasPrefix("Journal file ") || l.hasPrefix("Warning: journal")
    }

    /// Lines that are not log lines: shell prompts, snip markers, separators, code fences.
    static func isNoise(_ l: Substring) -> Bool {
        let t = l.trimmedSpaces()
        if t.isEmpty { return false }
        if t.allSatisfy({ "-=_*#~.…".contains($0) }) { return true }
        if t.hasPrefix("```") { return true }
        let lower = t.lowercased()
        if lower.has("snip") && (t.first == "(" || t.first == "[" || t.first == "<" || t.first == "-" || t.first == ".") { return true }
        if t == "[...]" || t == "(...)" || t == "..." { return true }
        // prompts: `[root@node7 ~]# …`, `root@node7:~# …`, `$ dmesg`, `# dmesg`, `node7 login:`
        if t.hasPrefix("$ ") || t.hasPrefix("# ") || t.hasPrefix("> ") { return true }
        if let r = t.find("]# ") ?? t.find("]$ "), t.first == "[", t[..<r.lowerBound].has("@") { return true }
        if let r = t.find("# ") ?? t.find("$ "), case let head = t[..<r.lowerBound], head.has("@"), !head.has(" ") { return true }
        if t.hasSuffix(" login:") { return true }
        return false
    }

    /// Kernel wording that an unstamped line in a stamped file may still hold (a kill line
    /// pasted without its stamp).
    static func hasKernelWording(_ m: Substring) -> Bool {
        m.has(" invoked oom-killer: ") || m.has("Killed process ") || m.hasPrefix("oom-kill:") || m.has("Out of memory")
            || m.hasPrefix("oom_reaper: ") || m.hasPrefix("Memory cgroup out of memory")
    }

    /// Where an unambiguous kernel message starts in a line (for learning a constant prefix).
    static func anchorStart(_ l: Substring) -> Substring.Index? {
        let anchors = ["Out of memory", "Memory cgroup out of memory", "oom-kill:", "oom_reaper:", "Killed process", "Tasks state",
                       "[  pid  ]", "[ pid ]", "Mem-Info:", "Call Trace:", "Hardware name:", "memory: usage", "Memory cgroup stats for",
                       "Out of Memory"]
        var best: Substring.Index?
        for a in anchors { if let r = l.find(a), best == nil || r.lowerBound < best! { best = r.lowerBound } }
        return best
    }

    /// A prefix's shape: digits → 9, letters → a, runs collapsed, other bytes kept.
    static func shape(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        for b in s.utf8 {
            let c: UInt8 = (b >= 0x30 && b <= 0x39) ? 0x39 : ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80) ? 0x61 : b
            if (c == 0x39 || c == 0x61 || c == 0x20), out.last == c { continue }
            out.append(c)
        }
        return out
    }

    /// The line after a prefix of the learned shape, if it has one.
    static func strip(shape: [UInt8], from l: Substring) -> Substring? {
        var i = l.startIndex
        while i < l.endIndex {
            i = l.index(after: i)
            if l.distance(from: l.startIndex, to: i) > 128 { return nil }
            if Self.shape(l[..<i]) == shape, i < l.endIndex, l[l.index(before: i)] == " " || l[l.index(before: i)] == ":" || l[l.index(before: i)] == "|" {
                return l[i...].trimmingLeadingSpaces()
            }
        }
        return nil
    }

    /// A kill line quoted by node-problem-detector (`Reason:OOMKilling Message:…}`) or by
    /// `kubectl get events` / `describe node` (`OOMKilling … Killed process …`).
    static func echo(_ l: Substring) -> DecodedLine? {
        guard let r = l.find("OOMKilling") else { return nil }
        let after = l[r.upperBound...]
        var starts: [Substring.Index] = []
        for w in ["Memory cgroup out of memory: ", "Out of memory: ", "Killed process "] { if let x = after.find(w) { starts.append(x.lowerBound) } }
        guard let s = starts.min() else { return nil }
        var msg = after[s...]
        if let end = msg.firstIndex(of: "}") { msg = msg[..<end] }
        if msg.hasSuffix("\"") { msg = msg.dropLast() }
        var wall: WallReading?
        // NPD: `Timestamp:2025-05-19 18:14:42.700333489 +0000 UTC`
        if let t = l.after("Timestamp:"), let (date, a) = LogText.parseDate(t), a.first == " ", let (c, b) = LogText.parseClock(a.dropFirst()) {
            let off = b.drop { $0 == " " }
            if let (ts, _) = LogText.parseISO(Substring("\(date.y)-\(pad2(date.m))-\(pad2(date.d))T\(pad2(c.h)):\(pad2(c.m)):\(pad2(c.s)).\(String(1_000_000 + c.us).dropFirst())" + off.prefix(5))) {
                wall = .utc(ts)
            }
        }
        return DecodedLine(.echo, msg, layout: .none, wall: wall)
    }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
