/// What a capture file held, before and after removing multi-interface copies.
public struct CaptureSummary: Sendable {
    public var path: String
    public var linkType: String
    public var frames: Int = 0
    public var tcpSegments: Int = 0
    public var duplicateCopies: Int = 0
    public var retransmissionsWireshark: Int = 0
    public var retransmissionsReal: Int = 0
    /// Real retransmissions by kind: `retransmission`, `fast_retransmission`, `spurious_retransmission`.
    public var retransmissionsByKind: [String: Int] = [:]
    public var wiresharkByKind: [String: Int] = [:]
    public var dupAcksWireshark: Int = 0
    public var dupAcksReal: Int = 0
    public var synRetransmissionsReal: Int = 0
    public var resets: Int = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// Interfaces (capture signatures) the copies were seen on, e.g. `ifindex 9 out`.
    public var copyInterfaces: [String: Int] = [:]
    /// Address rewrites seen between copies: `10.96.0.10:80 -> 10.244.1.20:8080`.
    public var addressRewrites: [String: Int] = [:]
    /// Frames not analysed (not TCP, fragments, undecodable) by reason.
    public var skipped: [String: Int] = [:]
    public var truncatedAt: String?
    public var conversations = 0
    /// Conversations retired during the run because they went quiet (memory bound).
    public var retiredConversations = 0
    /// Conversations retired early because too many were live at once (memory bound).
    public var evictedConversations = 0
    /// The flows with the most retransmissions (copies removed), most first.
    public var flows: [FlowSummary] = []

    public init(path: String, linkType: String) { self.path = path; self.linkType = linkType }
}

/// One conversation's counts (copies removed).
public struct FlowSummary: Sendable {
    public var flow: String
    public var segments: Int
    public var retransmissions: Int
    public var fast: Int
    public var spurious: Int
    public var synRetransmissions: Int
    public var dupAcks: Int
    public var zeroWindows: Int
    public var resets: Int
    public var maxRTO: Double
    public var first: Timestamp
    public var last: Timestamp

    public init(flow: String, segments: Int, retransmissions: Int, fast: Int, spurious: Int, synRetransmissions: Int, dupAcks: Int,
                zeroWindows: Int, resets: Int, maxRTO: Double, first: Timestamp, last: Timestamp) {
        self.flow = flow; self.segments = segments; self.retransmissions = retransmissions; self.fast = fast; self.spurious = spurious
        self.synRetransmissions = synRetransmissions; self.dupAcks = dupAcks; self.zeroWindows = zeroWindows; self.resets = resets
        self.maxRTO = maxRTO; self.first = first; self.last = last
    }
}

/// A retransmission as the analysis saw it.
public struct RetransmissionEvent: Sendable {
    public var frame: Int
    public var time: Timestamp
    /// `10.244.1.10:41234 -> 10.244.1.20:8080`
    public var flow: String
    /// `retransmission`, `fast_retransmission`, `spurious_retransmission`
    public var kind: String
    /// Set when this "retransmission" (as Wireshark shows it) is only a copy of frame N.
    public var copyOf: Int?
    public var isSYN: Bool
    /// Time since the oldest unacknowledged segment of the flow (Wireshark's tcp.analysis.rto).
    public var rto: Double?
    public var capturePath: String
    /// Sequence number retransmitted (raw): retransmissions of one segment form one chain.
    public var seq: UInt32?
    /// Set when `copyOf` is a frame of another capture file (two capture points saw the same packet).
    public var copyIn: String?
    /// Hash of the segment's direction (addresses and ports) and of its connection, to look the
    /// same segment up in another capture (`SegmentKeys`).
    public var directedHash: UInt64?
    public var conversationHash: UInt64?

    public init(frame: Int, time: Timestamp, flow: String, kind: String, copyOf: Int?, isSYN: Bool, rto: Double?, capturePath: String, seq: UInt32? = nil) {
        self.frame = frame; self.time = time; self.flow = flow; self.kind = kind
        self.copyOf = copyOf; self.isSYN = isSYN; self.rto = rto; self.capturePath = capturePath; self.seq = seq
    }

    public var provenance: Provenance { Provenance(path: capturePath, frame: frame) }
}
