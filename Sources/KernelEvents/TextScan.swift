import Foundation

// Small helpers for hand-written line parsing.

extension Substring {
    /// Parses a leading run of decimal digits (optionally signed); returns the value and the rest.
    func leadingInt() -> (Int, Substring)? {
        var i = startIndex
        var neg = false
        if i < endIndex, self[i] == "-" { neg = true; i = index(after: i) }
        var v = 0
        var count = 0
        while i < endIndex, self[i].isASCII, let d = self[i].wholeNumberValue {
            v = v &* 10 &+ d
            count += 1
            i = index(after: i)
        }
        // more than 18 digits cannot be a value these logs hold (and would overflow)
        return count > 0 && count <= 18 ? (neg ? -v : v, self[i...]) : nil
    }

    func trimmingLeadingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        return s
    }

    /// The text after the first occurrence of `marker`.
    func after(_ marker: String) -> Substring? {
        guard let r = range(of: marker) else { return nil }
        return self[r.upperBound...]
    }

    /// The text after the last occurrence of `marker`.
    func afterLast(_ marker: String) -> Substring? {
        guard let r = range(of: marker, options: .backwards) else { return nil }
        return self[r.upperBound...]
    }
}

/// The integer right after `key` (e.g. `anon-rss:` in `anon-rss:2095104kB`).
func intAfter(_ key: String, in s: Substring) -> Int? {
    guard let rest = s.after(key) else { return nil }
    return rest.leadingInt()?.0
}

/// `[ 3600.123456]` at the start of `s` (spaces allowed inside the brackets): the stamp in µs and
/// the rest after `] `. Also skips a following caller id such as `[  T4242]`.
public func parsePrintkStamp(_ s: Substring) -> (micros: Int64, rest: Substring)? {
    guard s.first == "[" else { return nil }
    var t = s.dropFirst().trimmingLeadingSpaces()
    guard let (secs, afterSecs) = t.leadingInt(), afterSecs.first == ".", secs >= 0, secs < 1_000_000_000_000 else { return nil }
    t = afterSecs.dropFirst()
    var frac = 0, digits = 0
    while let c = t.first, c.isASCII, let d = c.wholeNumberValue, digits <= 9 { frac = frac * 10 + d; digits += 1; t = t.dropFirst() }
    guard digits > 0, digits <= 9, t.first == "]" else { return nil }
    var scale: Int64 = 1
    if digits < 6 { for _ in digits..<6 { scale *= 10 } }
    var micros = Int64(frac) * scale
    // more than 6 digits (found by fuzzing: a 7-digit fraction trapped here)
    if digits > 6 { var div: Int64 = 1; for _ in 6..<digits { div *= 10 }; micros = Int64(frac) / div }
    var rest = t.dropFirst()
    if rest.first == " " { rest = rest.dropFirst() }
    // Optional caller id: [  T4242] or [  C1]
    if rest.first == "[" {
        let inner = rest.dropFirst().trimmingLeadingSpaces()
        if let c = inner.first, c == "T" || c == "C", let (_, after) = inner.dropFirst().leadingInt(), after.first == "]" {
            rest = after.dropFirst()
            if rest.first == " " { rest = rest.dropFirst() }
        }
    }
    return (Int64(secs) * 1_000_000 + micros, rest)
}
