import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// An error from libarchive.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Extracts the members of a sosreport tarball (.tar, .tar.gz, .tar.xz, .tar.bz2) that a filter
/// selects into a private directory, with libarchive. Refuses members that would escape it
/// (absolute paths, `..`, hard or symbolic links pointing outside). The archive handle never
/// leaves this type.
public final class BundleArchive {
    public struct Result: Sendable {
        /// The private directory holding the extracted tree; remove it with `cleanup()`.
        public var directory: String
        public var extracted: Int
        public var bytes: Int64
        /// Members refused, with the reason.
        public var refused: [(path: String, reason: String)]
        /// Where reading stopped early, if it did.
        public var error: String?
    }

    public static func isArchive(path: String) -> Bool {
        let lower = path.lowercased()
        return [".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst"].contains { lower.hasSuffix($0) }
    }

    /// Whether the file is a tar archive (plain or compressed), from its content.
    public static func isTar(path: String) -> Bool {
        guard let a = archive_read_new() else { return false }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_gnutar(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else { return false }
        var entry: OpaquePointer?
        let r = archive_read_next_header(a, &entry)
        return r == ARCHIVE_OK || r == ARCHIVE_WARN
    }

    /// Extracts the selected members into a new directory under `tmp`.
    /// `select` gets the member path (as stored) and decides.
    public static func extract(path: String, into tmp: String, select: (String) -> Bool) throws(ArchiveError) -> Result {
        var template = Array((tmp + "/nodesleuth-bundle.XXXXXX").utf8CString)
        guard let dirPtr = mkdtemp(&template) else { throw ArchiveError(message: "cannot create a temporary directory under \(tmp)") }
        let root = String(cString: dirPtr)
        guard let a = archive_read_new() else { throw ArchiveError(message: "libarchive: out of memory") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_all(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            let msg = String(cString: archive_error_string(a))
            rmdir(root)
            throw ArchiveError(message: "\(path): \(msg)")
        }
        var result = Result(directory: root, extracted: 0, bytes: 0, refused: [], error: nil)
        var entry: OpaquePointer?
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN {
                result.error = String(cString: archive_error_string(a))
                break
            }
            guard let entry, let cpath = archive_entry_pathname(entry) else { continue }
            let name = String(cString: cpath)
            guard let rel = safeRelative(name) else {
                result.refused.append((name, "path would escape the extraction directory"))
                continue
            }
            guard select(rel) else { continue }
            if let target = archive_entry_hardlink(entry) {
                result.refused.append((name, "hard link to \(String(cString: target)) (never extracted)"))
                continue
            }
            let type = archive_entry_filetype(entry)
            let dest = root + "/" + rel
            makeParents(of: dest, under: root)
            if type == S_IFDIR {
                mkdir(dest, 0o700)
            } else if type == S_IFLNK {
                let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
                // Only links that stay inside the bundle (resolved from the link's own folder).
                let parent = rel.split(separator: "/").dropLast().joined(separator: "/")
                if target.hasPrefix("/") || safeRelative((parent.isEmpty ? "" : parent + "/") + target) == nil {
                    result.refused.append((name, "symbolic link to \(target) points outside the bundle"))
                    continue
                }
                symlink(target, dest)
                result.extracted += 1
            } else if type == S_IFREG {
                let fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
                guard fd >= 0 else { result.refused.append((name, "cannot create: \(String(cString: strerror(errno)))")); continue }
                while true {
                    let n = archive_read_data(a, &buf, buf.count)
                    if n <= 0 {
                        if n < 0 { result.error = "\(name): " + String(cString: archive_error_string(a)) }
                        break
                    }
                    _ = buf.withUnsafeBytes { write(fd, $0.baseAddress, n) }
                    result.bytes += Int64(n)
                }
                close(fd)
                result.extracted += 1
                if result.error != nil { break }
            }
        }
        return result
    }

    /// A member path made relative and checked: no absolute path, no `..` escaping the root.
    /// The leading `sosreport-…/` folder is kept (the caller decides what is the bundle root).
    public static func safeRelativePath(_ name: String) -> String? { safeRelative(name) }

    static func safeRelative(_ name: String) -> String? {
        var parts: [Substring] = []
        if name.hasPrefix("/") { return nil }
        for p in name.split(separator: "/") {
            if p == "." || p.isEmpty { continue }
            if p == ".." { if parts.isEmpty { return nil }; parts.removeLast(); continue }
            parts.append(p)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    static func makeParents(of path: String, under root: String) {
        var cur = root
        let rel = path.dropFirst(root.count + 1).split(separator: "/").dropLast()
        for p in rel {
            cur += "/" + p
            mkdir(cur, 0o700)
        }
    }

    /// Removes a directory tree made by `extract`.
    public static func cleanup(_ directory: String) {
        guard directory.contains("/nodesleuth-bundle.") else { return }
        func rm(_ p: String) {
            var st = stat()
            guard lstat(p, &st) == 0 else { return }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if let d = opendir(p) {
                    while let e = readdir(d) {
                        let n = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                        if n != "." && n != ".." { rm(p + "/" + n) }
                    }
                    closedir(d)
                }
                rmdir(p)
            } else { unlink(p) }
        }
        rm(directory)
    }
}

/// A compressed single file (`messages.1.gz`, `syslog.2.xz`, `.bz2`, `.zst`), decompressed as it
/// is read, with libarchive's filters and its "raw" format. Recognised by its magic bytes, never by
/// its name. Reads from a file descriptor (a pipe works too): the bytes already read to sniff the
/// magic are handed back first.
public final class DecompressingReader {
    private let a: OpaquePointer
    fileprivate let fd: Int32
    fileprivate var prefix: [UInt8]
    fileprivate var prefixDone = false
    fileprivate var block = [UInt8](repeating: 0, count: 1 << 16)

    /// gzip, xz, bzip2, zstd, lz4 magic at the start of `head`.
    public static func compression(_ head: UnsafeRawBufferPointer) -> String? {
        func starts(_ m: [UInt8]) -> Bool { head.count >= m.count && zip(head, m).allSatisfy { $0 == $1 } }
        if starts([0x1F, 0x8B]) { return "gzip" }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if starts([0x42, 0x5A, 0x68]) && head.count > 3 && head[3] >= 0x31 && head[3] <= 0x39 { return "bzip2" }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        if starts([0x04, 0x22, 0x4D, 0x18]) { return "lz4" }
        return nil
    }

    public init(fd: Int32, alreadyRead: [UInt8]) throws(ArchiveError) {
        guard let a = archive_read_new() else { throw ArchiveError(message: "libarchive: out of memory") }
        self.a = a; self.fd = fd; self.prefix = alreadyRead
        archive_read_support_filter_all(a)
        archive_read_support_format_raw(a)
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        let r = archive_read_open(a, ctx, nil, { _, ctx, out in
            let me = Unmanaged<DecompressingReader>.fromOpaque(ctx!).takeUnretainedValue()
            return me.next(out)
        }, nil)
        guard r == ARCHIVE_OK else { throw ArchiveError(message: String(cString: archive_error_string(a))) }
        var entry: OpaquePointer?
        guard archive_read_next_header(a, &entry) == ARCHIVE_OK else { throw ArchiveError(message: archive_error_string(a).map { String(cString: $0) } ?? "no data") }
    }

    deinit { archive_read_free(a) }

    fileprivate func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        if !prefixDone {
            prefixDone = true
            if !prefix.isEmpty {
                let n = prefix.count
                out?.pointee = prefix.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) }
                return n
            }
        }
        while true {
            let n = block.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return -1 }
            out?.pointee = block.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) }
            return n
        }
    }

    /// Decompressed bytes into `buf`; 0 at the end.
    public func read(into buf: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let n = archive_read_data(a, buf.baseAddress, buf.count)
        if n < 0 { throw ArchiveError(message: String(cString: archive_error_string(a))) }
        return n
    }
}
