import ForensicModel

/// Runs one capture through both views: Wireshark's (every frame, copies included) and the
/// real one (copies removed first), and collects the summary and retransmission events.
public struct CaptureAnalysis {
    public private(set) var summary: CaptureSummary
    /// Real retransmissions, plus Wireshark-view retransmissions that are only copies (copyOf set).
    public private(set) var events: [RetransmissionEvent] = []
    /// Zero-window and RST frames of the real view (symptom points; at most 100 000 of each).
    public private(set) var zeroWindows: [(time: Int64, frame: Int)] = []
    public private(set) var resets: [(time: Int64, frame: Int)] = []
    /// Per-frame Wireshark-view flags, kept only when `recordFrames` (tests, cross-checks).
    public private(set) var wiresharkFrames: [Int: TCPFrameAnalysis] = [:]
    public private(set) var realFrames: [Int: TCPFrameAnalysis] = [:]
    public private(set) var copyFrames: [Int: Int] = [:]

    private var wireshark = TCPAnalyzer()
    private var real = TCPAnalyzer()
    private var detector: CopyDetector
    private let keepCopies: Bool
    private let recordFrames: Bool
    /// Wireshark-view retransmissions waiting for their frame's copy decision.
    private var awaitingDecision: [Int: RetransmissionEvent] = [:]
    private var decisions: [CopyDetector.Decision] = []

    /// Conversations quiet this long are retired (closed ones after `closedIdleNanos`).
    public var idleNanos: Int64 = 900 * 1_000_000_000
    public var closedIdleNanos: Int64 = 300 * 1_000_000_000
    private var lastSweep: Int64 = 0

    public init(path: String, linkTypeName: String, keepCopies: Bool = false, copyWindowNanos: Int64 = 10_000_000, recordFrames: Bool = false) {
        summary = CaptureSummary(path: path, linkType: linkTypeName)
        detector = CopyDetector(windowNanos: copyWindowNanos)
        self.keepCopies = keepCopies
        self.recordFrames = recordFrames
        if keepCopies { wireshark.keepStats = true } else { real.keepStats = true }
    }

    public mutating func setLinkType(_ name: String) { summary.linkType = name }

    /// Feeds one frame (file order, 1-based).
    public mutating func add(frame: Int, time: Int64, decoded: Result<TCPSegment, DecodeSkip>) {
        summary.frames += 1
        let ts = Timestamp(nanos: time)
        if summary.firstTime == nil || ts < summary.firstTime! { summary.firstTime = ts }
        if summary.lastTime == nil || summary.lastTime! < ts { summary.lastTime = ts }
        let seg: TCPSegment
        switch decoded {
        case .failure(let why):
            summary.skipped[why.rawValue, default: 0] += 1
            return
        case .success(let s): seg = s
        }
        summary.tcpSegments += 1
        if seg.isRST { summary.resets += 1 }
        // every 10 s of capture time: retire quiet conversations
        if time &- lastSweep > 10_000_000_000 {
            if lastSweep != 0 {
                wireshark.retire(now: time, idleNanos: idleNanos, closedNanos: closedIdleNanos)
                real.retire(now: time, idleNanos: idleNanos, closedNanos: closedIdleNanos)
                detector.retire(now: time, idleNanos: idleNanos)
            }
            lastSweep = time
        }

        let ws = wireshark.analyze(seg)
        if recordFrames, !ws.flags.isEmpty { wiresharkFrames[seg.frame] = ws }
        if ws.flags.contains(.duplicateACK) { summary.dupAcksWireshark += 1 }
        if let kind = ws.flags.retransmissionKind {
            summary.retransmissionsWireshark += 1
            summary.wiresharkByKind[kind, default: 0] += 1
            if !keepCopies {
                awaitingDecision[seg.frame] = RetransmissionEvent(
                    frame: seg.frame, time: ts, flow: seg.flowDescription, kind: kind, copyOf: nil,
                    isSYN: seg.isSYN, rto: ws.rto, capturePath: summary.path)
            }
        }
        if keepCopies {
            record(real: seg, analysis: ws)
        } else {
            decisions.removeAll(keepingCapacity: true)
            detector.push(seg, into: &decisions)
            for d in decisions { decided(d) }
        }
    }

    /// Ends the capture; `truncatedAt` says where and why reading stopped early, if it did.
    public mutating func finish(truncatedAt: String? = nil) {
        decisions.removeAll(keepingCapacity: true)
        detector.finish(into: &decisions)
        for d in decisions { decided(d) }
        summary.truncatedAt = truncatedAt
        summary.duplicateCopies = detector.copies
        summary.copyInterfaces = detector.copyInterfaces
        summary.addressRewrites = detector.addressRewrites
        summary.retiredConversations = keepCopies ? wireshark.retired : real.retired
        summary.evictedConversations = max(wireshark.evicted, real.evicted)
        summary.conversations = keepCopies ? wireshark.conversationCount : real.conversationCount
        var flows = keepCopies ? wireshark.allFlowStats() : real.allFlowStats()
        flows.sort { ($0.retransmissions, $0.resets, $0.flow) > ($1.retransmissions, $1.resets, $1.flow) }
        summary.flows = flows.prefix(50).map {
            FlowSummary(flow: $0.flow, segments: $0.segments, retransmissions: $0.retransmissions, fast: $0.fast, spurious: $0.spurious,
                        synRetransmissions: $0.synRetransmissions, dupAcks: $0.dupAcks, zeroWindows: $0.zeroWindows, resets: $0.resets,
                        maxRTO: $0.maxRTO, first: Timestamp(nanos: $0.first), last: Timestamp(nanos: $0.last))
        }
        events.sort { ($0.time, $0.frame) < ($1.time, $1.frame) }
    }

    private mutating func decided(_ d: CopyDetector.Decision) {
        let pendingEvent = awaitingDecision.removeValue(forKey: d.segment.frame)
        if let copyOf = d.copyOf {
            if recordFrames { copyFrames[d.segment.frame] = copyOf }
            if var e = pendingEvent { e.copyOf = copyOf; events.append(e) }
            return
        }
        let a = real.analyze(d.segment)
        record(real: d.segment, analysis: a)
    }

    private mutating func record(real seg: TCPSegment, analysis a: TCPFrameAnalysis) {
        if recordFrames, !a.flags.isEmpty { realFrames[seg.frame] = a }
        if a.flags.contains(.zeroWindow), zeroWindows.count < 100_000 { zeroWindows.append((seg.time, seg.frame)) }
        if seg.isRST, resets.count < 100_000 { resets.append((seg.time, seg.frame)) }
        if a.flags.contains(.duplicateACK) { summary.dupAcksReal += 1 }
        guard let kind = a.flags.retransmissionKind else { return }
        summary.retransmissionsReal += 1
        summary.retransmissionsByKind[kind, default: 0] += 1
        if seg.isSYN { summary.synRetransmissionsReal += 1 }
        events.append(RetransmissionEvent(frame: seg.frame, time: Timestamp(nanos: seg.time), flow: seg.flowDescription,
                                          kind: kind, copyOf: nil, isSYN: seg.isSYN, rto: a.rto, capturePath: summary.path, seq: seg.seq))
    }
}
