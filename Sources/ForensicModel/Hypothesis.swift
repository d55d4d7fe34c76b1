/// A cited fact for or against a hypothesis.
public struct Evidence: Hashable, Sendable {
    public var text: String
    public var source: String?
    public init(_ text: String, source: String? = nil) { self.text = text; self.source = source }
}

/// One candidate explanation of the symptom, scored.
public struct Hypothesis: Sendable {
    /// Fixed vocabulary; ids are never renamed.
    public enum ID: String, Sendable, CaseIterable {
        case oomKillStall = "oom-kill-stall"
        case captureDuplicates = "capture-duplicates"
        case networkLoss = "network-loss"
        case noRetransmissions = "no-retransmissions"
        case conntrackFull = "conntrack-full"
        case nicLinkOrDriver = "nic-link-or-driver"
        case softlockupOrHungTask = "softlockup-or-hung-task"
        case memoryPressure = "memory-pressure"
        case listenOverflow = "listen-overflow"
        case reclaimStall = "reclaim-stall"
    }

    public var rank: Int = 0
    public var id: ID
    public var title: String
    /// 0...1; how it was computed is in `scoreExplanation`.
    public var score: Double
    public var scoreExplanation: String
    public var summary: String
    public var evidence: [Evidence]
    public var counterEvidence: [Evidence]
    public var nextStep: String?

    public init(id: ID, title: String, score: Double, scoreExplanation: String, summary: String,
                evidence: [Evidence] = [], counterEvidence: [Evidence] = [], nextStep: String? = nil) {
        self.id = id; self.title = title; self.score = score; self.scoreExplanation = scoreExplanation
        self.summary = summary; self.evidence = evidence; self.counterEvidence = counterEvidence; self.nextStep = nextStep
    }
}

/// What the run concludes, and how sure it is.
public struct Verdict: Sendable {
    public enum Status: String, Sendable {
        /// The top hypothesis is supported and nothing the inputs lack could overturn it.
        case conclusive
        /// Something the answer depends on is missing or uncertain (no kernel log, logs that do
        /// not cover the symptoms, kills not placed on UTC, a kernel clock known only roughly):
        /// the reasons say what.
        case inconclusive
        /// Nothing scored above 0.
        case noEvidence = "no-evidence"
    }
    public var id: Hypothesis.ID?
    public var score: Double
    public var status: Status
    public var reasons: [String]
    /// A stable code per reason, same order (`no-kernel-log`, `capture-clock-offset`…; the list
    /// is in docs/json.md): the wording of a reason may change, its code does not.
    public var reasonCodes: [String]
    public init(id: Hypothesis.ID?, score: Double, status: Status, reasons: [String], reasonCodes: [String]? = nil) {
        self.id = id; self.score = score; self.status = status; self.reasons = reasons
        self.reasonCodes = reasonCodes ?? reasons.map { _ in "unclassified" }
    }
}

/// A period of real retransmissions.
public struct Burst: Sendable {
    public var start: Timestamp
    public var end: Timestamp
    public var count: Int
    public var firstFrame: Provenance
    public init(start: Timestamp, end: Timestamp, count: Int, firstFrame: Provenance) {
        self.start = start; self.end = end; self.count = count; self.firstFrame = firstFrame
    }
}
