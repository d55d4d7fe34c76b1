/// One process killed by the kernel OOM killer, assembled from the lines of its record.
public struct OOMKill: Sendable {
    public enum Scope: String, Sendable { case memcg, global, cpuset, mempolicy, sysrq, unknown }

    public var scope: Scope = .unknown
    public var invokerComm: String?
    public var invokerPid: Int?
    public var gfpMask: String?
    public var order: Int?
    public var victimPid: Int?
    public var victimComm: String?
    public var victimUid: Int?
    public var victimOomScoreAdj: Int?
    public var anonRssKB: Int?
    public var fileRssKB: Int?
    public var shmemRssKB: Int?
    public var totalVmKB: Int?
    public var memcgUsageKB: Int?
    public var memcgLimitKB: Int?
    public var memcg: String?
    public var taskMemcg: String?
    public var podUID: String?
    public var containerID: String?
    /// `namespace/name` and container name, from kubelet log lines that name the pod UID.
    public var podName: String?
    public var containerName: String?
    public var victimThreads: Int?
    /// How the thread count was found, e.g. `ps:pid` or `ps:same-pod-comm (restarted instance, after the kill)`.
    public var victimThreadsSource: String?
    public var tInvoked: Timestamp?
    public var tKilled: Timestamp?
    public var tReaped: Timestamp?
    public var kInvoked: Int64?
    public var kKilled: Int64?
    public var kReaped: Int64?
    public var bootID: String?
    /// How t_invoked / t_killed / t_reaped were placed on UTC, or why they could not be.
    public var timeSource: String?
    /// How far (± s) the UTC times may be off, from the clock source that placed them.
    public var timeUncertainty: Double?
    public var reaped: Bool = false
    /// Known only from a quote of the kernel's kill line by another program (node-problem-detector's
    /// `OOMKilling` event, `kubectl get events`): the kernel's own record was not in the logs read.
    public var echo: Bool = false
    /// Where the record was read (the `Killed process` line, else the first line).
    public var source: Provenance
    public var sourceKind: KernelLine.SourceKind
    /// Other sources that held the same record (dmesg and journal both do).
    public var alsoSeenIn: [Provenance] = []
    /// Cited lines: invoked, killed, reaped.
    public var invokedAt: Provenance?
    public var killedAt: Provenance?
    public var reapedAt: Provenance?
    /// What the record says about memory (allocation, memcg or zones, task table), when it was printed.
    public var memory: OOMMemoryReport? {
        get { memoryBox?.value }
        set { memoryBox = newValue.map(MemoryBox.init) }
    }
    /// Kept out of line: a report is ~640 bytes, and 64 000 kills are copied whole when sorted
    /// and merged (immutable, so a copied kill shares it).
    private var memoryBox: MemoryBox?

    public init(source: Provenance, sourceKind: KernelLine.SourceKind) {
        self.source = source; self.sourceKind = sourceKind
    }

    /// Kill duration in seconds and which end it used: `reaped` or `killed`. Kernel clock when
    /// both ends have it, else UTC.
    public var killDuration: (seconds: Double, end: String)? {
        if let a = kInvoked {
            if let b = kReaped { return (Double(b - a) / 1e6, "reaped") }
            if let b = kKilled { return (Double(b - a) / 1e6, "killed") }
        }
        if let a = tInvoked {
            if let b = tReaped { return (b - a, "reaped") }
            if let b = tKilled { return (b - a, "killed") }
        }
        return nil
    }

    /// The kill's window on UTC: invoked → reaped (or killed).
    public var window: (start: Timestamp, end: Timestamp)? {
        guard let s = tInvoked ?? tKilled else { return nil }
        let e = tReaped ?? tKilled ?? s
        return (s, max(s, e))
    }
}

/// An OOM record's memory report, boxed (see `OOMKill.memory`).
final class MemoryBox: Sendable {
    let value: OOMMemoryReport
    init(_ value: OOMMemoryReport) { self.value = value }
}
