/// A point on the UTC timeline, nanoseconds since the Unix epoch.
///
/// Every event is placed on this one clock in one place (the ingest stage's clock map); the
/// clock an event came with is kept beside it (`KernelLine.kernelMicros`, journal realtime...).
public struct Timestamp: Hashable, Comparable, Sendable {
    public var nanos: Int64
    public init(nanos: Int64) { self.nanos = nanos }
    public init(micros: Int64) { self.nanos = micros &* 1000 }
    public init(seconds: Double) { self.nanos = Timestamp.clampedNanos(seconds * 1e9) }

    /// Nanoseconds from a Double, clamped (garbage input must never trap).
    static func clampedNanos(_ v: Double) -> Int64 {
        guard v.isFinite else { return v > 0 ? .max : (v < 0 ? .min : 0) }
        if v >= 9.2e18 { return .max }
        if v <= -9.2e18 { return .min }
        return Int64(v.rounded())
    }

    public var seconds: Double { Double(nanos) / 1e9 }
    public var micros: Int64 { nanos >= 0 ? nanos / 1000 : -((-nanos + 999) / 1000) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanos < b.nanos }
    public static func + (a: Timestamp, s: Double) -> Timestamp {
        let (v, o) = a.nanos.addingReportingOverflow(clampedNanos(s * 1e9))
        return Timestamp(nanos: o ? (s > 0 ? .max : .min) : v)
    }
    public static func - (a: Timestamp, b: Timestamp) -> Double { (Double(a.nanos) - Double(b.nanos)) / 1e9 }
    public static func - (a: Timestamp, s: Double) -> Timestamp { a + (-s) }

    /// `2024-03-15T11:00:00.123456Z` (microseconds, UTC).
    public var iso8601: String {
        let us = micros
        var secs = us / 1_000_000
        var frac = us % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        let c = CivilTime(epochSeconds: secs)
        return c.isoString + "." + pad(Int(frac), 6) + "Z"
    }

    /// `11:00:00.123` for compact tables.
    public var clockString: String {
        let ms = nanos / 1_000_000
        var secs = ms / 1000
        var frac = ms % 1000
        if frac < 0 { frac += 1000; secs -= 1 }
        let c = CivilTime(epochSeconds: secs)
        return pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2) + "." + pad(Int(frac), 3)
    }
}

@inline(__always) func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil), no Foundation.
public struct CivilTime: Hashable, Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    public init(epochSeconds: Int64) {
        var days = epochSeconds / 86400
        var rem = epochSeconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(m <= 2 ? y + 1 : y), month: Int(m), day: Int(d),
                  hour: Int(rem / 3600), minute: Int(rem % 3600 / 60), second: Int(rem % 60))
    }

    /// Seconds since the epoch, reading the fields as UTC.
    public var epochSeconds: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let m = Int64(month)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    public var isoString: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
    }

    public static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// 1...12 for an English three-letter month abbreviation.
    public static func month(named s: Substring) -> Int? {
        guard let i = monthNames.firstIndex(where: { $0.elementsEqual(s) }) else { return nil }
        return i + 1
    }
}
