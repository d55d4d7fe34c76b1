import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// An error from libsystemd's sd-journal, translated once from its `-errno` convention.
public struct JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive errno value (`ENODATA` = 61, `EBADMSG` = 74, `EPROTONOSUPPORT` = 93...).
    public var errno: Int32
    public var operation: String

    public init(errno: Int32, operation: String) { self.errno = errno; self.operation = operation }

    public var description: String {
        let reason: String
        switch errno {
        case 61: reason = "no data (empty, truncated or not a journal file)"
        case 74: reason = "bad message (corrupt header or signature)"
        case 93: reason = "unsupported feature (written by a newer systemd?)"
        case 43: reason = "identifier removed (file has no link)"
        case 2: reason = "no such file or directory"
        case 13: reason = "permission denied"
        case 20: reason = "not a directory"
        case 21: reason = "is a directory"
        default: reason = "errno \(errno)"
        }
        return "\(operation): \(reason)"
    }
}

@inline(__always) private func check(_ r: Int32, _ op: String) throws(JournalError) -> Int32 {
    if r < 0 { throw JournalError(errno: -r, operation: op) }
    return r
}

/// One sd_journal object. Not thread-safe by libsystemd's rule: use it on one thread only.
/// The C handle never leaves this type.
public final class Journal {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }
    deinit { sd_journal_close(handle) }

    /// Opens an explicit list of files (all-or-nothing: one bad file fails the call).
    public static func open(files: [String]) throws(JournalError) -> Journal {
        var ptr: OpaquePointer?
        var cStrings: [UnsafeMutablePointer<CChar>?] = files.map { strdup($0) }
        defer { for p in cStrings { free(p) } }
        cStrings.append(nil)
        let r = cStrings.withUnsafeMutableBufferPointer { buf -> Int32 in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                sd_journal_open_files(&ptr, $0, 0)
            }
        }
        _ = try check(r, "sd_journal_open_files")
        guard let ptr else { throw JournalError(errno: 22, operation: "sd_journal_open_files") }
        return Journal(handle: ptr)
    }

    /// Opens a directory of journal files; with `osRoot`, `path` is an OS tree (a bundle root)
    /// and `var/log/journal` and `run/log/journal` beneath it are searched.
    public static func open(directory path: String, osRoot: Bool) throws(JournalError) -> Journal {
        var ptr: OpaquePointer?
        let flags: Int32 = osRoot ? Int32(SD_JOURNAL_OS_ROOT) : 0
        let r = sd_journal_open_directory(&ptr, path, flags)
        _ = try check(r, "sd_journal_open_directory")
        guard let ptr else { throw JournalError(errno: 22, operation: "sd_journal_open_directory") }
        return Journal(handle: ptr)
    }

    /// Return fields whole (libsystemd cuts them at 64 KiB by default).
    public func setDataThreshold(_ bytes: Int) {
        _ = sd_journal_set_data_threshold(handle, bytes)
    }

    /// Adds an exact `FIELD=value` match (several values of one field are OR'ed).
    public func addMatch(_ match: String) throws(JournalError) {
        let r = match.withCString { sd_journal_add_match(handle, $0, 0) }
        _ = try check(r, "sd_journal_add_match")
    }

    public func seekHead() throws(JournalError) {
        _ = try check(sd_journal_seek_head(handle), "sd_journal_seek_head")
    }

    /// Moves to the next entry; false at the end.
    public func next() throws(JournalError) -> Bool {
        try check(sd_journal_next(handle), "sd_journal_next") > 0
    }

    /// `__REALTIME_TIMESTAMP` of the current entry (µs since the epoch: reception time).
    public func realtimeMicros() throws(JournalError) -> UInt64 {
        var v: UInt64 = 0
        _ = try check(sd_journal_get_realtime_usec(handle, &v), "sd_journal_get_realtime_usec")
        return v
    }

    /// `__MONOTONIC_TIMESTAMP` and the boot id (32 hex digits) of the current entry.
    public func monotonic() throws(JournalError) -> (micros: UInt64, bootID: String) {
        var v: UInt64 = 0
        var boot = sd_id128_t()
        _ = try check(sd_journal_get_monotonic_usec(handle, &v, &boot), "sd_journal_get_monotonic_usec")
        return (v, Self.hex(boot))
    }

    /// The cursor of the current entry.
    public func cursor() throws(JournalError) -> String {
        var p: UnsafeMutablePointer<CChar>?
        _ = try check(sd_journal_get_cursor(handle, &p), "sd_journal_get_cursor")
        defer { free(p) }
        return p.map { String(cString: $0) } ?? ""
    }

    /// The raw bytes of `field` in the current entry (without the `FIELD=` prefix), or nil when
    /// the entry has no such field. Copied at once: libsystemd's pointer dies on the next call.
    public func data(_ field: String) throws(JournalError) -> [UInt8]? {
        var ptr: UnsafeRawPointer?
        var len = 0
        let r = field.withCString { sd_journal_get_data(handle, $0, &ptr, &len) }
        if r == -2 { return nil } // ENOENT: no such field, normal
        _ = try check(r, "sd_journal_get_data(\(field))")
        guard let ptr else { return nil }
        let skip = field.utf8.count + 1
        guard len >= skip else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr + skip, count: len - skip))
    }

    /// Lends the bytes of `field` (without `FIELD=`) to `body` without copying; nil when the entry
    /// has no such field. The buffer is valid only inside `body`.
    public func withData<T>(_ field: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        var ptr: UnsafeRawPointer?
        var len = 0
        let r = field.withCString { sd_journal_get_data(handle, $0, &ptr, &len) }
        if r == -2 { return nil }
        _ = try check(r, "sd_journal_get_data(\(field))")
        guard let ptr else { return nil }
        let skip = field.utf8.count + 1
        guard len >= skip else { return try body(UnsafeRawBufferPointer(start: ptr, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: ptr + skip, count: len - skip))
    }

    /// `field` decoded as UTF-8 (invalid bytes replaced).
    public func string(_ field: String) throws(JournalError) -> String? {
        guard let bytes = try data(field) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ id: sd_id128_t) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(32)
        withUnsafeBytes(of: id.bytes) { raw in
            for b in raw { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        }
        return s
    }
}
