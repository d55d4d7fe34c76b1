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
    /// "gzip", "xz", …
    let compression: String

    enum Failure: Error { case notCompressed, unreadable(String) }

    /// Opens `path` when it is compressed; `.notCompressed` otherwise (read it directly).
    static func open(path: String) -> Result<CompressedCapture, Failure> {
        let file = Glibc.open(path, O_RDONLY)
        guard file >= 0 else { return .failure(.notCompressed) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { read(file, $0.baseAddress!, $0.count) }
        head.removeSubrange(max(n, 0)...)
        guard let kind = head.withUnsafeBytes({ DecompressingReader.compression($0) }) else { close(file); return .failure(.notCompressed) }
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
        func starts(_ m: [UInt8]) -> Bool { first.count >= m.count && zip(first, m).allSatisfy { $0 == $1 } }
        let ng = starts([0x0A, 0x0D, 0x0D, 0x0A])
        let classic = starts([0xD4, 0xC3, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0xC3, 0xD4]) || starts([0x4D, 0x3C, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0x3C, 0x4D])
        guard ng || classic else { close(file); return .failure(.unreadable("\(kind)-compressed, but what it holds is no pcap or pcapng capture")) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { close(file); return .failure(.unreadable("cannot make a pipe: \(String(cString: strerror(errno)))")) }
        let box = Pump(reader: reader, file: file, out: fds[1], first: first)
        let t = Thread { box.run() }
        t.name = "decompress"
        t.start()
        return .success(CompressedCapture(fd: fds[0], isPcapng: ng, compression: kind))
    }

    /// Decompresses into the pipe until the end, an error, or the reader closing its end.
    private final class Pump: @unchecked Sendable {
        let reader: DecompressingReader
        let file: Int32, out: Int32
        let first: [UInt8]
        init(reader: DecompressingReader, file: Int32, out: Int32, first: [UInt8]) {
            self.reader = reader; self.file = file; self.out = out; self.first = first
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
                do { n = try block.withUnsafeMutableBytes { try reader.read(into: $0) } } catch { return }
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
