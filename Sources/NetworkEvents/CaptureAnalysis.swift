import ForensicModel

/// Runs one capture through both views: Wireshark's (every frame, copies included) and the
/// real one (copies removed first), and collects the summary and retransmission events.
///
/// Frames go through the copy detector, which releases them in file order once their copies
/// can no longer arrive; each released frame goes to the views (`CaptureViews`) read in place
/// from the detector's queue. `CaptureIngest` decodes on its reading thread and feeds decoded
/// segments here on a second one; `add(…bytes…)` decodes in place.
public struct CaptureAnalysis: Sendable {
    private var detector: CopyDetector
    private var views: CaptureViews
    private let keepCopies: Bool
    /// When quiet conversations are retired: the views' sweep, on frames as the views get them;
    /// the copy detector's, on frames as they arrive.
    private var viewSweep = SweepClock(), detectorSweep = SweepClock()
    /// IP fragments waiting for the rest of their datagram (frames fed as bytes).
    private let reassembly = Reassembly()
    /// Where a frame is decoded when there is no copy detection (`keepCopies`).
    private var scratch = TCPSegment.placeholder
    private var frames = 0, tcpSegments = 0, rsts = 0
    private var firstTime: Int64 = .max, lastTime: Int64 = .min
    private var skipped: [String: Int] = [:]
    private var finished = false

    public var summary: CaptureSummary { views.summary }
    /// Real retransmissions, plus Wireshark-view retransmissions that are only copies (copyOf set).
    public var events: RetransmissionLog { views.events }
    /// Zero-window and RST frames of the real view (symptom points; at most 100 000 of each).
    public var zeroWindows: [(time: Int64, frame: Int)] { views.zeroWindows }
    public var resets: [(time: Int64, frame: Int)] { views.resets }
    /// Per-frame Wireshark-view flags, kept only when `recordFrames` (tests, cross-checks).
    public var wiresharkFrames: [Int: TCPFrameAnalysis] { views.wiresharkFrames }
    public var realFrames: [Int: TCPFrameAnalysis] { views.realFrames }
    public var copyFrames: [Int: Int] { views.copyFrames }
    /// The data segments and connections of the real view (when `recordSegmentKeys`), to tell,
    /// with a capture from the other end, whether a retransmitted segment had reached it.
    public var segmentKeys: SegmentKeys? { views.segmentKeys }
    public var recordSegmentKeys: Bool {
        get { views.segmentKeys != nil }
        set { views.segmentKeys = newValue ? SegmentKeys() : nil }
    }
    /// Conversations quiet this long are retired (closed ones after `closedIdleNanos`).
    public var idleNanos: Int64 { get { views.idleNanos } set { views.idleNanos = newValue } }
    public var closedIdleNanos: Int64 { get { views.closedIdleNanos } set { views.closedIdleNanos = newValue } }
    /// At most this many live conversation pairs (the least recently seen fifth goes beyond it).
    public var maxLive: Int { get { views.maxLive } set { views.maxLive = newValue } }

    /// Called with each frame of the reported view that has analysis flags or is a copy, as it is
    /// decided (file order), on the thread that runs the analysis: `--frames` streams its rows.
    public var frameObserver: FrameObserver? { get { views.observer } set { views.observer = newValue } }

    public init(path: String, linkTypeName: String, keepCopies: Bool = false, copyWindowNanos: Int64 = 10_000_000, recordFrames: Bool = false) {
        detector = CopyDetector(windowNanos: copyWindowNanos)
        views = CaptureViews(path: path, linkTypeName: linkTypeName, keepCopies: keepCopies, recordFrames: recordFrames)
        self.keepCopies = keepCopies
    }

    public mutating func setLinkType(_ name: String) { views.summary.linkType = name }

    /// Feeds one frame (file order, 1-based), decoded already.
    public mutating func add(frame: Int, time: Int64, decoded: Result<TCPSegment, DecodeSkip>) {
        switch decoded {
        case .success(let s): add(time: time) { $0 = s; return nil }
        case .failure(let why): add(time: time) { _ in why }
        }
    }

    /// Feeds one frame (file order, 1-based) decoded on another thread.
    public mutating func add(frame: Int, time: Int64, segment: TCPSegment) {
        add(time: time) { $0 = segment; return nil }
    }

    /// Counts a frame that is no TCP segment.
    public mutating func add(frame: Int, time: Int64, skipped why: DecodeSkip) {
        add(time: time) { _ in why }
    }

    /// Feeds one frame (file order, 1-based) as captured; it is decoded in place.
    public mutating func add(frame: Int, time: Int64, linkType: Int32, bytes: UnsafeRawBufferPointer, originalLength: Int, interfaceID: UInt32 = 0) {
        let r = reassembly
        add(time: time) {
            let skip = PacketDecoder.decode(linkType: linkType, bytes: bytes, originalLength: originalLength, frame: frame, time: time,
                                            interfaceID: interfaceID, into: &$0)
            return skip == .fragment ? r.fragment(bytes: bytes, originalLength: originalLength, frame: frame, time: time, into: &$0) : skip
        }
    }

    private mutating func add(time: Int64, decoding decode: (inout TCPSegment) -> DecodeSkip?) {
        frames += 1
        if time < firstTime { firstTime = time }
        if time > lastTime { lastTime = time }
        let skip = keepCopies ? decode(&scratch) : detector.push(decoding: decode)
        if let skip {
            skipped[skip.rawValue, default: 0] += 1
            return
        }
        tcpSegments += 1
        if (keepCopies ? scratch.isRST : detector.pending[detector.end - 1].segment.isRST) { rsts += 1 }
        if keepCopies {
            let h = SegmentHashes(scratch)
            if viewSweep.due(time, conversation: h.keyHash) { views.retire(now: time) }
            views.process(&scratch, key: h.key, hash: h.keyHash, copyOf: nil, rename: nil)
        } else {
            if detectorSweep.due(time, conversation: detector.pending[detector.end - 1].keyHash) { detector.retire(now: time, idleNanos: views.idleNanos) }
            handOut()
        }
    }

    /// The detector's final decisions, to the views in file order, read in place. The views'
    /// idle sweep runs here, on the frames as the views get them (not as they arrive, up to a
    /// copy window earlier): so both views, with or without copy detection, retire the same
    /// conversations at the same frame, and every output mode counts the same.
    private mutating func handOut() {
        while detector.head < detector.ready {
            let k = detector.head
            let t = detector.pending[k].segment.time
            if viewSweep.due(t, conversation: detector.pending[k].keyHash) { views.retire(now: t) }
            let (copyOf, rename) = (detector.pending[k].copyOf, detector.pending[k].rename)
            let (key, hash) = (detector.pending[k].key, detector.pending[k].keyHash)
            views.process(&detector.pending[k].segment, key: key, hash: hash, copyOf: copyOf, rename: rename)
            detector.head += 1
        }
    }

    /// Ends the capture; `truncatedAt` says where and why reading stopped early, if it did.
    public mutating func finish(truncatedAt: String? = nil) {
        guard !finished else { return }
        finished = true
        detector.finish()
        handOut()
        views.summary.frames = frames
        views.summary.tcpSegments = tcpSegments
        views.summary.resets = rsts
        views.summary.skipped = skipped
        views.summary.firstTime = frames > 0 ? Timestamp(nanos: firstTime) : nil
        views.summary.lastTime = frames > 0 ? Timestamp(nanos: lastTime) : nil
        views.summary.duplicateCopies = detector.copies
        views.summary.copyInterfaces = detector.copyInterfaces
        views.summary.addressRewrites = detector.addressRewrites
        views.finish(truncatedAt: truncatedAt)
    }
}

/// Every 10 s of capture time, quiet conversations are retired. A single packet with a bogus
/// future timestamp must not retire everything: a jump of more than a minute is believed only
/// once a packet of another conversation confirms the new time (a bogus packet's own copy or
/// resend confirms nothing: tcpdump's kday*.pcap repeat one).
struct SweepClock: Sendable {
    private var last: Int64 = 0
    /// A time far ahead of the last sweep and its conversation, waiting for confirmation.
    private var jumpCandidate: (time: Int64, conversation: UInt64)?

    /// Whether a sweep is due at `time` (and, if so, it counts as done).
    mutating func due(_ time: Int64, conversation: UInt64) -> Bool {
        guard time &- last > 10_000_000_000 else { return false }
        if last != 0, time &- last > 60_000_000_000 {
            if let c = jumpCandidate, abs(time &- c.time) < 60_000_000_000, c.conversation != conversation { jumpCandidate = nil } else {
                jumpCandidate = (time, conversation)
                return false
            }
        }
        defer { last = time }
        return last != 0
    }
}

/// Receives (frame, analysis of the reported view or nil, frame it is a copy of or nil).
public final class FrameObserver: @unchecked Sendable {
    let body: (Int, TCPFrameAnalysis?, Int?) -> Void
    public init(_ body: @escaping (Int, TCPFrameAnalysis?, Int?) -> Void) { self.body = body }
}

/// The two views' state: conversations (paired, see `ViewPair`), counts, events.
struct CaptureViews: Sendable {
    var summary: CaptureSummary
    var events = RetransmissionLog()
    var zeroWindows: [(time: Int64, frame: Int)] = []
    var resets: [(time: Int64, frame: Int)] = []
    var wiresharkFrames: [Int: TCPFrameAnalysis] = [:]
    var realFrames: [Int: TCPFrameAnalysis] = [:]
    var copyFrames: [Int: Int] = [:]
    var segmentKeys: SegmentKeys?
    var observer: FrameObserver?
    /// One string per directed flow, shared by all its events (a capture with a million
    /// retransmissions of a few flows holds a few strings, not a million).
    private var flowNames: [DirectedTuple: String] = [:]
    private mutating func flowName(_ s: borrowing TCPSegment) -> String {
        let t = DirectedTuple(s)
        if let n = flowNames[t] { return n }
        let n = s.flowDescription
        // bounded: past 65 536 flows the table starts afresh (names are only shared, not needed)
        if flowNames.count >= 65_536 { flowNames.removeAll(keepingCapacity: true) }
        flowNames[t] = n
        return n
    }

    /// Both views' conversations, by the Wireshark view's key (see `ViewPair`).
    private var pairs = FlatTable<ConversationKey, ViewPair>()
    private let keepCopies: Bool
    private let recordFrames: Bool
    private var count = (ws: 0, real: 0)
    private var retiredCount = (ws: 0, real: 0)
    private var evictedCount = 0
    /// Statistics of retired conversations of the reported view that had something to report.
    private var finishedFlows: [FlowStats] = []
    /// At most this many live conversation pairs (the least recently seen fifth goes beyond it).
    var maxLive = 100_000

    /// Conversations quiet this long are retired (closed ones after `closedIdleNanos`).
    var idleNanos: Int64 = 900 * 1_000_000_000
    var closedIdleNanos: Int64 = 300 * 1_000_000_000

    init(path: String, linkTypeName: String, keepCopies: Bool, recordFrames: Bool) {
        summary = CaptureSummary(path: path, linkType: linkTypeName)
        self.keepCopies = keepCopies
        self.recordFrames = recordFrames
    }

    mutating func finish(truncatedAt: String?) {
        summary.truncatedAt = truncatedAt
        summary.retiredConversations = keepCopies ? retiredCount.ws : retiredCount.real
        summary.evictedConversations = evictedCount
        summary.conversations = keepCopies ? count.ws : count.real
        var flows = finishedFlows
        for p in pairs.allValues { if let c = reported(p) { flows.append(c.stats.with(first: c.firstSeen, last: c.lastSeen)) } }
        flows = flows.filter(\.worthReporting)
        flows.sort { ($0.retransmissions, $0.resets, $0.flow) > ($1.retransmissions, $1.resets, $1.flow) }
        summary.flows = flows.prefix(50).map {
            FlowSummary(flow: $0.flow, segments: $0.segments, retransmissions: $0.retransmissions, fast: $0.fast, spurious: $0.spurious,
                        synRetransmissions: $0.synRetransmissions, dupAcks: $0.dupAcks, zeroWindows: $0.zeroWindows, resets: $0.resets,
                        maxRTO: $0.maxRTO, first: Timestamp(nanos: $0.first), last: Timestamp(nanos: $0.last))
        }
    }

    /// One frame, in file order, with its copy decision: the Wireshark view sees every frame;
    /// the real view the kept ones, under their first-seen name. A pair not yet forked serves
    /// both views with one analysis.
    /// `s` is inout only so that it is passed by address from the detector's queue (it is not changed).
    mutating func process(_ s: inout TCPSegment, key: ConversationKey, hash h: UInt64, copyOf: Int?, rename: DirectedTuple?) {
        if pairs.count >= maxLive, pairs.find(key, hash: h) == nil { evictOldest() }
        let e = pairs.entry(key, hash: h, orAdd: ViewPair(realm: s.realm))
        // (with copies kept the report is Wireshark's view alone, keyed as Wireshark keys it)
        let otherRealm = !keepCopies && pairs[e].realm != s.realm
        // this frame makes the views differ on this conversation: each keeps its own state from now
        if copyOf != nil || rename != nil || otherRealm { pairs[e].fork() }
        let wsReport = keepCopies || !pairs[e].forked
        let (ws, wsNew) = pairs[e].analyze(s, real: false, finished: &finishedFlows, report: wsReport)
        if wsNew { count.ws += 1 }
        if recordFrames, !ws.flags.isEmpty { wiresharkFrames[s.frame] = ws }
        // the reported view is Wireshark's when copies are kept (whatever the real view does)
        if keepCopies, let o = observer, !ws.flags.isEmpty { o.body(s.frame, ws, nil) }
        if ws.flags.contains(.duplicateACK) { summary.dupAcksWireshark += 1 }
        let wsKind = ws.flags.retransmissionKind
        if let kind = wsKind {
            summary.retransmissionsWireshark += 1
            summary.wiresharkByKind[kind, default: 0] += 1
        }
        if let copyOf {
            if recordFrames { copyFrames[s.frame] = copyOf }
            observer?.body(s.frame, nil, copyOf)
            if let kind = wsKind {
                events.append(RetransmissionEvent(frame: s.frame, time: Timestamp(nanos: s.time), flow: flowName(s), kind: kind,
                                                  copyOf: copyOf, isSYN: s.isSYN, rto: ws.rto, capturePath: summary.path))
            }
            return
        }
        if !pairs[e].forked {
            if wsNew { count.real += 1 }
            record(real: s, analysis: ws)
            return
        }
        guard rename != nil || otherRealm else {
            let (real, realNew) = pairs[e].analyze(s, real: true, finished: &finishedFlows, report: !keepCopies)
            if realNew { count.real += 1 }
            record(real: s, analysis: real)
            return
        }
        var rs = s
        var rk = key
        if let r = rename {
            rs.src = r.src; rs.dst = r.dst; rs.srcPort = r.sport; rs.dstPort = r.dport
            rk = ConversationKey(rs)
        }
        var re = pairs.entry(rk, hash: rk.hash64, orAdd: ViewPair(realm: rs.realm))
        if pairs[re].realm != rs.realm {
            // the same addresses and ports on another VLAN stack: another connection in the real view
            rk = rk.inRealm(rs.realm)
            re = pairs.entry(rk, hash: rk.hash64, orAdd: ViewPair(realm: rs.realm))
        }
        pairs[re].fork()
        let (real, realNew) = pairs[re].analyze(rs, real: true, finished: &finishedFlows, report: !keepCopies)
        if realNew { count.real += 1 }
        record(real: rs, analysis: real)
    }

    static func finish(_ c: Conversation, into finished: inout [FlowStats]) {
        finish(c.stats.with(first: c.firstSeen, last: c.lastSeen), into: &finished)
    }

    static func finish(_ s: FlowStats, into finished: inout [FlowStats]) {
        guard s.worthReporting else { return }
        finished.append(s)
        // bounded: keep the flows with the most retransmissions
        if finished.count > 2000 {
            finished.sort { $0.retransmissions > $1.retransmissions }
            finished.removeLast(finished.count - 1000)
        }
    }

    /// The conversation of the view the report shows (the real one unless copies are kept).
    private func reported(_ p: ViewPair) -> Conversation? { keepCopies || !p.forked ? p.ws : p.real }

    /// Retires conversations that went quiet: closed ones (FIN/RST) after `closedIdleNanos`,
    /// others after `idleNanos`, in each view; a pair goes when both of its views have.
    mutating func retire(now: Int64) {
        let idle = idleNanos, closed = closedIdleNanos, keep = keepCopies
        var gone: [FlowStats] = []
        var counts = (ws: 0, real: 0)
        // the states are looked at in place: only a retiring one is copied (its statistics)
        pairs.removeAll { _, p in
            if p.isQuiet(real: false, now: now, idle: idle, closed: closed) {
                if keep || !p.forked { p.collect(real: false, into: &gone) }
                p.drop(real: false); counts.ws += 1
                if !p.forked { counts.real += 1 }
            }
            if p.forked, p.isQuiet(real: true, now: now, idle: idle, closed: closed) {
                if !keep { p.collect(real: true, into: &gone) }
                p.drop(real: true); counts.real += 1
            }
            return !p.hasAny
        }
        for s in gone { Self.finish(s, into: &finishedFlows) }
        retiredCount.ws += counts.ws
        retiredCount.real += counts.real
    }

    /// Beyond `maxLive` pairs: the least recently seen fifth is retired early (counted).
    private mutating func evictOldest() {
        func last(_ p: ViewPair) -> Int64 { max(p.ws?.lastSeen ?? .min, p.real?.lastSeen ?? .min) }
        let seen = pairs.allValues.map(last).sorted()
        let n = max(seen.count / 5, 1)
        let cut = seen[n - 1]
        var removed = 0
        var gone: [Conversation] = []
        let keep = keepCopies
        pairs.removeAll { _, p in
            guard removed < n, last(p) <= cut else { return false }
            removed += 1
            if let c = keep || !p.forked ? p.ws : p.real { gone.append(c) }
            return true
        }
        for c in gone { Self.finish(c, into: &finishedFlows) }
        evictedCount += removed
    }

    private mutating func record(real seg: borrowing TCPSegment, analysis a: TCPFrameAnalysis) {
        if recordFrames, !a.flags.isEmpty { realFrames[seg.frame] = a }
        if !keepCopies, let o = observer, !a.flags.isEmpty { o.body(seg.frame, a, nil) }
        if segmentKeys != nil { segmentKeys!.add(seg) }
        if a.flags.contains(.zeroWindow), zeroWindows.count < 100_000 { zeroWindows.append((seg.time, seg.frame)) }
        if seg.isRST, resets.count < 100_000 { resets.append((seg.time, seg.frame)) }
        if a.flags.contains(.duplicateACK) { summary.dupAcksReal += 1 }
        guard let kind = a.flags.retransmissionKind else { return }
        summary.retransmissionsReal += 1
        summary.retransmissionsByKind[kind, default: 0] += 1
        if seg.isSYN { summary.synRetransmissionsReal += 1 }
        var ev = RetransmissionEvent(frame: seg.frame, time: Timestamp(nanos: seg.time), flow: flowName(seg),
                                     kind: kind, copyOf: nil, isSYN: seg.isSYN, rto: a.rto, capturePath: summary.path, seq: seg.seq)
        ev.directedHash = DirectedTuple(seg).hash64
        ev.conversationHash = ConversationKey(seg).hash64
        events.append(ev)
    }
}

/// The data segments (direction, seq, length) and connections a capture's real view holds,
/// as hashes, bounded: enough to ask "did this segment reach the other capture point?".
public struct SegmentKeys: Sendable {
    /// Segment hash → when it was first seen (ns).
    public private(set) var segments: [UInt64: Int64] = [:]
    public private(set) var conversations = Set<UInt64>()
    /// Past this many segments, no more are added (and `full` says so).
    public static let limit = 4_000_000
    public private(set) var full = false

    public static func key(directed: UInt64, seq: UInt32) -> UInt64 { mix64(directed ^ UInt64(seq) &* 0x9E37_79B9_7F4A_7C15) }

    mutating func add(_ s: TCPSegment) {
        if conversations.count < Self.limit { conversations.insert(ConversationKey(s).hash64) }
        let carries = s.segmentLength > 0 || s.isSYN
        guard carries else { return }
        if segments.count >= Self.limit { full = true; return }
        let k = Self.key(directed: DirectedTuple(s).hash64, seq: s.seq)
        if segments[k] == nil { segments[k] = s.time }
    }
}

/// Both views of one conversation. Until a copy or a renamed packet touches it, the real view has
/// seen exactly the frames the Wireshark view has, so the Wireshark state serves both; `fork()`
/// gives the real view its own copy of the state from then on, in a box allocated then: a
/// conversation no copy touched (most, in a single-interface capture) carries one state, not two
/// (~360 bytes a pair instead of ~700; 10⁶ concurrent flows stay well under 256 MB). States are
/// stored with a flag each (an Optional would be copied out on every packet to be looked at).
struct ViewPair: Sendable {
    private var wsState = Conversation.none
    /// The real view's state once forked (allocated by `fork()`, never shared between pairs).
    private var realBox: ConversationBox?
    private var hasWS = false
    private var hasReal = false
    private(set) var forked = false
    /// The VLAN stack (`TCPSegment.realm`) of the real view's conversation, the pair's first
    /// segment's; a kept segment on another stack goes to a real-view pair of its own.
    let realm: UInt32

    init(realm: UInt32) { self.realm = realm }

    var ws: Conversation? { hasWS ? wsState : nil }
    var real: Conversation? { hasReal ? realBox?.state : nil }

    mutating func fork() {
        guard !forked else { return }
        forked = true
        realBox = ConversationBox(wsState)
        hasReal = hasWS
    }

    mutating func drop(real: Bool) {
        if real { hasReal = false; realBox = nil } else { hasWS = false; wsState = .none }
    }

    /// Neither view has a conversation left.
    var hasAny: Bool { hasWS || hasReal }

    /// One view's conversation has been quiet too long (closed ones after `closed`), read in place.
    func isQuiet(real: Bool, now: Int64, idle: Int64, closed: Int64) -> Bool {
        if real {
            guard hasReal, let b = realBox else { return false }
            return now &- b.state.lastSeen > (b.state.closing ? closed : idle)
        }
        return hasWS && now &- wsState.lastSeen > (wsState.closing ? closed : idle)
    }

    /// One view's statistics, appended to `out` when it has something to report.
    func collect(real: Bool, into out: inout [FlowStats]) {
        if real {
            guard let b = realBox else { return }
            let s = b.state.stats.with(first: b.state.firstSeen, last: b.state.lastSeen)
            if s.worthReporting { out.append(s) }
        } else {
            let s = wsState.stats.with(first: wsState.firstSeen, last: wsState.lastSeen)
            if s.worthReporting { out.append(s) }
        }
    }

    /// `s` through one view's conversation, in place (created, or replaced on port reuse).
    mutating func analyze(_ s: borrowing TCPSegment, real: Bool, finished: inout [FlowStats], report: Bool) -> (TCPFrameAnalysis, created: Bool) {
        if real {
            // only a forked pair's real view is analysed on its own; a box shared with a copy of
            // this pair (a copied CaptureAnalysis) is copied before it is changed: value semantics
            if realBox == nil {
                realBox = ConversationBox(.none)
            } else if !isKnownUniquelyReferenced(&realBox) {
                realBox = ConversationBox(realBox!.state)
            }
            return Self.analyze(s, &realBox!.state, &hasReal, finished: &finished, report: report)
        }
        return Self.analyze(s, &wsState, &hasWS, finished: &finished, report: report)
    }

    private static func analyze(_ s: borrowing TCPSegment, _ conv: inout Conversation, _ live: inout Bool,
                                finished: inout [FlowStats], report: Bool) -> (TCPFrameAnalysis, created: Bool) {
        var flags: TCPAnalysisFlags = []
        var created = false
        if !live {
            conv = Conversation(s, keepStats: true)
            live = true
            created = true
        } else if conv.isReusedBy(s) {
            if report { CaptureViews.finish(conv, into: &finished) }
            conv = Conversation(s, keepStats: true)
            created = true
            flags.insert(.reusedPorts)
        }
        return (TCPAnalyzer.analyze(s, &conv, flags: flags, keepStats: true), created)
    }
}

/// A forked real view's conversation state (see `ViewPair`, which copies it before changing it
/// when a copy of the pair shares it). The analysis that holds it is handed between threads
/// whole, never used by two at once.
final class ConversationBox: @unchecked Sendable {
    var state: Conversation
    init(_ state: Conversation) { self.state = state }
}
