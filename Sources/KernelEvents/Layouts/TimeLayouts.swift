import ForensicModel

/// The time stamps that open a log line, one parser each. Every parser looks at the start of
/// `s` only and returns the reading and the text after it (one separating space dropped), or nil.
/// None of them decides what follows (a syslog header, a printk stamp, a bare message): that is
/// `KernelLineDecoder`'s job.
public enum TimeLayouts {
    /// `dmesg -T` / `--ctime`: `[%a %b %e %H:%M:%S %Y]` in any locale (weekday optional; day and
    /// month in either order; month as a name in any language `MonthNames` knows, or `3月`/`3월`).
    public static func dmesgCtime(_ s: Substring) -> (WallReading, Substring)? {
        guard s.first == "[", let close = s.firstIndex(of: "]"), s.distance(from: s.startIndex, to: close) <= 64 else { return nil }
        let tokens = s[s.index(after: s.startIndex)..<close].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard tokens.count == 4 || tokens.count == 5 else { return nil }
        let t = tokens.suffix(4)
        let a = t[t.startIndex], b = t[t.startIndex + 1]
        guard let year = Int(t[t.startIndex + 3]), (1970...2200).contains(year),
              let (clock, rest) = LogText.parseClock(t[t.startIndex + 2]), rest.isEmpty else { return nil }
        let month: Int, day: Int
        if let m = MonthNames.month(a), let d = Int(b.filter { $0.isASCII }) { month = m; day = d }
        else if let m = MonthNames.month(b), let d = Int(a.filter { $0.isASCII }) { month = m; day = d }
        else { return nil }
        guard (1...31).contains(day) else { return nil }
        return (.local(year: year, month: month, day: day, hour: clock.h, minute: clock.m, second: clock.s, micros: clock.us), dropSpace(s[s.index(after: close)...]))
    }

    /// ISO 8601 / RFC 3339: `2024-03-05T09:51:40[.,]ffffff(Z|+08:00|+0800)` (dmesg --time-format
    /// iso, rsyslog, journalctl short-iso, kubectl logs --timestamps), or without an offset
    /// (`2024-03-05 09:51:40,123`, a test framework's own log): then local time with a year.
    public static func iso(_ s: Substring) -> (WallReading, Substring)? {
        guard let f = s.first, f.isASCII, f.isNumber else { return nil }
        if let (ts, rest) = LogText.parseISO(s) { return (.utc(ts), dropSpace(rest)) }
        guard let (date, afterDate) = LogText.parseDate(s), afterDate.first == "T" || afterDate.first == " ",
              let (t, afterTime) = LogText.parseClock(afterDate.dropFirst()) else { return nil }
        guard afterTime.isEmpty || afterTime.first == " " else { return nil }
        return (.local(year: date.y, month: date.m, day: date.d, hour: t.h, minute: t.m, second: t.s, micros: t.us), dropSpace(afterTime))
    }

    /// RFC 3164 / journalctl `short`, `short-precise`: `Mar  5 09:51:40[.ffffff]`, month in any
    /// language (`мар 05 09:51:40`, `mars 05 …`), or day first (`05 mars 09:51:40`). No year.
    public static func bsd(_ s: Substring) -> (WallReading, Substring)? {
        guard let f = s.first, f.isLetter || f.isNumber else { return nil }
        let parts = s.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard parts.count >= 3 else { return nil }
        let month: Int, day: Int
        if let m = MonthNames.month(parts[0]), let d = Int(parts[1]) { month = m; day = d }
        else if let d = Int(parts[0]), let m = MonthNames.month(parts[1]) { month = m; day = d }
        else { return nil }
        guard (1...31).contains(day), let (t, afterTime) = LogText.parseClock(parts[2]), afterTime.isEmpty else { return nil }
        let rest: Substring = parts.count == 4 ? parts[3] : ""
        return (.local(year: nil, month: month, day: day, hour: t.h, minute: t.m, second: t.s, micros: t.us), rest)
    }

    /// A weekday first: `Tue Mar  5 09:51:40 2024` (ctime; OpenWrt/busybox `logread`) or
    /// `Tue 2024-03-05 09:51:40 CST` (journalctl `short-full`; the zone word is skipped).
    public static func weekdayFirst(_ s: Substring) -> (WallReading, Substring)? {
        guard let f = s.first, f.isLetter, let sp = s.firstIndex(of: " "), s.distance(from: s.startIndex, to: sp) <= 12 else { return nil }
        let wd = s[..<sp]
        guard wd.allSatisfy({ $0.isLetter || $0 == "." || $0 == "," }) else { return nil }
        let after = s[sp...].drop { $0 == " " }
        if let (date, afterDate) = LogText.parseDate(after), afterDate.first == " ",
           let (t, afterTime) = LogText.parseClock(afterDate.dropFirst()), afterTime.first == " " {
            // short-full: a zone abbreviation follows
            var r = afterTime.drop { $0 == " " }
            if let z = r.first, z.isLetter || z == "+" || z == "-" { r = r.drop { $0 != " " } }
            return (.local(year: date.y, month: date.m, day: date.d, hour: t.h, minute: t.m, second: t.s, micros: t.us), r.drop { $0 == " " })
        }
        guard let (wall, rest) = bsd(after), case let .local(_, mo, d, h, mi, sec, us) = wall else { return nil }
        guard let sp2 = rest.firstIndex(of: " ") ?? (rest.isEmpty ? nil : rest.endIndex), let y = Int(rest[..<sp2]), (1970...2200).contains(y) else { return nil }
        return (.local(year: y, month: mo, day: d, hour: h, minute: mi, second: sec, micros: us), dropSpace(rest[sp2...]))
    }

    /// journalctl `short-unix`: `1709603500.004211 `.
    public static func unix(_ s: Substring) -> (WallReading, Substring)? {
        guard let (secs, afterSecs) = s.leadingInt(), afterSecs.first == ".", secs >= 100_000_000, secs < 10_000_000_000 else { return nil }
        let frac = afterSecs.dropFirst().prefix { $0.isASCII && $0.isNumber }
        guard frac.count >= 3, frac.count <= 9 else { return nil }
        let rest = afterSecs.dropFirst(1 + frac.count)
        guard rest.first == " " else { return nil }
        var us = Int64(frac.prefix(6))!
        for _ in 0..<(6 - min(6, frac.count)) { us *= 10 }
        return (.utc(Timestamp(micros: Int64(secs) * 1_000_000 + us)), dropSpace(rest))
    }

    static func dropSpace(_ s: Substring) -> Substring { s.first == " " ? s.dropFirst() : s }
}
