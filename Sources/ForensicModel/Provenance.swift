/// Where a fact came from: a file and line, a journal entry (cursor), or a capture frame.
public struct Provenance: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var cursor: String?
    public var frame: Int?
    public var byteOffset: Int64?

    public init(path: String, line: Int? = nil, cursor: String? = nil, frame: Int? = nil, byteOffset: Int64? = nil) {
        self.path = path; self.line = line; self.cursor = cursor; self.frame = frame; self.byteOffset = byteOffset
    }

    /// `file:line`, `file@cursor`, `file#frame` or `file+offset`.
    public var description: String {
        if let line { return "\(path):\(line)" }
        if let cursor { return "\(path)@\(cursor)" }
        if let frame { return "\(path)#\(frame)" }
        if let byteOffset { return "\(path)+\(byteOffset)" }
        return path
    }
}

/// A problem with the input that did not stop the run.
public struct Warning: Error, Hashable, Sendable {
    public var source: Provenance
    public var message: String
    /// A stable machine-readable name for the kind of problem (`capture.truncated`,
    /// `oom.no-killed-line`…): the message's wording may change, the code does not. The list
    /// is in docs/json.md. `unclassified` for a site that has not been given one.
    public var code: String
    public init(source: Provenance, message: String, code: String = "unclassified") {
        self.source = source; self.message = message; self.code = code
    }
}

/// One input the run considered, and what became of it.
public struct InputReport: Hashable, Sendable {
    public enum Status: String, Sendable { case read, partial, unreadable, skipped }
    public var path: String
    /// `journal-binary`, `journal-text`, `dmesg`, `syslog`, `ps`, `pcap`, `pcapng`, `clock`...
    public var kind: String
    public var status: Status
    public var warnings: Int
    /// One line: what was read ("1234 entries, 45 kernel") or why not.
    public var detail: String
    /// True when found by searching the bundle rather than named on the command line.
    public var discovered: Bool

    public init(path: String, kind: String, status: Status, warnings: Int = 0, detail: String = "", discovered: Bool = false) {
        self.path = path; self.kind = kind; self.status = status; self.warnings = warnings
        self.detail = detail; self.discovered = discovered
    }
}
