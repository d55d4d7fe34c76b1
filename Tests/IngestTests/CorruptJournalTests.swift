import Foundation
import Testing
import ForensicModel
@testable import Ingest

/// Every class of journal.md § 1's table, made from the demo journal in a temporary directory
/// (the committed fixture is never touched).
struct JournalSurgeon {
    let dir: URL
    let path: String
    var bytes: [UInt8]

    init(name: String = "system.journal") throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nodesleuth-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let src = JournalIngest.files(under: Fixtures.bundle + "/var/log/journal")[0]
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: src)))
        path = dir.appendingPathComponent(name).path
    }

    func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
    var headerSize: Int { Int(u64(88)) }
    var nEntries: Int { Int(u64(152)) }
    var tailObject: Int { Int(u64(136)) }

    /// Offsets of the objects of `type` (1 data, 3 entry), walking the arena.
    func objects(type: UInt8) -> [Int] {
        var out: [Int] = []
        var o = headerSize
        while o <= tailObject {
            let size = Int(u64(o + 8))
            guard size > 0 else { break }
            if bytes[o] == type { out.append(o) }
            o += (size + 7) & ~7
        }
        return out
    }

    func write(_ b: [UInt8]? = nil) throws { try Data(b ?? bytes).write(to: URL(fileURLWithPath: path)) }
    func cleanup() { try? FileManager.default.removeItem(at: dir) }
    func read() -> JournalIngest.Output { JournalIngest.read(files: [path], label: path, discovered: false) }
}

@Suite("Corrupt journal files (journal.md § 1)")
struct CorruptJournalTests {
    @Test("good file: every entry, no warning")
    func good() throws {
        let s = try JournalSurgeon(); defer { s.cleanup() }
        try s.write()
        let out = s.read()
        #expect(out.warnings.isEmpty)
        #expect(out.entriesRead == s.nEntries)
        #expect(out.reports.first?.status == .read)
    }

    @Test("empty file and a text file named .journal: unreadable, with the reason")
    func emptyAndText() throws {
        let s = try JournalSurgeon(); defer { s.cleanup() }
        try s.write([])
        #expect(s.read().reports.first?.detail == "empty file (0 bytes)")
        try s.write(Array("this is not a journal\n".utf8))
        let r = s.read().reports.first
        #expect(r?.status == .unreadable)
        #expect(r?.detail.contains("not a journal") == true)
    }

    @Test("bad signature")
    func badSignature() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        s.bytes[4] = 0x58; s.bytes[5] = 0x58
        try s.write()
        let r = s.read().reports.first
        #expect(r?.status == .unreadable)
        #expect(r?.detail.contains("bad signature") == true)
    }

    @Test("unknown incompatible flag (a newer systemd): unsupported, named")
    func unsupported() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        s.bytes[12] |= 0x80
        try s.write()
        let r = s.read().reports.first
        #expect(r?.status == .unreadable)
        #expect(r?.detail.contains("unsupported incompatible feature flags 0x80") == true)
    }

    @Test("state ONLINE: read anyway, and said")
    func online() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        s.bytes[16] = 1
        try s.write()
        let out = s.read()
        #expect(out.entriesRead == s.nEntries)
        #expect(out.reports.first?.detail.contains("ONLINE") == true)
    }

    @Test("truncated inside the OOM block: recovered from a private copy, losses counted, bundle untouched")
    func truncatedInside() throws {
        let s = try JournalSurgeon(); defer { s.cleanup() }
        let entries = s.objects(type: 3)
        let cut = entries[entries.count / 2]
        try s.write(Array(s.bytes[..<cut]))
        let before = try Data(contentsOf: URL(fileURLWithPath: s.path))
        let out = s.read()
        #expect(out.entriesRead > 0 && out.entriesRead < s.nEntries)
        #expect(out.reports.first?.status == .partial)
        #expect(out.warnings.contains { $0.message.contains("entries in the header could not be read") })
        #expect(out.lines.contains { $0.message.contains(" invoked oom-killer: ") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: s.path)) == before) // never written
    }

    @Test("truncated right after the last object: every entry recovered")
    func truncatedAtEnd() throws {
        let s = try JournalSurgeon(); defer { s.cleanup() }
        let end = s.tailObject + ((Int(s.u64(s.tailObject + 8)) + 7) & ~7)
        try s.write(Array(s.bytes[..<end]))
        let out = s.read()
        #expect(out.entriesRead == s.nEntries)
        #expect(out.reports.first?.detail.contains("truncated") == true)
    }

    @Test("one damaged entry object: the entry is lost, and counted")
    func damagedEntry() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        let e = s.objects(type: 3)[2]
        for i in (e + 8)..<(e + 16) { s.bytes[i] = 0xEE } // the object's size field: garbage
        try s.write()
        let out = s.read()
        #expect(out.entriesRead == s.nEntries - 1)
        #expect(out.warnings.contains { $0.message.contains("1 of \(s.nEntries) entries") })
    }

    @Test("payload bytes flipped: read as is (only --verify would notice)")
    func flippedPayload() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        let needle = Array("Killed process".utf8)
        let data = s.objects(type: 1).first { o in
            let size = Int(s.u64(o + 8))
            return s.bytes[o..<(o + size)].firstRange(of: needle) != nil
        }
        let o = try #require(data)
        let r = try #require(s.bytes[o..<(o + Int(s.u64(o + 8)))].firstRange(of: needle))
        s.bytes[r.lowerBound] = UInt8(ascii: "k")
        try s.write()
        let out = s.read()
        #expect(out.entriesRead == s.nEntries)
        #expect(out.lines.contains { $0.message.contains("killed process") })
    }

    @Test("a bad file beside good ones hides nothing")
    func mixed() throws {
        var s = try JournalSurgeon(); defer { s.cleanup() }
        try s.write()
        s.bytes[12] |= 0x80
        let bad = s.dir.appendingPathComponent("system@newer.journal").path
        try Data(s.bytes).write(to: URL(fileURLWithPath: bad))
        let out = JournalIngest.read(files: [bad, s.path], label: "dir", discovered: false)
        #expect(out.reports.count == 2)
        #expect(out.reports.first { $0.path == bad }?.status == .unreadable)
        #expect(out.lines.filter { $0.message.contains("Killed process") }.count == 3)
    }
}
