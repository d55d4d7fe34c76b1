/// One kernel log message, with every clock it came with.
public struct KernelLine: Sendable {
    public enum SourceKind: String, Sendable, Comparable {
        // Ordered by how much we trust the clocks (best first).
        case journalBinary = "journal-binary"
        case journalExport = "journal-export"
        case dmesg = "dmesg"
        case journalText = "journal-text"
        case syslog = "syslog"

        public var rank: Int {
            switch self {
            case .journalBinary: 0
            case .journalExport: 1
            case .dmesg: 2
            case .journalText: 3
            case .syslog: 4
            }
        }
        public static func < (a: SourceKind, b: SourceKind) -> Bool { a.rank < b.rank }
    }

    public var message: String
    /// printk timestamp (seconds since boot on the kernel clock) in µs, when the source has it.
    public var kernelMicros: Int64?
    /// Boot id (32 hex digits) when known.
    public var bootID: String?
    /// Placed on UTC, or nil when the source gives no way to do so.
    public var utc: Timestamp?
    public var sourceKind: SourceKind
    public var provenance: Provenance
    /// How `utc` was obtained (or why it is nil), for the report.
    public var timeSource: String?
    /// How far (± s) `utc` may be off, given the clock source that placed it.
    public var uncertainty: Double?

    public init(message: String, kernelMicros: Int64? = nil, bootID: String? = nil, utc: Timestamp? = nil,
                sourceKind: SourceKind, provenance: Provenance, timeSource: String? = nil, uncertainty: Double? = nil) {
        self.message = message; self.kernelMicros = kernelMicros; self.bootID = bootID; self.utc = utc
        self.sourceKind = sourceKind; self.provenance = provenance; self.timeSource = timeSource; self.uncertainty = uncertainty
    }
}

/// Kernel seconds as printed by printk: `3600.123456`.
public func formatKernelSeconds(_ micros: Int64) -> String {
    let s = micros / 1_000_000, f = micros % 1_000_000
    return "\(s)." + pad(Int(f), 6)
}
