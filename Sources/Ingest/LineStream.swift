import Foundation
import BundleArchive
import ForensicModel
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file, a pipe, stdin (`-`) or a compressed file (gzip, xz, bzip2, zstd, lz4: by magic
/// bytes) in bounded memory and hands out batches of whole lines. Memory: one batch buffer
/// (4 MiB, grown only for a longer line, up to `maxLine`).
final class LineStream {
    let path: String
    private let fd: Int32
    private let ownsFD: Bool
    private var decompressor: DecompressingReader?
    /// The first bytes (up to 1 MiB), for sniffing; they are also the start of the first batch.
    private(set) var head: [UInt8] = []
    private(set) var compression: String?
    private(set) var bytesRead: Int64 = 0
    private(set) var linesCut = 0
    static let batch = 4 << 20
    static let maxLine = 16 << 20

    private init(path: String, fd: Int32, ownsFD: Bool) { self.path = path; self.fd = fd; self.ownsFD = ownsFD }
    deinit { if ownsFD { close(fd) } }

    /// Opens `path` (`-` or `/dev/stdin`: standard input) and reads its head.
    static func open(_ path: String) -> Result<LineStream, Warning> {
        let isStdin = path == "-" || path == "/dev/stdin"
        var fd: Int32 = 0
        if !isStdin {
            var st = stat()
            guard stat(path, &st) == 0 else {
                return .failure(Warning(source: Provenance(path: path), message: errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))", code: "input.unreadable"))
            }
            if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Warning(source: Provenance(path: path), message: "is a directory, expected a file", code: "input.is-directory")) }
            fd = openForReading(path)
            guard fd >= 0 else { return .failure(Warning(source: Provenance(path: path), message: "cannot be read (\(String(cString: strerror(errno))))", code: "input.unreadable")) }
        }
        let s = LineStream(path: path, fd: fd, ownsFD: !isStdin)
        // Sniff: read up to 1 MiB (a pipe may hand it out in pieces).
        var raw = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        while filled < raw.count {
            let n = raw.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(Warning(source: Provenance(path: path), message: "read error: \(String(cString: strerror(errno)))", code: "input.read-error")) }
            if n == 0 { break }
            filled += n
            if filled >= 8, raw.withUnsafeBytes({ DecompressingReader.compression(UnsafeRawBufferPointer(rebasing: $0.prefix(8))) }) != nil { break }
        }
        raw.removeSubrange(filled...)
        if let kind = raw.withUnsafeBytes({ DecompressingReader.compression($0) }) {
            do {
                s.decompressor = try DecompressingReader(fd: fd, alreadyRead: raw)
                s.compression = kind
                var h = [UInt8](repeating: 0, count: 1 << 20)
                var got = 0
                while got < h.count {
                    let n = try h.withUnsafeMutableBytes { try s.decompressor!.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
                    if n == 0 { break }
                    got += n
                }
                h.removeSubrange(got...)
                s.head = h
            } catch {
                return .failure(Warning(source: Provenance(path: path), message: "\(kind)-compressed, but cannot be decompressed: \(error)", code: "input.decompress-failed"))
            }
        } else {
            s.head = raw
        }
        s.bytesRead = Int64(s.head.count)
        return .success(s)
    }

    private func readMore(into p: UnsafeMutableRawBufferPointer) throws -> Int {
        if let d = decompressor { return try d.read(into: p) }
        while true {
            let n = Glibc.read(fd, p.baseAddress!, p.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Warning(source: Provenance(path: path, byteOffset: bytesRead), message: "read error at byte \(bytesRead): \(String(cString: strerror(errno)))", code: "input.read-error") }
            return n
        }
    }

    /// Calls `body` with batches of whole lines (the last line of the input may lack its LF) and
    /// the byte offset and 0-based line index of each batch's first byte. Returns a read error, if one ended it.
    /// `body` returns how many lines the batch held (it splits them anyway), or nil to have them counted here.
    func forEachBatch(_ body: (_ lines: UnsafeRawBufferPointer, _ offset: Int64, _ firstLine: Int) -> Int?) -> Warning? {
        var buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Self.batch, head.count + 1), alignment: 16)
        defer { buf.deallocate() }
        head.withUnsafeBytes { _ = memcpy(buf.baseAddress!, $0.baseAddress!, $0.count) }
        var filled = head.count
        head = Array(head.prefix(64 << 10))   // keep a little for callers that sniff again
        var offset: Int64 = 0
        var lineNo = 0
        var eof = false
        var failure: Warning?
        while true {
            if !eof && filled < buf.count {
                do {
                    let n = try readMore(into: UnsafeMutableRawBufferPointer(rebasing: buf[filled...]))
                    if n == 0 { eof = true } else { filled += n; bytesRead += Int64(n); if filled < buf.count { continue } }
                } catch {
                    failure = error as? Warning ?? Warning(source: Provenance(path: path), message: "\(error)", code: "input.read-error")
                    eof = true
                }
            }
            // whole lines in buf[0..<filled]
            var end = filled
            if !eof {
                var lastNL = filled - 1
                while lastNL >= 0 && buf[lastNL] != 0x0A { lastNL -= 1 }
                guard lastNL >= 0 else {
                    // a line longer than the buffer: grow, or cut it
                    if buf.count < Self.maxLine {
                        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buf.count * 2, alignment: 16)
                        memcpy(bigger.baseAddress!, buf.baseAddress!, filled)
                        buf.deallocate(); buf = bigger
                    } else {
                        linesCut += 1
                        buf[filled - 1] = 0x0A   // cut here; the rest becomes a line of its own
                    }
                    continue
                }
                end = lastNL + 1
            }
            if end > 0 {
                let chunk = UnsafeRawBufferPointer(rebasing: buf[0..<end])
                if let n = body(chunk, offset, lineNo) { lineNo += n } else {
                    var n = 0, p = chunk.baseAddress!, left = end
                    while left > 0, let q = memchr(p, 0x0A, left) { n += 1; let step = UnsafeRawPointer(q) - p + 1; p += step; left -= step }
                    if left > 0 { n += 1 }
                    lineNo += n
                }
                offset += Int64(end)
                memmove(buf.baseAddress!, buf.baseAddress! + end, filled - end)
                filled -= end
            }
            if eof && filled == 0 { break }
        }
        return failure
    }
}
