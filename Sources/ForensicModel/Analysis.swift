/// The span of time a kernel log covers (its first and last kernel line with a time), on UTC
/// when its clock could be placed.
public struct LogCoverage: Sendable, Hashable {
    public var path: String
    public var start: Timestamp?
    public var end: Timestamp?
    public init(path: String, start: Timestamp?, end: Timestamp?) { self.path = path; self.start = start; self.end = end }
}

/// Real retransmissions checked against a capture from the other end of their connection.
public struct BothEnds: Sendable, Equatable {
    public var checked = 0
    public var reachedOtherEnd = 0
    public var lostBetween = 0
    /// A capture's segment table filled up: the rest could not be checked.
    public var incomplete = false
    public var example: Provenance?
    public init() {}
}

/// The --since/--until window a run applied, resolved to UTC (nil end: open).
public struct TimeWindow: Sendable, Equatable {
    public var start: Timestamp?
    public var end: Timestamp?
    /// How a bound given without a zone was read ("in the node's zone Europe/Berlin", "as UTC: ...").
    public var note: String?
    public init(start: Timestamp?, end: Timestamp?, note: String? = nil) { self.start = start; self.end = end; self.note = note }
    /// `2024-03-05T01:50:00Z – the end`, and how a zone-less bound was read.
    public var text: String { (start?.iso8601 ?? "the start") + " – " + (end?.iso8601 ?? "the end") + (note.map { " (\($0))" } ?? "") }
}

/// Everything one run found, before it is reported.
public struct AnalysisResult: Sendable {
    public var inputs: [InputReport] = []
    public var oomKills: [OOMKill] = []
    public var captures: [CaptureSummary] = []
    /// Real retransmissions and the copies Wireshark calls retransmissions, in time order (bounded
    /// memory: see `RetransmissionLog`).
    public var retransmissions = RetransmissionLog()
    /// The node's time zone (identifier, or `GMT+0100` for a fixed offset) when the bundle or
    /// `--tz` tells it; nil when unknown. `--since`/`--until` without a zone are read in it.
    public var nodeZone: String?
    public var bursts: [Burst] = []
    /// Kernel events other than OOM kills (soft lockups, conntrack full, link down...).
    public var nodeEvents: [NodeEvent] = []
    /// Counters from the bundle (netstat/nstat, softnet_stat, conntrack count/max...).
    public var counters: [CounterFact] = []
    /// `sar` intervals from the bundle (memory, swap, load, TCP and interface rates), on UTC.
    public var sar: [SarSample] = []
    /// Other symptom episodes: zero-window periods, RST storms, the user's own timeout times.
    public var symptoms: [Symptom] = []
    /// Capture clock offset that best aligns the capture with the node's events (s), when
    /// different from the one used.
    public var suggestedPcapOffset: Double?
    /// Offset applied to every capture time (--pcap-offset).
    public var pcapOffset: Double = 0
    public var hypotheses: [Hypothesis] = []
    /// Real retransmissions that another capture file holds too (counted once).
    public var crossCaptureCopies: Int = 0
    /// Captures from both ends: of the real retransmissions of connections both captures saw,
    /// how many had reached the other capture point (the receiver got it and did not answer in
    /// time: it stalled, or its ACK was lost) and how many never did (lost between the two).
    public var bothEnds: BothEnds?
    /// The answer and how sure it is (set by the correlator).
    public var verdict: Verdict?
    /// When the bundle was collected (logs in a bundle cover time up to it).
    public var collectionTime: Timestamp?
    public var warnings: [Warning] = []
    /// Notes about clocks: how each source was placed on UTC.
    public var clockNotes: [String] = []
    /// The PATH argument as given (reports show paths relative to it).
    public var inputRoot: String?
    /// The node this result is about (host name from the bundle, else the bundle's folder name).
    public var node: String?
    /// How many log inputs (journals, text logs) held at least one kernel line.
    public var kernelLogInputs: Int = 0
    /// What time each kernel log covers.
    public var logCoverage: [LogCoverage] = []
    /// --wireshark-compatible: copies were kept, so every retransmission Wireshark shows is here
    /// without a `copyOf`.
    public var copiesKept = false
    /// The --since/--until window applied (nil: the whole inputs).
    public var window: TimeWindow?
    /// Where logs were looked for, for "no kernel log found".
    public var logSearch: [String] = []
    public init() {}
}
