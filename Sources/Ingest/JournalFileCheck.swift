import Foundation
import ForensicModel

/// The fixed header of a systemd journal file (`journal-def.h`), read only to classify a file
/// before libsystemd opens it, so each unreadable file gets its own reason (opening a list of
/// files is all-or-nothing: docs/spec/journal.md, "Opening files", item 3).
/// Offsets (little-endian): signature `LPKSHHRH` 0, compatible flags u32 8, incompatible flags
/// u32 12, state u8 16, header_size u64 88, arena_size u64 96, n_entries u64 152.
public struct JournalFileHeader: Sendable, Equatable {
    public var compatibleFlags: UInt32
    public var incompatibleFlags: UInt32
    public var state: UInt8
    public var headerSize: UInt64
    public var arenaSize: UInt64
    public var nEntries: UInt64?

    /// Incompatible flags libsystemd 252 knows: XZ 1, LZ4 2, KEYED_HASH 4, ZSTD 8, COMPACT 16.
    public static let knownIncompatible: UInt32 = 0x1F

    public var expectedSize: UInt64 { headerSize &+ arenaSize }

    public static func parse(_ b: [UInt8]) -> JournalFileHeader? {
        guard b.count >= 104, b.prefix(8).elementsEqual(Array("LPKSHHRH".utf8)) else { return nil }
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
        let hs = u64(88)
        return JournalFileHeader(compatibleFlags: u32(8), incompatibleFlags: u32(12), state: b[16], headerSize: hs,
                                 arenaSize: u64(96), nEntries: b.count >= 160 && hs >= 160 ? u64(152) : nil)
    }
}

/// What a journal file looks like before it is opened.
public enum JournalFileClass: Equatable, Sendable {
    case ok(JournalFileHeader)
    /// State byte ONLINE: still being written when copied, or the node did not shut down cleanly.
    case online(JournalFileHeader)
    case empty
    case notJournal
    case badSignature
    case truncated(JournalFileHeader, size: UInt64)
    case unsupported(JournalFileHeader, unknownFlags: UInt32)
    case unreadable(String)

    public var reason: String {
        switch self {
        case .ok: return "ok"
        case .online: return "state ONLINE (being written when copied, or unclean shutdown); read anyway"
        case .empty: return "empty file (0 bytes)"
        case .notJournal: return "not a journal file (text or other data)"
        case .badSignature: return "bad signature (header damaged)"
        case .truncated(let h, let size): return "truncated: \(size) of \(h.expectedSize) bytes"
        case .unsupported(_, let f): return String(format: "unsupported incompatible feature flags 0x%x (written by a newer systemd?)", f)
        case .unreadable(let why): return "cannot be read: \(why)"
        }
    }

    public static func classify(path: String) -> JournalFileClass {
        guard let h = FileHandle(forReadingAtPath: path) else {
            return .unreadable(access(path, R_OK) != 0 ? "permission denied" : "cannot open")
        }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        if size == 0 { return .empty }
        try? h.seek(toOffset: 0)
        let bytes = [UInt8]((try? h.read(upToCount: 256)) ?? Data())
        guard let header = JournalFileHeader.parse(bytes) else {
            if bytes.count >= 8, bytes.prefix(4).elementsEqual(Array("LPKS".utf8)) { return .badSignature }
            let printable = bytes.prefix(64).filter { ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0a || $0 == 0x09 }.count
            return printable * 10 >= min(bytes.count, 64) * 9 ? .notJournal : .badSignature
        }
        let unknown = header.incompatibleFlags & ~JournalFileHeader.knownIncompatible
        if unknown != 0 { return .unsupported(header, unknownFlags: unknown) }
        if size < header.expectedSize { return .truncated(header, size: size) }
        if header.state == 1 { return .online(header) }
        return .ok(header)
    }
}

/// A private copy of a truncated journal file, extended with zeros back to its declared size so
/// libsystemd opens it (docs/spec/journal.md, "Opening files", item 4). Lives in a temporary directory that is removed on
/// `cleanup()`; the bundle is never written.
struct RecoveredJournal {
    let directory: String
    let path: String

    static func make(from source: String, expectedSize: UInt64) -> RecoveredJournal? {
        var template = Array((NSTemporaryDirectory() + "nodesleuth-journal.XXXXXX").utf8CString)
        guard let dirPtr = mkdtemp(&template) else { return nil }
        let dir = String(cString: dirPtr)
        let name = (source as NSString).lastPathComponent.replacingOccurrences(of: ".journal~", with: ".journal")
        let dest = dir + "/" + (name.hasSuffix(".journal") ? name : name + ".journal")
        do {
            try FileManager.default.copyItem(atPath: source, toPath: dest)
            guard truncate(dest, off_t(expectedSize)) == 0 else { throw CocoaError(.fileWriteUnknown) }
            return RecoveredJournal(directory: dir, path: dest)
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            return nil
        }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: directory) }
}
