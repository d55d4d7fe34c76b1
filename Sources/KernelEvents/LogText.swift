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

/// The time and RFC 5424 pieces the line layouts (`Layouts/`) are built from. Pure functions.
public enum LogText {
    /// A point in time as a user writes it: ISO 8601 with an offset or `Z` (`2024-03-05T01:51:40.5Z`),
    /// or seconds since the epoch (`1709603500.25`).
    public static func parseTimestamp(_ text: Substring) -> Timestamp? {
        let t = text.trimmedSpaces()
        if let d = Double(t), !t.has("-") { return Timestamp(seconds: d) }
        guard let (ts, rest) = parseISO(Substring(t)), rest.isEmpty else { return nil }
        return ts
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
