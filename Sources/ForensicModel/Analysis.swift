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

/// Everything one run found, before it is reported.
public struct AnalysisResult: Sendable {
    public var inputs: [InputReport] = []
    public var oomKills: [OOMKill] = []
    public var captures: [CaptureSummary] = []
    public var retransmissions: [RetransmissionEvent] = []
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
    /// Where logs were looked for, for "no kernel log found".
    public var logSearch: [String] = []
    public init() {}
}
