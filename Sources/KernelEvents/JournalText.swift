import Foundation
import ForensicModel

/// The fields of one journal entry that matter here, from any of journalctl's entry formats
/// (the formats: docs/spec/journal.md, "Text outputs").
public struct JournalEntryFields: Sendable {
    public var message: String?
    public var realtime: Int64?
    public var monotonic: Int64?
    public var sourceMonotonic: Int64?
    public var bootID: String?
    public var cursor: String?
    public var transport: String?
    public var identifier: String?

    public init() {}

    public var isKernel: Bool { transport == "kernel" || (transport == nil && identifier == "kernel") }

    /// The kernel line this entry holds, placed on UTC as for binary journals: the entry's own
    /// realtime − monotonic pair plus `_SOURCE_MONOTONIC_TIMESTAMP` (the printk time).
    public func kernelLine(kind: KernelLine.SourceKind, provenance: Provenance) -> KernelLine? {
        guard isKernel, let message else { return nil }
        let k = sourceMonotonic.flatMap { $0 > 0 ? $0 : nil } ?? monotonic
        var utc: Timestamp?
        if let rt = realtime {
            // Without a monotonic pair only the reception time is known.
            if let mono = monotonic, let kk = k { utc = Timestamp(micros: rt &- mono &+ kk) } else { utc = Timestamp(micros: rt) }
        }
        return KernelLine(message: message, kernelMicros: k, bootID: bootID, utc: utc, sourceKind: kind, provenance: provenance)
    }

    mutating func set(_ name: Substring, _ value: String) {
        switch name {
        case "MESSAGE": message = value
        case "__REALTIME_TIMESTAMP": realtime = Int64(value)
        case "__MONOTONIC_TIMESTAMP": monotonic = Int64(value)
        case "_SOURCE_MONOTONIC_TIMESTAMP": sourceMonotonic = Int64(value)
        case "_BOOT_ID": bootID = value.replacingOccurrences(of: "-", with: "").lowercased()
        case "__CURSOR": cursor = value
        case "_TRANSPORT": transport = value
        case "SYSLOG_IDENTIFIER": identifier = value
        default: break
        }
    }

    static let wanted: Set<String> = ["MESSAGE", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "_SOURCE_MONOTONIC_TIMESTAMP",
                                      "_BOOT_ID", "__CURSOR", "_TRANSPORT", "SYSLOG_IDENTIFIER"]
}

/// `journalctl -o export`: `FIELD=value` lines, or `FIELD\n<u64 LE length><bytes>\n` for values with
/// control bytes; entries end with an empty line.
public enum JournalExportFormat {
    public enum Problem: Error, Equatable { case truncatedBinaryField(offset: Int), badFieldName(offset: Int) }

    /// Calls `body` with each entry and the byte offset where it starts. Returns the problems met
    /// (parsing stops at a cut binary field; a malformed line is skipped).
    @discardableResult
    public static func forEachEntry(_ b: UnsafeRawBufferPointer, _ body: (JournalEntryFields, Int) -> Void) -> [Problem] {
        var problems: [Problem] = []
        var i = 0
        var entry = JournalEntryFields()
        var entryStart = 0
        var hasFields = false
        let n = b.count
        while i < n {
            // end of entry
            if b[i] == 0x0A {
                if hasFields { body(entry, entryStart) }
                entry = JournalEntryFields(); hasFields = false
                i += 1
                entryStart = i
                continue
            }
            // field name up to '=' or '\n'
            var j = i
            while j < n, b[j] != 0x3D, b[j] != 0x0A { j += 1 }
            let name = String(bytes: UnsafeRawBufferPointer(rebasing: b[i..<j]))
            if j < n, b[j] == 0x3D {
                var e = j + 1
                while e < n, b[e] != 0x0A { e += 1 }
                if JournalEntryFields.wanted.contains(name) {
                    entry.set(Substring(name), String(bytes: UnsafeRawBufferPointer(rebasing: b[(j + 1)..<e])))
                }
                hasFields = true
                i = e + 1
            } else {
                // binary form: NAME\n + u64 LE length + data + \n
                guard j + 9 <= n else { problems.append(.truncatedBinaryField(offset: i)); return problems }
                var len: UInt64 = 0
                for k in 0..<8 { len |= UInt64(b[j + 1 + k]) << (8 * UInt64(k)) }
                let start = j + 9
                guard len <= UInt64(n - start) else { problems.append(.truncatedBinaryField(offset: i)); return problems }
                let end = start + Int(len)
                if JournalEntryFields.wanted.contains(name) {
                    entry.set(Substring(name), String(bytes: UnsafeRawBufferPointer(rebasing: b[start..<end])))
                }
                hasFields = true
                i = end + 1
            }
        }
        if hasFields { body(entry, entryStart) }
        return problems
    }
}

/// `journalctl -o json` / `json-seq`: one object per line (json-seq puts RS 0x1E first).
public enum JournalJSONFormat {
    /// Parses one line; nil when it is not a JSON object.
    public static func entry(_ line: UnsafeRawBufferPointer) -> JournalEntryFields? {
        var l = line
        while let f = l.first, f == 0x1E || f == 0x20 { l = UnsafeRawBufferPointer(rebasing: l.dropFirst()) }
        guard l.first == 0x7B else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(l)) as? [String: Any] else { return nil }
        var e = JournalEntryFields()
        for name in JournalEntryFields.wanted {
            guard let v = obj[name] else { continue }
            if let s = v as? String {
                e.set(Substring(name), s)
            } else if let bytes = v as? [Int] {
                e.set(Substring(name), String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self))
            } else if let many = v as? [Any], let first = many.first as? String {
                e.set(Substring(name), first) // repeated field: the first value
            }
        }
        return e
    }
}

/// `journalctl -o verbose`: an entry header line `<date> [s=…;i=…;b=<boot>;m=<hex mono>;t=<hex realtime>;x=…]`
/// followed by `    FIELD=value` lines.
public enum JournalVerboseFormat {
    /// If `line` is an entry header, the cursor fields it carries.
    public static func header(_ line: Substring) -> JournalEntryFields? {
        guard let open = line.find(" [s="), line.hasSuffix("]") else { return nil }
        let cursor = line[line.index(open.lowerBound, offsetBy: 2)..<line.index(before: line.endIndex)]
        var e = JournalEntryFields()
        e.cursor = String(cursor)
        for part in cursor.splitBytes(separator: ";") {
            if part.hasPrefix("b=") { e.bootID = String(part.dropFirst(2)) }
            if part.hasPrefix("m="), let v = Int64(part.dropFirst(2), radix: 16) { e.monotonic = v }
            if part.hasPrefix("t="), let v = Int64(part.dropFirst(2), radix: 16) { e.realtime = v }
        }
        return e
    }

    /// A `    FIELD=value` line.
    public static func field(_ line: Substring, into e: inout JournalEntryFields) {
        let t = line.drop { $0 == " " }
        guard let eq = t.firstIndex(of: "=") else { return }
        let name = t[..<eq]
        guard JournalEntryFields.wanted.contains(String(name)) else { return }
        e.set(name, String(t[t.index(after: eq)...]))
    }
}
