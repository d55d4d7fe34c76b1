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
