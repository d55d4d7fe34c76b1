import Foundation
import ForensicModel

/// How year-less local times (`Mar 15 11:00:00`, syslog and journalctl `short`) are put on UTC:
/// the zone of the node and a reference date (sos collection time) that gives the year.
public struct LocalClock: Sendable {
    public var timeZone: TimeZone
    /// The collection instant: lines are at or before it; a month after it belongs to the year before.
    public var reference: Timestamp?
    /// Where the zone and year came from, for the report.
    public var note: String
    /// True when nothing gave the zone and UTC is only a guess: local times are then off by
    /// up to 14 h, which the uncertainty of every time placed through this clock says.
    public var zoneAssumed: Bool

    public init(timeZone: TimeZone, reference: Timestamp?, note: String, zoneAssumed: Bool = false) {
        self.timeZone = timeZone; self.reference = reference; self.note = note; self.zoneAssumed = zoneAssumed
    }

    public static let utcUnknownYear = LocalClock(timeZone: TimeZone(identifier: "UTC")!, reference: nil, note: "no zone or collection date in the input: UTC assumed, year unknown", zoneAssumed: true)

    /// UTC of a local wall-clock time. `year` nil → inferred from the reference (nil if none).
    public func utc(year: Int?, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int) -> Timestamp? {
        var y = year
        if y == nil, let ref = reference {
            let refLocal = CivilTime(epochSeconds: ref.nanos / 1_000_000_000 + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: ref.seconds))))
            // Logs precede their collection: a month later than the collection month is last year's.
            y = month > refLocal.month ? refLocal.year - 1 : refLocal.year
        }
        guard let year = y, (1900...2200).contains(year), (1...12).contains(month), (1...31).contains(day),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<61).contains(second), (0..<1_000_000).contains(micros) else { return nil }
        let civil = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let asUTC = civil.epochSeconds
        // Offset at that local time (two passes handle DST edges well enough for logs).
        var off = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(asUTC)))
        off = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(asUTC - Int64(off))))
        return Timestamp(nanos: (asUTC - Int64(off)) * 1_000_000_000 + Int64(micros) * 1000)
    }
}

/// A line of a text log, split into its parts.
public struct ParsedLogLine: Sendable {
    public var utc: Timestamp?
    public var kernelMicros: Int64?
    public var hostname: Substring?
    public var identifier: Substring
    public var message: Substring
    public var isKernel: Bool { identifier == "kernel" }
}

/// Parsers for the text forms kernel messages come in. Pure functions of one line.
public enum LogText {
    /// `[ 3600.123456] message` (raw `dmesg`; also `<5>[...]` from `dmesg -r` and `kern  :warn  : [...]` from `dmesg -x`).
    public static func parseDmesg(_ line: Substring) -> (micros: Int64, message: Substring)? {
        var s = line
        if s.first == "<", let close = s.firstIndex(of: ">"), s.distance(from: s.startIndex, to: close) <= 4 {
            s = s[s.index(after: close)...]
        } else if let r = s.find(": ["), s.distance(from: s.startIndex, to: r.lowerBound) <= 16, s[..<r.lowerBound].has(":") {
            s = s[s.index(before: r.upperBound)...]
        }
        guard let (micros, rest) = parsePrintkStamp(s) else { return nil }
        return (micros, rest)
    }

    /// `dmesg -T`: `[Fri Mar 15 11:00:00 2024] message`, in any locale whose month is an English
    /// abbreviation or a number with 月/월 (`[五 3月 15 11:00:00 2024]`, `[金  3月 15 …]`). The
    /// time is the collecting host's local time, computed by dmesg as now − uptime + stamp.
    public static func parseDmesgWall(_ line: Substring, clock: LocalClock) -> (utc: Timestamp?, message: Substring)? {
        guard line.first == "[", let close = line.firstIndex(of: "]") else { return nil }
        let tokens = line[line.index(after: line.startIndex)..<close].splitBytes(separator: " ")
        guard tokens.count == 5 else { return nil }
        var month = CivilTime.month(named: tokens[1].prefix(3))
        if month == nil {
            let digits = tokens[1].prefix { $0.isASCII && $0.isNumber }
            if let m = Int(digits), (1...12).contains(m), tokens[1].dropFirst(digits.count).allSatisfy({ !$0.isASCII }) { month = m }
        }
        guard let m = month, let d = Int(tokens[2]), let y = Int(tokens[4]),
              let (t, rest) = parseClock(tokens[3]), rest.isEmpty else { return nil }
        var msg = line[line.index(after: close)...]
        if msg.first == " " { msg = msg.dropFirst() }
        return (clock.utc(year: y, month: m, day: d, hour: t.h, minute: t.m, second: t.s, micros: t.us), msg)
    }

    /// A point in time as a user writes it: ISO 8601 with an offset or `Z` (`2024-03-05T01:51:40.5Z`),
    /// or seconds since the epoch (`1709603500.25`).
    public static func parseTimestamp(_ text: Substring) -> Timestamp? {
        let t = text.trimmedSpaces()
        if let d = Double(t), !t.has("-") { return Timestamp(seconds: d) }
        guard let (ts, rest) = parseISO(Substring(t)), rest.isEmpty else { return nil }
        return ts
    }

    /// `dmesg --time-format iso`: `2026-11-25T08:21:09,000000+00:00 message`.
    public static func parseDmesgISO(_ line: Substring) -> (utc: Timestamp, message: Substring)? {
        guard let (ts, rest) = parseISO(line), rest.first == " " else { return nil }
        return (ts, rest.dropFirst())
    }

    /// ISO 8601 / RFC 3339 with an offset (`Z`, `+0000`, `+00:00`), `.` or `,` fractions.
    static func parseISO(_ line: Substring) -> (Timestamp, Substring)? {
        guard let (date, afterDate) = parseDate(line), afterDate.first == "T" || afterDate.first == " ",
              let (t, afterTime) = parseClock(afterDate.dropFirst()) else { return nil }
        var r = afterTime
        var offset = 0
        if r.first == "Z" { r = r.dropFirst() } else if let sign = r.first, sign == "+" || sign == "-" {
            let raw = r.dropFirst().prefix { $0.isNumber || $0 == ":" }
            let digits = raw.filter { $0 != ":" }
            guard digits.count == 4, let v = Int(digits) else { return nil }
            offset = (v / 100 * 3600 + v % 100 * 60) * (sign == "-" ? -1 : 1)
            r = r.dropFirst(1 + raw.count)
        } else { return nil }
        let secs = CivilTime(year: date.y, month: date.m, day: date.d, hour: t.h, minute: t.m, second: t.s).epochSeconds - Int64(offset)
        return (Timestamp(nanos: secs * 1_000_000_000 + Int64(t.us) * 1000), r)
    }

    /// RFC 5424: `<12>1 2026-11-25T08:35:46.450986+00:00 host app procid msgid [sd|-] message`.
    static func parseRFC5424(_ line: Substring) -> ParsedLogLine? {
        guard line.first == "<", let gt = line.firstIndex(of: ">") else { return nil }
        var r = line[line.index(after: gt)...]
        guard r.hasPrefix("1 ") else { return nil }
        r = r.dropFirst(2)
        guard let (ts, afterTS) = parseISO(r) else { return nil }
        let parts = afterTS.dropFirst().splitBytes(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5 else { return nil }
        var msg = parts[4]
        if msg.hasPrefix("- ") { msg = msg.dropFirst(2) } else if msg.hasPrefix("[") {
            guard let end = msg.find("] ") else { return nil }
            msg = msg[end.upperBound...]
        } else if msg == "-" { msg = "" }
        if msg.first == " " { msg = msg.dropFirst() }
        var kernel: Int64?
        if parts[1] == "kernel", let (m, rest) = parsePrintkStamp(msg) { kernel = m; msg = rest }
        return ParsedLogLine(utc: ts, kernelMicros: kernel, hostname: parts[0] == "-" ? nil : parts[0], identifier: parts[1], message: msg)
    }

    /// journalctl `short*` output or a syslog file line. Handles:
    /// `Mar 15 11:00:00[.ffffff] host ident[pid]: msg` (local, no year; day zero- or space-padded),
    /// `2024-03-15T11:00:00[.ffffff](+0000|+00:00|Z) host ident: msg` (short-iso, RFC 3339),
    /// `Fri 2024-03-15 11:00:00 UTC host ...` (short-full, zone abbreviation ignored: local clock used),
    /// `[ 3600.123456] host ident: msg` (short-monotonic), `1710500400.200000 host ...` (short-unix).
    /// For kernel lines a printk stamp at the start of the message is taken too.
    public static func parseSyslogLike(_ line: Substring, clock: LocalClock) -> ParsedLogLine? {
        guard let first = line.first, !first.isWhitespace else { return nil } // continuation
        if line.hasPrefix("-- ") { return nil } // journalctl meta line
        if first == "<" { return parseRFC5424(line) }
        var utc: Timestamp?
        var kernel: Int64?
        var rest: Substring
        if first.isLetter {
            // "Mar 15 11:00:00" or "Fri 2024-03-15 11:00:00 UTC"
            let month = line.prefix(3)
            if let m = CivilTime.month(named: month), line.dropFirst(3).first == " " {
                var s = line.dropFirst(4)
                if s.first == " " { s = s.dropFirst() }
                guard let (day, afterDay) = s.leadingInt(), afterDay.first == " " else { return nil }
                guard let (t, afterTime) = parseClock(afterDay.dropFirst()) else { return nil }
                utc = clock.utc(year: nil, month: m, day: day, hour: t.h, minute: t.m, second: t.s, micros: t.us)
                rest = afterTime
            } else if line.dropFirst(3).first == " ", let (date, afterDate) = parseDate(line.dropFirst(4)), afterDate.first == " ",
                      let (t, afterTime) = parseClock(afterDate.dropFirst()) {
                // short-full: skip zone abbreviation
                var r = afterTime.trimmingLeadingSpaces()
                r = r.drop { !$0.isWhitespace }
                utc = clock.utc(year: date.y, month: date.m, day: date.d, hour: t.h, minute: t.m, second: t.s, micros: t.us)
                rest = r
            } else { return nil }
        } else if first == "[" {
            guard let (m, r) = parsePrintkStamp(line) else { return nil }
            kernel = m
            rest = r
        } else if first.isNumber {
            if let (ts, r) = parseISO(line) {
                utc = ts
                rest = r
            } else if let (secs, afterSecs) = line.leadingInt(), afterSecs.first == "." {
                // short-unix
                let fracDigits = afterSecs.dropFirst().prefix { $0.isNumber }
                guard fracDigits.count == 6, let f = Int(fracDigits), secs >= 0, secs < 100_000_000_000 else { return nil }
                utc = Timestamp(micros: Int64(secs) * 1_000_000 + Int64(f))
                rest = afterSecs.dropFirst(1 + 6)
            } else { return nil }
        } else { return nil }

        // " host ident[pid]: message" or " ident: message" (no hostname)
        rest = rest.trimmingLeadingSpaces()
        guard let colon = rest.find(": ") ?? (rest.hasSuffix(":") ? rest.index(before: rest.endIndex)..<rest.endIndex : nil) else { return nil }
        let head = rest[..<colon.lowerBound]
        var message = rest[colon.upperBound...]
        let parts = head.splitBytes(separator: " ", maxSplits: 1)
        var host: Substring?
        var ident: Substring
        if parts.count == 2 { host = parts[0]; ident = parts[1] } else if parts.count == 1 { ident = parts[0] } else { return nil }
        // An identifier has no spaces: "[ 1.0] java invoked oom-killer: …" is dmesg, not short-monotonic.
        if ident.has(" ") { return nil }
        if let br = ident.firstIndex(of: "[") { ident = ident[..<br] }
        if ident == "kernel", let (m, r) = parsePrintkStamp(message) {
            kernel = kernel ?? m
            message = r
        }
        return ParsedLogLine(utc: utc, kernelMicros: kernel, hostname: host, identifier: ident, message: message)
    }

    /// `11:00:00` or `11:00:00.123456`
    static func parseClock(_ s: Substring) -> ((h: Int, m: Int, s: Int, us: Int), Substring)? {
        guard let (h, a) = s.leadingInt(), a.first == ":", let (m, b) = a.dropFirst().leadingInt(), b.first == ":",
              let (sec, c) = b.dropFirst().leadingInt() else { return nil }
        var rest = c
        var us = 0
        if rest.first == "." || rest.first == "," {
            let digits = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
            var v = 0, n = 0
            for ch in digits.prefix(6) { v = v * 10 + ch.wholeNumberValue!; n += 1 }
            while n < 6 { v *= 10; n += 1 }
            us = v
            rest = rest.dropFirst(1 + digits.count)
        }
        guard (0..<24).contains(h), (0..<60).contains(m), (0..<61).contains(sec) else { return nil }
        return ((h, m, sec, us), rest)
    }

    /// `2024-03-15`
    static func parseDate(_ s: Substring) -> ((y: Int, m: Int, d: Int), Substring)? {
        guard let (y, a) = s.leadingInt(), a.first == "-", let (m, b) = a.dropFirst().leadingInt(), b.first == "-",
              let (d, c) = b.dropFirst().leadingInt(), (1...12).contains(m), (1...31).contains(d), (1900...2200).contains(y) else { return nil }
        return ((y, m, d), c)
    }
}
