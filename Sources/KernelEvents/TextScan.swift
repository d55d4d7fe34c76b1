#if canImport(Glibc)
import Glibc
#endif
import CFastSearch

// Small helpers for hand-written line parsing. Searches compare UTF-8 bytes (no Foundation, no
// locale, no NSString bridging): the log formats are byte formats, and these run on every line.

extension StringProtocol {
    /// Byte offset of `needle` in this text's UTF-8, first (or last) occurrence.
    @usableFromInline func utf8Offset(of needle: String, last: Bool) -> Int? {
        var n = needle
        return n.withUTF8 { nb -> Int? in
            if nb.isEmpty { return last ? utf8.count : 0 }
            let search = { (hay: UnsafeBufferPointer<UInt8>) -> Int? in
                guard hay.count >= nb.count, let hb = hay.baseAddress else { return nil }
                if !last {
                    guard let p = ns_memmem(hb, hay.count, nb.baseAddress!, nb.count) else { return nil }
                    return UnsafeRawPointer(p) - UnsafeRawPointer(hb)
                }
                var i = hay.count - nb.count
                while i >= 0 {
                    if hb[i] == nb[0] && memcmp(hb + i, nb.baseAddress!, nb.count) == 0 { return i }
                    i -= 1
                }
                return nil
            }
            if let r = utf8.withContiguousStorageIfAvailable(search) { return r }
            return Array(utf8).withUnsafeBufferPointer(search)
        }
    }

    /// Whether `needle` occurs (byte comparison).
    public func has(_ needle: String) -> Bool { utf8Offset(of: needle, last: false) != nil }

    /// The range of the first (or, with `last`, the last) occurrence of `needle`.
    public func find(_ needle: String, last: Bool = false) -> Range<Index>? {
        guard let off = utf8Offset(of: needle, last: last) else { return nil }
        let lo = utf8.index(startIndex, offsetBy: off)
        return lo..<utf8.index(lo, offsetBy: needle.utf8.count)
    }

    /// `split(separator:maxSplits:omittingEmptySubsequences:)` for an ASCII separator, done on the
    /// UTF-8 bytes (the stdlib's version compares Characters, which is far slower and does not
    /// split a `\r\n` at the `\n`). Same results as the stdlib's for the rest.
    public func splitBytes(separator: Unicode.Scalar, maxSplits: Int = Int.max, omittingEmptySubsequences: Bool = true) -> [SubSequence] {
        precondition(separator.isASCII && maxSplits >= 0)
        let sep = UInt8(separator.value)
        let whole = self[...]
        let offsets: [Int] = {
            let scan = { (b: UnsafeBufferPointer<UInt8>) -> [Int] in
                var out: [Int] = []
                guard let base = b.baseAddress else { return out }
                var i = 0
                while i < b.count, let p = memchr(base + i, Int32(sep), b.count - i) {
                    i = UnsafeRawPointer(p) - UnsafeRawPointer(base)
                    out.append(i)
                    i += 1
                }
                return out
            }
            return utf8.withContiguousStorageIfAvailable(scan) ?? Array(utf8).withUnsafeBufferPointer(scan)
        }()
        var result: [SubSequence] = []
        if maxSplits == 0 || whole.isEmpty {
            if !(whole.isEmpty && omittingEmptySubsequences) { result.append(whole) }
            return result
        }
        let u = whole.utf8
        var start = u.startIndex, startOff = 0
        for off in offsets {
            if !(off == startOff && omittingEmptySubsequences) {
                result.append(whole[start..<u.index(start, offsetBy: off - startOff)])
                start = u.index(start, offsetBy: off - startOff + 1); startOff = off + 1
                if result.count == maxSplits { break }
            } else {
                start = u.index(after: start); startOff = off + 1
            }
        }
        if start != whole.endIndex || !omittingEmptySubsequences { result.append(whole[start...]) }
        return result
    }

    /// Without leading and trailing spaces and tabs.
    public func trimmedSpaces() -> SubSequence {
        let s = self[...]
        guard let a = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return s[s.endIndex...] }
        let b = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return s[a...b]
    }
}

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
        guard let r = find(marker) else { return nil }
        return self[r.upperBound...]
    }

    /// The text after the last occurrence of `marker`.
    func afterLast(_ marker: String) -> Substring? {
        guard let r = find(marker, last: true) else { return nil }
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
