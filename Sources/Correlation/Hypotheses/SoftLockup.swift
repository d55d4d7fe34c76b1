import ForensicModel

/// `softlockup-or-hung-task`: soft lockups (the N s before the line), hung tasks, RCU stalls.
extension Correlator {
    static func lockupCause(_ r: AnalysisResult) -> Cause {
        let lock = events(r, [.softLockup, .hungTask, .rcuStall])
        return eventCause(r, .softlockupOrHungTask, "Soft lockups, hung tasks or RCU stalls stall the node", "lockup or stall", lock,
                          next: "Find what held the CPU (the stack under each soft-lockup line); check for heavy I/O or a stuck driver.",
                          headline: "\(lock.count) soft lockup / hung task / RCU stall message\(lock.count == 1 ? "" : "s") in the kernel log")
    }
}
