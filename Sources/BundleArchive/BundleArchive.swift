import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// An error from libarchive.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// libarchive's message for the last error (it may have none: NULL, found by fuzzing).
func errorText(_ a: OpaquePointer, or fallback: String = "unknown libarchive error") -> String {
    guard let p = archive_error_string(a) else { return fallback }
    return String(cString: p)
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
        /// Members written only in part (a full disk, the size cap), with the reason.
        public var truncated: [(path: String, reason: String)] = []
    }

    /// Caps on what one archive may write (a 3 MB .tar.xz can hold 20 GB).
    public struct Limits: Sendable {
        public var maxBytes: Int64 = 8 << 30
        public var maxMembers = 200_000
        public init() {}
    }

    /// Opens (creating them) the folders `comps` under `rootFD`, never following a link.
    static func openParents(_ comps: ArraySlice<String>, rootFD: Int32) -> Int32? {
        var fd = rootFD
        for c in comps {
            mkdirat(fd, c, 0o700)
            let next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd != rootFD { close(fd) }
            guard next >= 0 else { return nil }
            fd = next
        }
        return fd
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
    /// `created` is told the directory as soon as it exists (to remove it if the run is interrupted).
    /// `progress` is told the members and bytes extracted so far, every 256 members.
    public static func extract(path: String, into tmp: String, limits: Limits = Limits(), created: ((String) -> Void)? = nil,
                               progress: ((Int, Int64) -> Void)? = nil,
                               select: (String) -> Bool) throws(ArchiveError) -> Result {
        var template = Array((tmp + "/nodesleuth-bundle.\(getpid()).XXXXXX").utf8CString)
        guard let dirPtr = mkdtemp(&template) else { throw ArchiveError(message: "cannot create a temporary directory under \(tmp)") }
        let root = String(cString: dirPtr)
        created?(root)
        guard let a = archive_read_new() else { throw ArchiveError(message: "libarchive: out of memory") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_all(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            let msg = errorText(a)
            rmdir(root)
            throw ArchiveError(message: "\(path): \(msg)")
        }
        var result = Result(directory: root, extracted: 0, bytes: 0, refused: [], error: nil)
        var entry: OpaquePointer?
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootFD >= 0 else { throw ArchiveError(message: "cannot open the extraction directory \(root)") }
        defer { close(rootFD) }
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN {
                result.error = errorText(a)
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
            if result.extracted >= limits.maxMembers {
                result.error = "stopped at \(limits.maxMembers) members (--max-extract-members); the rest of the archive was not read"
                break
            }
            // Every folder on the way is created and opened under the extraction root with
            // O_NOFOLLOW: a member can never be written through a symbolic link, whatever earlier
            // members made of the tree.
            let comps = rel.split(separator: "/").map(String.init)
            guard let dirfd = openParents(comps.dropLast(), rootFD: rootFD) else {
                result.refused.append((name, "path goes through a symbolic link or a file"))
                continue
            }
            defer { if dirfd != rootFD { close(dirfd) } }
            let last = comps.last!
            if type == S_IFDIR {
                mkdirat(dirfd, last, 0o700)
            } else if type == S_IFLNK {
                let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
                // Only links that stay inside the bundle (resolved from the link's own folder).
                let parent = rel.split(separator: "/").dropLast().joined(separator: "/")
                if target.hasPrefix("/") || safeRelative((parent.isEmpty ? "" : parent + "/") + target) == nil {
                    result.refused.append((name, "symbolic link to \(target) points outside the bundle"))
                    continue
                }
                symlinkat(target, dirfd, last)
                result.extracted += 1
            } else if type == S_IFREG {
                let fd = openat(dirfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                guard fd >= 0 else { result.refused.append((name, "cannot create: \(String(cString: strerror(errno)))")); continue }
                // Data blocks at their offsets: a sparse member keeps its holes (and its size).
                var block: UnsafeRawPointer?
                var size = 0
                var offset: Int64 = 0
                var failed: String?
                while true {
                    let r = archive_read_data_block(a, &block, &size, &offset)
                    if r == ARCHIVE_EOF { break }
                    if r < ARCHIVE_WARN { result.error = "\(name): " + errorText(a); break }
                    if result.bytes + Int64(size) > limits.maxBytes {
                        failed = "cut at the \(limits.maxBytes >> 20) MiB extraction cap (--max-extract-mb)"
                        result.error = "stopped at \(limits.maxBytes >> 20) MiB extracted (--max-extract-mb); the rest of the archive was not read"
                        break
                    }
                    var done = 0
                    while done < size {
                        let n = pwrite(fd, block! + done, size - done, off_t(offset) + off_t(done))
                        if n < 0 { if errno == EINTR { continue }; failed = "write failed: \(String(cString: strerror(errno)))"; break }
                        done += n
                    }
                    if failed != nil { break }
                    result.bytes += Int64(size)
                }
                let declared = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : -1
                if failed == nil, declared > 0 { ftruncate(fd, off_t(declared)) }   // trailing hole of a sparse file
                close(fd)
                if let failed { result.truncated.append((name, failed)) }
                result.extracted += 1
                if result.extracted & 0xFF == 0 { progress?(result.extracted, result.bytes) }
                if result.error != nil { break }
            }
        }
        // Links that each looked harmless may chain out of the tree (`up -> ../..`, then
        // `esc -> up/../../..`): once all are in place, remove every link that resolves outside.
        for bad in escapingLinks(root) {
            unlink(root + "/" + bad)
            result.refused.append((bad, "symbolic link resolves outside the bundle through other links"))
        }
        return result
    }

    /// Symbolic links under `root` whose target, resolved on the extracted tree, leaves it.
    static func escapingLinks(_ root: String) -> [String] {
        guard let realRoot = realpath(root, nil).map({ p in defer { free(p) }; return String(cString: p) }) else { return [] }
        var out: [String] = []
        func walk(_ rel: String) {
            let dir = rel.isEmpty ? root : root + "/" + rel
            guard let d = opendir(dir) else { return }
            var names: [String] = []
            while let e = readdir(d) {
                let n = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if n != "." && n != ".." { names.append(n) }
            }
            closedir(d)
            for n in names {
                let r = rel.isEmpty ? n : rel + "/" + n
                var st = stat()
                guard lstat(root + "/" + r, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(r); continue }
                guard (st.st_mode & S_IFMT) == S_IFLNK else { continue }
                // Resolve as far as the tree goes: a dangling link (etc/localtime whose zone file was
                // not collected) is judged by the deepest part of its target that exists.
                var buf = [CChar](repeating: 0, count: 4096)
                let n = readlink(root + "/" + r, &buf, buf.count - 1)
                guard n > 0 else { continue }
                let target = String(cString: Array(buf[0..<n]) + [0])
                let linkDir = root + "/" + (r.split(separator: "/").dropLast().joined(separator: "/"))
                var candidate = target.hasPrefix("/") ? target : linkDir + "/" + target
                var real: String?
                for _ in 0..<64 {
                    if let p = realpath(candidate, nil) { real = String(cString: p); free(p); break }
                    guard let slash = candidate.lastIndex(of: "/"), slash != candidate.startIndex else { break }
                    candidate = String(candidate[..<slash])
                }
                if let real, !(real == realRoot || real.hasPrefix(realRoot + "/")) { out.append(r) }
            }
        }
        walk("")
        return out
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

    /// Removes extraction directories left by runs that died (their pid is gone).
    public static func clearStale(in tmp: String) {
        guard let d = opendir(tmp) else { return }
        var stale: [String] = []
        while let e = readdir(d) {
            let n = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            guard n.hasPrefix("nodesleuth-bundle.") else { continue }
            let parts = n.split(separator: ".")
            guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(tmp + "/" + n) }
        }
        closedir(d)
        for s in stale { cleanup(s) }
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
        guard r == ARCHIVE_OK else { throw ArchiveError(message: errorText(a)) }
        var entry: OpaquePointer?
        guard archive_read_next_header(a, &entry) == ARCHIVE_OK else { throw ArchiveError(message: errorText(a, or: "no data")) }
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
        if n < 0 { throw ArchiveError(message: errorText(a)) }
        return n
    }
}
