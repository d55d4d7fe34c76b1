#if canImport(Glibc)
import Glibc
#endif
import CFastSearch

/// Cheap byte-level test of whether a log line can matter at all, run before any parsing, so that
/// big logs are scanned at memory speed and only candidate lines become Strings.
public struct NeedleFilter: Sendable {
    private let needles: [[UInt8]]

    public init(_ needles: [String]) { self.needles = needles.map { Array($0.utf8) } }

    /// Lines that can be part of an OOM record (outside the record's body), or name a pod.
    public static let oom = NeedleFilter(["oom", "Kill", "Out of memory", "Out of Memory", "Task in ", "podUID="] + NodeEventExtractor.needles)

    /// Start offsets of every needle occurrence in a whole buffer, ascending: one SIMD pass for
    /// all needles (`ns_multi_hits`), where a memmem per needle read the buffer once per needle.
    public func hits(in buf: UnsafeRawBufferPointer) -> [Int] {
        guard let base = buf.baseAddress, !needles.isEmpty else { return [] }
        var out: [Int] = []
        let ptrs = needles.map { n -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: n.count); p.initialize(from: n, count: n.count); return p
        }
        defer { ptrs.forEach { $0.deallocate() } }
        let lens = needles.map(\.count)
        var chunk = [Int](repeating: 0, count: 4096)
        var from = 0
        ptrs.map { UnsafePointer($0) as UnsafePointer<UInt8>? }.withUnsafeBufferPointer { np in
            lens.withUnsafeBufferPointer { lp in
                while from < buf.count {
                    var next = 0
                    let got = chunk.withUnsafeMutableBufferPointer { cp in
                        cp.withMemoryRebound(to: Int.self) { c in
                            c.baseAddress!.withMemoryRebound(to: size_t.self, capacity: c.count) { o in
                                ns_multi_hits(base.assumingMemoryBound(to: UInt8.self), buf.count, from, np.baseAddress!, lp.baseAddress!, np.count, o, c.count, &next)
                            }
                        }
                    }
                    out.append(contentsOf: chunk[0..<got])
                    from = max(next, from + 1)
                    if next >= buf.count { break }
                }
            }
        }
        return out
    }

    @inline(__always) public func matches(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let base = line.baseAddress, line.count > 0 else { return false }
        for n in needles {
            let hit = n.withUnsafeBytes { nb in ns_memmem(base, line.count, nb.baseAddress!, nb.count) }
            if hit != nil { return true }
        }
        return false
    }
}

/// Splits a buffer into lines (LF; a trailing CR is dropped) with 1-based numbers and byte offsets.
public enum LineScanner {
    /// Newlines in a buffer (SIMD), for line numbers across stretches nobody needs to look at.
    public static func countLines(_ buf: UnsafeRawBufferPointer) -> Int {
        guard let b = buf.baseAddress, buf.count > 0 else { return 0 }
        return ns_count_byte(b.assumingMemoryBound(to: UInt8.self), buf.count, 0x0A)
    }

    /// Returns the number of lines.
    @discardableResult
    public static func forEachLine(_ buf: UnsafeRawBufferPointer, _ body: (_ number: Int, _ offset: Int, _ line: UnsafeRawBufferPointer) -> Void) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        var start = 0
        var n = 0
        while start < buf.count {
            let rest = buf.count - start
            let nl = memchr(base + start, 0x0A, rest)
            let end = nl.map { UnsafeRawPointer($0) - base } ?? buf.count
            n += 1
            var len = end - start
            if len > 0 && buf[start + len - 1] == 0x0D { len -= 1 }
            body(n, start, UnsafeRawBufferPointer(start: base + start, count: len))
            start = end + 1
        }
        return n
    }
}

extension String {
    /// A String from raw bytes (invalid UTF-8 replaced).
    public init(bytes: UnsafeRawBufferPointer) {
        self = String(decoding: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
    }
}

/// Decides which kernel lines reach the OOM assembler: lines that match the needles, plus every
/// line of an OOM record's body (CPU/PID line, memory figures, task table) between
/// `invoked oom-killer` and the first `Killed process` (at most `maxBody` lines).
public struct OOMLineGate: Sendable {
    private var bodyLeft = 0
    public var maxBody = 20000
    private static let invoked = NeedleFilter([" invoked oom-killer:", "oom-killer: gfp_mask="])
    private static let killed = NeedleFilter(["Killed process"])
    /// A hung task's report: its stack follows (is it waiting in reclaim?).
    private static let hung = NeedleFilter([" blocked for more than "])
    public var maxHungStack = 40

    public init() {}

    /// Inside an OOM record's body: every line passes, needle or not.
    public var isOpen: Bool { bodyLeft > 0 }

    public mutating func pass(_ line: UnsafeRawBufferPointer) -> Bool {
        pass(line, candidate: bodyLeft > 0 || NeedleFilter.oom.matches(line))
    }

    /// The same, when the caller already knows whether the line holds a needle (`NeedleFilter.hits`).
    public mutating func pass(_ line: UnsafeRawBufferPointer, candidate: Bool) -> Bool {
        if bodyLeft > 0 {
            bodyLeft -= 1
            if Self.killed.matches(line) { bodyLeft = 0 }
            return true
        }
        guard candidate else { return false }
        if Self.invoked.matches(line) { bodyLeft = maxBody } else if Self.hung.matches(line) { bodyLeft = maxHungStack }
        return true
    }
}
