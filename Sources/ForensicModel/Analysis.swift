/// Everything one run found, before it is reported.
public struct AnalysisResult: Sendable {
    public var inputs: [InputReport] = []
    public var oomKills: [OOMKill] = []
    public var captures: [CaptureSummary] = []
    public var retransmissions: [RetransmissionEvent] = []
    public var bursts: [Burst] = []
    public var hypotheses: [Hypothesis] = []
    public var warnings: [Warning] = []
    /// Notes about clocks: how each source was placed on UTC.
    public var clockNotes: [String] = []
    /// The PATH argument as given (reports show paths relative to it).
    public var inputRoot: String?
    public init() {}
}
