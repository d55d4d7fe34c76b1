import Foundation
import BundleArchive
import ForensicModel
#if canImport(Glibc)
import Glibc
#endif

/// What a file is, from its first bytes (never from its name).
enum FileKind: Equatable {
    case journal, pcap, pcapng, tarArchive, text, compressedText
    /// JSON that is not a journal export (a report, a manifest).
    case otherJSON
    case binary
    case empty
    case special(String)
    case unreadable(String)

    static func sniff(_ path: String) -> FileKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .special("a directory")
        case S_IFIFO: return .special("a FIFO")
        case S_IFCHR: return .special("a character device")
        case S_IFBLK: return .special("a block device")
        case S_IFSOCK: return .special("a socket")
        default: return .special("not a regular file")
        }
        if st.st_size == 0 { return .empty }
        let fd = openForReading(path, O_NONBLOCK)
        guard fd >= 0 else { return .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 4096)
        let n = b.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { return .empty }
        b.removeSubrange(n...)
        return classify(b, path: path)
    }

    static func classify(_ b: [UInt8], path: String) -> FileKind {
        func starts(_ m: [UInt8]) -> Bool { b.count >= m.count && zip(b, m).allSatisfy { $0 == $1 } }
        if starts(Array("LPKSHHRH".utf8)) { return .journal }
        if starts([0xD4, 0xC3, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0xC3, 0xD4]) || starts([0x4D, 0x3C, 0xB2, 0xA1]) || starts([0xA1, 0xB2, 0x3C, 0x4D]) { return .pcap }
        if starts([0x0A, 0x0D, 0x0D, 0x0A]) { return .pcapng }
        if b.count > 262, Array(b[257..<262]) == Array("ustar".utf8) { return .tarArchive }
        if b.withUnsafeBytes({ DecompressingReader.compression($0) }) != nil {
            if BundleArchive.isTar(path: path) { return .tarArchive }
            // a compressed capture (tshark reads .pcap.gz): what the decompressed bytes start with
            if case .success(let c) = CompressedCapture.open(path: path) { close(c.fd); return c.isPcapng ? .pcapng : .pcap }
            return .compressedText
        }
        let head = String(decoding: b, as: UTF8.self)
        let t = head.drop { $0 == "\u{FEFF}" || $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{1E}" }
        if let f = t.first, f == "{" || f == "[", case let inner = t.dropFirst().drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }),
           inner.first == "\"" || inner.first == "{" || inner.first == "}" || inner.first == "]" {
            return head.contains("\"__CURSOR\"") || head.contains("\"__REALTIME_TIMESTAMP\"") || head.contains("\"MESSAGE\"") ? .text : .otherJSON
        }
        // Text: mostly printable (UTF-8 of any language), few NULs.
        let nul = b.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let ctrl = b.reduce(0) { $0 + (($1 < 0x09 || ($1 > 0x0D && $1 < 0x20 && $1 != 0x1B && $1 != 0x1E)) ? 1 : 0) }
        if nul > 0 || ctrl * 20 > b.count { return .binary }
        return .text
    }
}

/// The inputs found under a PATH: one or more nodes (a sosreport tree or tarball each, or the
/// loose logs of a folder), and the captures.
struct Discovery {
    struct SosRoot { var path: String }
    var sosRoots: [String] = []
    var archives: [String] = []
    var journalFiles: [String] = []
    var textFiles: [String] = []
    var captures: [String] = []
    var skipped: [(String, String)] = []
    /// Files and folders that exist but could not be read or listed (each a warning).
    var unreadable: [(String, String)] = []

    /// Marks of a sosreport tree.
    static func isSosRoot(_ dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: dir + "/sos_reports/manifest.json") || fm.fileExists(atPath: dir + "/sos_commands")
            || fm.fileExists(atPath: dir + "/sos_logs")
    }

    /// Walks `root` (symlinks not followed, at most `maxDepth` levels): sosreport trees are
    /// recorded whole (their own discovery reads them), every other file is classified by content.
    static func scan(_ root: String, maxDepth: Int = 6) -> Discovery {
        var d = Discovery()
        func walk(_ dir: String, _ depth: Int) {
            if isSosRoot(dir) { d.sosRoots.append(dir); return }
            guard depth <= maxDepth else { return }
            guard let (names, undecodable) = listDirectory(dir) else {
                d.unreadable.append((dir, "folder cannot be listed: \(String(cString: strerror(errno)))"))
                return
            }
            for raw in undecodable {
                d.skipped.append((dir + "/" + raw, "file name is not UTF-8: not read (rename it to read it)"))
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let p = dir + "/" + name
                var st = stat()
                guard lstat(p, &st) == 0 else { d.unreadable.append((p, "cannot be examined: \(String(cString: strerror(errno)))")); continue }
                let type = st.st_mode & S_IFMT
                if type == S_IFDIR { walk(p, depth + 1); continue }
                guard type == S_IFREG else { if type != S_IFLNK { d.skipped.append((p, "not a regular file")) }; continue }
                d.add(p, FileKind.sniff(p))
            }
        }
        walk(root, 0)
        return d
    }

    /// A folder's entries through readdir: names that are valid UTF-8, and the others shown with
    /// their bytes escaped (`\xff`), so none is dropped without a word.
    static func listDirectory(_ dir: String) -> ([String], [String])? {
        guard let dp = opendir(dir) else { return nil }
        defer { closedir(dp) }
        var ok: [String] = [], bad: [String] = []
        while let e = readdir(dp) {
            let bytes: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if let s = String(validating: bytes, as: UTF8.self) { ok.append(s) } else {
                bad.append(bytes.map { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined())
            }
        }
        return (ok, bad)
    }

    mutating func add(_ p: String, _ kind: FileKind) {
        switch kind {
        case .journal: journalFiles.append(p)
        case .pcap, .pcapng: captures.append(p)
        case .tarArchive: archives.append(p)
        case .text, .compressedText: textFiles.append(p)
        case .otherJSON: skipped.append((p, "JSON that is not journal output"))
        case .binary: skipped.append((p, "binary, not a journal, capture or archive"))
        case .empty: skipped.append((p, "empty"))
        case .special(let what): skipped.append((p, what))
        case .unreadable(let why): unreadable.append((p, "cannot be read: \(why)"))
        }
    }
}
