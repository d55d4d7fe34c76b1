import Foundation
import ForensicModel

/// Read-only access to the files of an input tree. Symlinks are resolved only when they stay
/// inside the tree; nothing is ever written under it.
public struct InputTree: Sendable {
    public let root: String          // absolute, symlinks resolved
    /// The root as the user wrote it, for messages.
    public let given: String

    /// A path under `root` as the user would write it (`<given>/<relative>`).
    public func display(_ real: String) -> String {
        guard real.hasPrefix(root) else { return real }
        return given + real.dropFirst(root.count)
    }

    public init(root: String) {
        var g = root
        while g.count > 1 && g.hasSuffix("/") { g.removeLast() }
        self.given = g
        let abs = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = (try? FileManager.default.destinationOfSymbolicLink(atPath: abs)).map {
            URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: abs).deletingLastPathComponent()).standardizedFileURL.path
        } ?? URL(fileURLWithPath: abs).resolvingSymlinksInPath().path
    }

    /// The real path of `relative` if it exists and stays inside the tree.
    public func resolve(_ relative: String) -> String? {
        let p = URL(fileURLWithPath: root).appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let real = URL(fileURLWithPath: p).resolvingSymlinksInPath().path
        guard real == root || real.hasPrefix(root + "/") else { return nil }
        return real
    }

    /// Lists a directory of the tree (names only), or [] if absent.
    public func list(_ relative: String) -> [String] { listing(relative).names }

    /// Lists a directory of the tree; `error` says why a folder that is there cannot be listed.
    public func listing(_ relative: String) -> (names: [String], error: String?) {
        guard let p = resolve(relative) else { return ([], nil) }
        guard let dp = opendir(p) else { return ([], "folder cannot be listed: \(String(cString: strerror(errno)))") }
        closedir(dp)
        return (((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []).sorted(), nil)
    }

    /// Every regular file under the tree whose name passes `filter` (symlinks not followed).
    public func find(where filter: (String) -> Bool, maxDepth: Int = 6) -> [String] {
        var out: [String] = []
        func walk(_ dir: String, _ depth: Int) {
            guard depth <= maxDepth, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names.sorted() {
                let p = dir + "/" + name
                var st = stat()
                guard lstat(p, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(p, depth + 1) } else if (st.st_mode & S_IFMT) == S_IFREG, filter(name) { out.append(display(p)) }
            }
        }
        walk(root, 0)
        return out
    }
}

/// Linux's O_NOATIME (01000000 on x86_64 and aarch64; Glibc's Swift module does not export it).
let oNoAtime: Int32 = 0o1000000

/// Opens for reading without touching the file's access time where the kernel allows it (the
/// file's owner or root), else plainly.
func openForReading(_ path: String, _ flags: Int32 = 0) -> Int32 {
    let fd = open(path, O_RDONLY | O_CLOEXEC | oNoAtime | flags)
    if fd < 0 && errno == EPERM { return open(path, O_RDONLY | O_CLOEXEC | flags) }
    return fd
}

/// Reads a file's bytes with plain POSIX calls (Foundation's `FileManager.contents` leaks a
/// buffer for empty files, seen under LeakSanitizer); a warning naming the file when it cannot be read.
func readBytes(_ path: String) -> Result<Data, Warning> {
    var st = stat()
    guard stat(path, &st) == 0 else {
        return .failure(Warning(source: Provenance(path: path), message: errno == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(errno)))", code: "input.unreadable"))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Warning(source: Provenance(path: path), message: "is a directory, expected a file", code: "input.is-directory")) }
    // Bundle files are read only when they are regular files: a FIFO would hang the run and a
    // device (/dev/zero-like) would be read until memory runs out. Checked on the opened
    // descriptor (O_NONBLOCK: opening a FIFO does not wait for a writer), so the file cannot be
    // swapped between the check and the read. O_NOATIME keeps the bundle's access times.
    let fd = openForReading(path, O_NONBLOCK)
    guard fd >= 0 else { return .failure(Warning(source: Provenance(path: path), message: "cannot be read (\(String(cString: strerror(errno))))", code: "input.unreadable")) }
    defer { close(fd) }
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
        let what: String
        switch st.st_mode & S_IFMT {
        case S_IFIFO: what = "a FIFO"
        case S_IFCHR: what = "a character device"
        case S_IFBLK: what = "a block device"
        case S_IFSOCK: what = "a socket"
        default: what = "not a regular file"
        }
        return .failure(Warning(source: Provenance(path: path), message: "is \(what), not a regular file: skipped", code: "input.not-regular-file"))
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    // Read straight into a buffer of the file's size (one copy); grow only if the file grew.
    var out = Data(count: Int(max(st.st_size, 0)))
    var filled = 0
    while true {
        if filled == out.count { out.count += 1 << 20 }
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
        if n < 0 {
            if errno == EINTR { continue }
            return .failure(Warning(source: Provenance(path: path, byteOffset: Int64(filled)), message: "read error at byte \(filled): \(String(cString: strerror(errno)))", code: "input.read-error"))
        }
        if n == 0 { break }
        filled += n
    }
    out.count = filled
    return .success(out)
}

/// Reads a text file, replacing invalid UTF-8; a warning naming the file when it cannot be read.
func readText(_ path: String) -> Result<String, Warning> {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

/// Splits text into lines (LF, with CR stripped), keeping 1-based numbers.
func lines(of text: String) -> [(Int, Substring)] {
    var out: [(Int, Substring)] = []
    var n = 0
    for l in text.splitBytes(separator: "\n", omittingEmptySubsequences: false) {
        n += 1
        out.append((n, l.hasSuffix("\r") ? l.dropLast() : l))
    }
    if let last = out.last, last.1.isEmpty { out.removeLast() }
    return out
}
