import Foundation
import BundleArchive
#if canImport(Glibc)
import Glibc
#endif

/// A compressed capture (`.pcap.gz` as tshark reads them; also xz, bzip2, zstd, lz4), recognised
/// by its magic bytes, never by its name. libarchive decompresses it on a thread of its own into a
/// pipe; the capture readers read the pipe's other end like a file (libpcap through `fdopen`).
struct CompressedCapture {
    /// The read end of the pipe, for `PcapReader(fd:)` / `PcapngReader(fd:)` (they close it).
    let fd: Int32
    let isPcapng: Bool
    /// "gzip-compressed", "xz-compressed", …, or "streamed" (a FIFO or standard input).
    let compression: String

    enum Failure: Error { case notCompressed, unreadable(String) }

    /// Opens `path` when it is compressed, or when it is a stream (a FIFO, `-` or `/dev/stdin`:
    /// `tcpdump -w - | nodesleuth retrans -`), whose first bytes, once read to look at them, can
    /// only be handed on through the pipe; `.notCompressed` otherwise (read it directly).
    static func open(path: String) -> Result<CompressedCapture, Failure> {
        let file = path == "-" ? dup(STDIN_FILENO) : Glibc.open(path, O_RDONLY)
        guard file >= 0 else { return .failure(.notCompressed) }
        var st = stat()
        let type = fstat(file, &st) == 0 ? st.st_mode & S_IFMT : 0
        let stream = type == S_IFIFO || type == S_IFSOCK
        var head = [UInt8](repeating: 0, count: 8)
        var n = 0
        while n < head.count {
            let r = head.withUnsafeMutableBytes { read(file, $0.baseAddress! + n, $0.count - n) }
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { break }
            n += r
        }
        head.removeSubrange(n...)
        guard let kind = head.withUnsafeBytes({ DecompressingReader.compression($0) }) else {
            guard stream else { close(file); return .failure(.notCompressed) }
            // an uncompressed stream: its bytes go down the pipe as they are
            guard let ng = captureKind(head) else {
                close(file)
                return .failure(.unreadable(head.isEmpty ? "the stream ended before any byte" : "the stream holds no pcap or pcapng capture"))
            }
            return startPump(file: file, first: head, isPcapng: ng, compression: "streamed") { buf in
                while true {
                    let r = read(file, buf.baseAddress!, buf.count)
                    if r < 0 && errno == EINTR { continue }
                    return max(r, 0)
                }
            }
        }
        let reader: DecompressingReader
        do { reader = try DecompressingReader(fd: file, alreadyRead: head) } catch {
            close(file)
            return .failure(.unreadable("\(kind)-compressed, but cannot be decompressed: \(error)"))
        }
        // the first decompressed bytes say pcap or pcapng; they go down the pipe first
        var first = [UInt8](repeating: 0, count: 1 << 16)
        var got = 0
        while got < 4 {
            let r: Int
            do { r = try first.withUnsafeMutableBytes { try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) } } catch {
                close(file)
                return .failure(.unreadable("\(kind)-compressed, but cannot be decompressed: \(error)"))
            }
            if r == 0 { break }
            got += r
        }
        first.removeSubrange(got...)
        guard let ng = captureKind(first) else { close(file); return .failure(.unreadable("\(kind)-compressed, but what it holds is no pcap or pcapng capture")) }
        return startPump(file: file, first: first, isPcapng: ng, compression: kind + "-compressed") { try reader.read(into: $0) }
    }

    /// true: pcapng, false: classic pcap (either byte order, µs or ns), nil: neither.
    static func captureKind(_ first: [UInt8]) -> Bool? {
        func starts(_ m: [UInt8]) -> Bool { first.count >= m.count && zip(first, m).allSatisfy { $0 == $1 } }
        if starts([0x0A, 0x0D, 0x0D, 0x0A]) { return true }
        if starts([0xD4, 0xC3, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0xC3, 0xD4]) || starts([0x4D, 0x3C, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0x3C, 0x4D]) { return false }
        return nil
    }

    private static func startPump(file: Int32, first: [UInt8], isPcapng: Bool, compression: String,
                                  read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) -> Result<CompressedCapture, Failure> {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { close(file); return .failure(.unreadable("cannot make a pipe: \(String(cString: strerror(errno)))")) }
        let box = Pump(read: read, file: file, out: fds[1], first: first)
        let t = Thread { box.run() }
        t.name = "capture-pump"
        t.start()
        return .success(CompressedCapture(fd: fds[0], isPcapng: isPcapng, compression: compression))
    }

    /// Decompresses into the pipe until the end, an error, or the reader closing its end.
    private final class Pump: @unchecked Sendable {
        let read: (UnsafeMutableRawBufferPointer) throws -> Int
        let file: Int32, out: Int32
        let first: [UInt8]
        init(read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int, file: Int32, out: Int32, first: [UInt8]) {
            self.read = read; self.file = file; self.out = out; self.first = first
        }

        func run() {
            // a reader that stops early closes the pipe: the write then fails with EPIPE instead of
            // raising SIGPIPE (blocked on this thread only; the signal is synchronous to it)
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            defer { close(out); close(file) }
            guard writeAll(first) else { return }
            var block = [UInt8](repeating: 0, count: 1 << 18)
            while true {
                let n: Int
                do { n = try block.withUnsafeMutableBytes { try read($0) } } catch { return }
                if n <= 0 { return }
                guard block.withUnsafeBytes({ writeAll(UnsafeRawBufferPointer(rebasing: $0[..<n])) }) else { return }
            }
        }

        private func writeAll(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { writeAll($0) } }

        private func writeAll(_ b: UnsafeRawBufferPointer) -> Bool {
            var done = 0
            while done < b.count {
                let w = write(out, b.baseAddress! + done, b.count - done)
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { return false }
                done += w
            }
            return true
        }
    }
}
