import Foundation
import ForensicModel

/// Assembles OOM-killer records from the kernel lines of one source, in order.
///
/// A record starts at `<comm> invoked oom-killer:`; the `oom-kill:constraint=` line, the
/// `Killed process` line(s) (several with `memory.oom.group`) and the task table fill it; the
/// `oom_reaper: reaped process` line, which may come much later, closes the kill it names.
/// Lines filtered out by grep or a cut file still give what they can, with a warning.
public struct OOMAssembler {
    /// The invocation being read (after `invoked oom-killer`, until the next one).
    private struct Invocation {
        var comm: String
        var pid: Int?
        var gfpMask: String?
        var order: Int?
        var line: KernelLine
        var scope: OOMKill.Scope = .unknown
        var memcg: String?
        var taskMemcg: String?
        var constraintPid: Int?
        var usageKB: Int?
        var limitKB: Int?
        /// Task table rows: pid -> (tgid, name). Old kernels list each thread.
        var tasks: [(pid: Int, tgid: Int, name: String)] = []
        var taskPids: Set<Int> = []
        var inTaskTable = false
        /// Number of numeric columns after `[ pid ]` in this kernel's task table header.
        var numericColumns = 0
        var killsMade = 0
        /// `Tasks in <memcg> are going to be killed due to memory.oom.group set`
        var groupMemcg: String?
    }

    private var open: Invocation?
    public private(set) var kills: [OOMKill] = []
    public private(set) var warnings: [Warning] = []
    private var seen: Set<String> = []

    public init() {}

    /// Cheap test: can this message be part of an OOM record at all?
    @inline(__always) public static func mightMatter(_ m: String) -> Bool {
        m.has("oom") || m.has("Killed process") || m.has("Kill process") || m.has("Out of memory")
            || m.has("memory: usage") || m.hasPrefix("[") || m.has("PID: ") || m.has("killed as a result of limit")
    }

    public mutating func feed(_ line: KernelLine) {
        let m = Substring(line.message)
        if let r = m.find(" invoked oom-killer: ") {
            // The same line again (log shipped twice): not a new invocation.
            if let inv = open, inv.line.message == line.message, inv.line.kernelMicros == line.kernelMicros, inv.line.utc == line.utc {
                return
            }
            startInvocation(comm: String(m[..<r.lowerBound]), args: m[r.upperBound...], line: line)
            return
        }
        if var inv = open {
            if inv.pid == nil, let p = m.after("PID: "), let (pid, rest) = p.leadingInt(), rest.hasPrefix(" Comm: ") {
                inv.pid = pid
            } else if inv.pid == nil, m.hasPrefix("Pid: "), let (pid, rest) = m.dropFirst(5).leadingInt(), rest.hasPrefix(", comm: ") {
                inv.pid = pid // 2.6.32: "Pid: 11731, comm: mysqld Not tainted ...""

            } else if m.hasPrefix("memory: usage ") {
                inv.usageKB = intAfter("usage ", in: m)
                inv.limitKB = intAfter("limit ", in: m)
                if inv.scope == .unknown { inv.scope = .memcg }
            } else if m.hasPrefix("[  pid  ]") || m.hasPrefix("[ pid ]") {
                inv.inTaskTable = true
                // "[  pid  ]   uid  tgid total_vm      rss [nr_ptes nr_pmds | pgtables_bytes | rss_anon …] swapents oom_score_adj name"
                let cols = m.splitBytes(separator: "]", maxSplits: 1).last?.splitBytes(separator: " ") ?? []
                inv.numericColumns = max(cols.count - 1, 2)
            } else if inv.inTaskTable, m.first == "[", let row = Self.taskRow(m, numericColumns: inv.numericColumns) {
                if inv.taskPids.insert(row.pid).inserted { inv.tasks.append(row) }
            } else if m.hasPrefix("oom-kill:") {
                inv.inTaskTable = false
                Self.applyConstraint(m, to: &inv)
            } else if m.hasPrefix("Out of memory: Kill process ") || m.hasPrefix("Out of memory (oom_kill_allocating_task): Kill process ") {
                if inv.scope == .unknown { inv.scope = .global }
            } else if m.hasPrefix("Memory cgroup out of memory: Kill process ") {
                inv.scope = .memcg
            } else if m.hasPrefix("Tasks in "), case let rest = m.dropFirst(9), let r = rest.find(" are going to be killed due to memory.oom.group set") {
                // searched after the prefix: "Tasks in are going…" (no path) overlapped it and trapped (fuzzing)
                inv.groupMemcg = String(rest[..<r.lowerBound])
            } else if let t = m.after("Task in "), let r = t.find(" killed as a result of limit of ") {
                inv.taskMemcg = String(t[..<r.lowerBound])
                inv.memcg = String(t[r.upperBound...])
                inv.scope = .memcg
            }
            open = inv
        }
        if m.has("Killed process ") && !m.has("oom_reaper") {
            killed(m, line: line)
        } else if m.hasPrefix("oom_reaper: reaped process ") {
            reaped(m, line: line)
        }
    }

    /// Ends the input: an invocation with no `Killed process` line becomes a warning.
    public mutating func finish() {
        if let inv = open, inv.killsMade == 0 {
            warnings.append(Warning(source: inv.line.provenance, message: "OOM invocation by \(inv.comm) has no 'Killed process' line (record cut off, filtered, or nothing was killed)"))
        }
        open = nil
    }

    // MARK: -

    private mutating func startInvocation(comm: String, args: Substring, line: KernelLine) {
        finish()
        var inv = Invocation(comm: comm, line: line)
        if let g = args.after("gfp_mask=") { inv.gfpMask = String(g.prefix { $0 != "," && $0 != "(" }) }
        inv.order = intAfter("order=", in: args)
        if inv.order == -1 { inv.scope = .sysrq }
        open = inv
    }

    /// A task table row: `[  4242]  1000  4242  1203456 … 936 java` (the name may hold spaces).
    static func taskRow(_ m: Substring, numericColumns: Int) -> (pid: Int, tgid: Int, name: String)? {
        guard let close = m.firstIndex(of: "]"), let pid = Int(m[m.index(after: m.startIndex)..<close].trimmedSpaces()) else { return nil }
        let cols = m[m.index(after: close)...].splitBytes(separator: " ", maxSplits: numericColumns, omittingEmptySubsequences: true)
        guard cols.count >= 3, Int(cols[0]) != nil, let tgid = Int(cols[1]) else { return nil }
        let name = cols.count > numericColumns ? String(cols[numericColumns]) : String(cols.last!)
        return (pid, tgid, name)
    }

    private static func applyConstraint(_ m: Substring, to inv: inout Invocation) {
        // oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/..,task_memcg=/kubepods/../<id>,task=java,pid=4242,uid=1000
        if let c = m.after("constraint=") {
            let v = c.prefix { $0 != "," }
            switch v {
            case "CONSTRAINT_MEMCG": inv.scope = .memcg
            case "CONSTRAINT_NONE": if inv.scope != .sysrq { inv.scope = .global }
            case "CONSTRAINT_CPUSET": inv.scope = .cpuset
            case "CONSTRAINT_MEMORY_POLICY": inv.scope = .mempolicy
            default: break
            }
        }
        if let v = m.after(",oom_memcg=") { inv.memcg = String(v.prefix { $0 != "," }) }
        if let v = m.after(",task_memcg=") { inv.taskMemcg = String(v.prefix { $0 != "," }) }
        if let v = m.afterLast(",pid=") { inv.constraintPid = v.leadingInt()?.0 }
    }

    private mutating func killed(_ m: Substring, line: KernelLine) {
        // "...Killed process 4242 (java) total-vm:4813824kB, anon-rss:..., UID:1000 pgtables:4292kB oom_score_adj:936"
        // 2.6.32 prints "Killed process 700, UID 0, (java) total-vm:..."
        guard let p = m.after("Killed process "), let (pid, afterPid0) = p.leadingInt() else {
            warnings.append(Warning(source: line.provenance, message: "unrecognised 'Killed process' line"))
            return
        }
        var afterPid = afterPid0
        var oldUID: Int?
        if afterPid.hasPrefix(", UID "), let (u, rest) = afterPid.dropFirst(6).leadingInt(), rest.hasPrefix(",") {
            oldUID = u
            afterPid = rest.dropFirst()
        }
        guard afterPid.hasPrefix(" (") else {
            warnings.append(Warning(source: line.provenance, message: "unrecognised 'Killed process' line"))
            return
        }
        let afterParen = afterPid.dropFirst(2)
        let comm: String
        let figures: Substring
        if let r = afterParen.find(") total-vm:", last: true) ?? afterParen.find(")", last: true) {
            comm = String(afterParen[..<r.lowerBound])
            figures = afterParen[r.lowerBound...]
        } else {
            comm = String(afterParen)
            figures = ""
        }
        let dedupKey = "\(pid)|\(comm)|\(line.kernelMicros.map(String.init) ?? line.utc.map { String($0.nanos) } ?? "?")|\(line.bootID ?? "")"
        if !seen.insert(dedupKey).inserted {
            warnings.append(Warning(source: line.provenance, message: "repeated 'Killed process \(pid)' line ignored (log shipped twice?)"))
            return
        }
        var k = OOMKill(source: line.provenance, sourceKind: line.sourceKind)
        k.victimPid = pid
        k.victimComm = comm
        k.totalVmKB = intAfter("total-vm:", in: figures)
        k.anonRssKB = intAfter("anon-rss:", in: figures)
        k.fileRssKB = intAfter("file-rss:", in: figures)
        k.shmemRssKB = intAfter("shmem-rss:", in: figures)
        k.victimUid = intAfter("UID:", in: figures) ?? oldUID
        k.victimOomScoreAdj = intAfter("oom_score_adj:", in: figures)
        k.tKilled = line.utc
        k.kKilled = line.kernelMicros
        k.bootID = line.bootID
        k.killedAt = line.provenance
        k.timeSource = line.timeSource
        if m.hasPrefix("Memory cgroup out of memory") { k.scope = .memcg }
        else if m.hasPrefix("Out of memory") { k.scope = .global }

        if var inv = open {
            inv.killsMade += 1
            k.invokerComm = inv.comm
            k.invokerPid = inv.pid
            k.gfpMask = inv.gfpMask
            k.order = inv.order
            k.tInvoked = inv.line.utc
            k.kInvoked = inv.line.kernelMicros
            k.invokedAt = inv.line.provenance
            if inv.scope != .unknown && !(inv.scope == .global && k.scope == .memcg) { k.scope = inv.scope }
            if inv.scope == .sysrq { k.scope = .sysrq }
            k.memcg = inv.memcg
            if inv.constraintPid == nil || inv.constraintPid == pid { k.taskMemcg = inv.taskMemcg } else if let g = inv.groupMemcg { k.taskMemcg = g }
            k.memcgUsageKB = inv.usageKB
            k.memcgLimitKB = inv.limitKB
            let threadRows = inv.tasks.filter { $0.tgid == pid }
            if threadRows.count > 1 {
                k.victimThreads = threadRows.count
                k.victimThreadsSource = "kernel task table (one row per thread, old kernel)"
            }
            open = inv
        } else {
            warnings.append(Warning(source: line.provenance, message: "'Killed process \(pid) (\(comm))' without its 'invoked oom-killer' line: invoker and start time unknown"))
        }
        if let tm = k.taskMemcg {
            k.podUID = CgroupPath.podUID(tm)
            k.containerID = CgroupPath.containerID(tm)
        }
        kills.append(k)
    }

    private mutating func reaped(_ m: Substring, line: KernelLine) {
        guard let p = m.after("reaped process "), let (pid, _) = p.leadingInt() else { return }
        if let i = kills.lastIndex(where: { $0.victimPid == pid && !$0.reaped && ($0.bootID == nil || $0.bootID == line.bootID) }) {
            if let a = kills[i].kKilled, let b = line.kernelMicros, b < a { return }
            kills[i].reaped = true
            kills[i].tReaped = line.utc
            kills[i].kReaped = line.kernelMicros
            kills[i].reapedAt = line.provenance
        } else if !kills.contains(where: { $0.victimPid == pid && $0.kReaped == line.kernelMicros && $0.tReaped == line.utc }) {
            warnings.append(Warning(source: line.provenance, message: "'oom_reaper: reaped process \(pid)' with no earlier 'Killed process \(pid)' line"))
        }
    }
}
