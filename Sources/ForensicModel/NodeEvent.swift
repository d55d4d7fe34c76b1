/// A kernel event that can stall a node or drop its packets (other than OOM kills, which have
/// their own record).
public struct NodeEvent: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case softLockup = "soft-lockup"
        case hungTask = "hung-task"
        case rcuStall = "rcu-stall"
        case conntrackFull = "conntrack-full"
        case linkDown = "link-down"
        case linkUp = "link-up"
        case netdevWatchdog = "netdev-watchdog"
        case pageAllocationFailure = "page-allocation-failure"
        case tcpOutOfMemory = "tcp-out-of-memory"
        case synFlood = "syn-flood"
        /// `page allocation stalls for Nms` (4.11–4.14 warn_alloc): the allocation waited N ms in reclaim.
        case allocationStall = "allocation-stall"
        /// A hung task whose stack is in page reclaim or compaction, or a hung kswapd.
        case reclaimHang = "hung-task-in-reclaim"
    }

    public var kind: Kind
    public var message: String
    /// When the kernel printed it.
    public var time: Timestamp?
    public var kernelMicros: Int64?
    /// How long before `time` the condition had already lasted (soft lockup "stuck for 22s",
    /// hung task "blocked for more than 120 seconds"); 0 when it is a moment.
    public var lastedBefore: Double
    /// Interface, CPU or task named by the line, when there is one.
    public var subject: String?
    public var provenance: Provenance
    /// How far (± s) `time` may be off, from the clock source that placed it.
    public var uncertainty: Double?

    public init(kind: Kind, message: String, time: Timestamp?, kernelMicros: Int64?, lastedBefore: Double, subject: String?, provenance: Provenance) {
        self.kind = kind; self.message = message; self.time = time; self.kernelMicros = kernelMicros
        self.lastedBefore = lastedBefore; self.subject = subject; self.provenance = provenance
    }

    /// The period the event covers on UTC.
    public var window: (start: Timestamp, end: Timestamp)? {
        guard let t = time else { return nil }
        return (t - lastedBefore, t)
    }
}

/// A counter from the bundle (no time: a total since boot at collection) that supports or
/// weakens a hypothesis.
public struct CounterFact: Sendable {
    public var name: String
    public var value: Double
    public var source: Provenance
    public init(name: String, value: Double, source: Provenance) { self.name = name; self.value = value; self.source = source }
}

/// A symptom period seen from the client side.
public struct Symptom: Sendable {
    public enum Kind: String, Sendable {
        case retransmissionBurst = "retransmission-burst", zeroWindow = "zero-window", resetStorm = "rst-storm", userTimeout = "user-timeout"
        /// No capture: sar intervals whose TCP retransmission rate (`sar -n ETCP` retrans/s) stands
        /// out, or whose interface drop/error rate (`sar -n EDEV`) does; the episode is the interval.
        case sarRetransmissions = "sar-retransmissions", sarInterfaceDrops = "sar-interface-drops"
        /// An interval, not a moment: where in it the symptom began cannot be told.
        public var coarse: Bool { self == .sarRetransmissions || self == .sarInterfaceDrops }
    }
    public var kind: Kind
    public var start: Timestamp
    public var end: Timestamp
    public var count: Int
    public var provenance: Provenance
    public init(kind: Kind, start: Timestamp, end: Timestamp, count: Int, provenance: Provenance) {
        self.kind = kind; self.start = start; self.end = end; self.count = count; self.provenance = provenance
    }
}
