import Foundation
import ForensicModel

/// Assembles OOM-killer records from the kernel lines of one source, in order.
///
/// A record starts at `<comm> invoked oom-killer:`; the `oom-kill:constraint=` line, the
/// `Killed process` line(s) (several with `memory.oom.group`) and the task table fill it; the
/// `oom_reaper: reaped process` line, which may come much later, closes the kill it names.
/// Lines filtered out by grep or a cut file still give what they can, with a warning.
/// The record shapes across kernel versions: docs/spec/oom-records.md.
public struct OOMAssembler {
    /// The invocation being read (after `invoked oom-killer`, until the next one).
    private struct Invocation {
        /// Empty when the record was found without its `invoked oom-killer` line.
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
        /// Task table rows. Old kernels list each thread.
        var tasks: [TaskRow] = []
        /// Column names of the table header (`uid`, `tgid`, `oom_score_adj`, …).
        var columns: [Substring] = []
        var constraintUid: Int?
        /// `Memory cgroup stats for <path>:` (the pod/container when nothing else names it).
        var statsMemcg: String?
        /// Pids killed by this invocation (a group kill may name one twice).
        var killedPids: Set<Int> = []
        var killIndices: [Int] = []
        var index = 0
        /// True when the `invoked oom-killer` line was not seen (a summary, a decision or a task table came first).
        var implicit = false
        var taskPids: Set<Int> = []
        var inTaskTable = false
        /// Number of numeric columns after `[ pid ]` in this kernel's task table header.
        var numericColumns = 0
        var killsMade = 0
        /// `Tasks in <memcg> are going to be killed due to memory.oom.group set`
        var groupMemcg: String?
        /// The memory part of the record (allocation, memcg, zones), until the first kill line.
        var mem = OOMMemoryDecoder()
    }

    private var open: Invocation?
    private var invocations = 0
    /// Per kill: the index of the invocation that made it (reaper pairing, late task rows).
    private var killInvocation: [Int] = []
    /// Kills by victim pid (reaper pairing without a scan of every kill).
    private var killsByPid: [Int: [Int]] = [:]
    /// Scope from a decision line seen with no invocation open (`Memory cgroup out of memory: Kill process …`).
    private var pendingScope: OOMKill.Scope?
    public private(set) var kills: [OOMKill] = []
    public private(set) var warnings: [Warning] = []
    private var seen: Set<String> = []

    public init() {}

    public struct TaskRow: Sendable { var pid: Int; var tgid: Int; var uid: Int?; var adj: Int?; var name: String; var rss: Int? = nil }

    /// Cheap test: can this message be part of an OOM record at all?
    @inline(__always) public static func mightMatter(_ m: String) -> Bool {
        m.has("oom") || m.has("Killed process") || m.has("Kill process") || m.has("Out of memory")
            || m.has("memory: usage") || m.hasPrefix("[") || m.has("PID: ") || m.hasPrefix("Pid: ") || m.has("killed as a result of limit")
            || m.has("Memory cgroup stats for") || m.has("Out of Memory") || m.has("Kernel panic")
    }

    public mutating func feed(_ line: KernelLine) {
        let m = Substring(line.message)
        if m.hasPrefix("oom-killer: gfp_mask=") {
            // 2.6.9–2.6.18: no invoker comm in the line
            startInvocation(comm: "", args: m.dropFirst(12), line: line)
            return
        }
        if let r = m.find(" invoked oom-killer: ") ?? (m.hasSuffix(" invoked oom-killer:") ? m.find(" invoked oom-killer:", last: true) : nil) {
            // The same line again (log shipped twice): not a new invocation.
            if let inv = open, inv.line.message == line.message, inv.line.kernelMicros == line.kernelMicros, inv.line.utc == line.utc {
                return
            }
            startInvocation(comm: String(m[..<r.lowerBound]), args: m[r.upperBound...], line: line)
            return
        }
        if open == nil, m.hasPrefix("oom-kill:") || m.hasPrefix("[  pid  ]") || m.hasPrefix("[ pid ]") || m.hasPrefix("Tasks state (memory values in pages)") {
            // The record without its first line (cut, grepped): an invocation of unknown invoker.
            startInvocation(comm: "", args: "", line: line)
            open?.implicit = true
        }
        if open == nil, m.hasPrefix("Kernel panic - not syncing: Out of memory") {
            warnings.append(Warning(source: line.provenance, message: "OOM record (its 'invoked oom-killer' line not in the input) has no 'Killed process' line: the kernel panicked instead (panic_on_oom)", code: "oom.panic-no-kill"))
            return
        }
        if var inv = open {
            if inv.killsMade == 0 { inv.mem.feed(m) }
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
                inv.columns = cols
            } else if inv.inTaskTable, m.first == "[", let row = Self.taskRow(m, numericColumns: inv.numericColumns, columns: inv.columns) {
                if inv.taskPids.insert(row.pid).inserted { inv.tasks.append(row) }
            } else if m.hasPrefix("Memory cgroup stats for "), case let rest = m.dropFirst(24), let colon = rest.firstIndex(of: ":") {
                inv.statsMemcg = String(rest[..<colon])
            } else if m.hasPrefix("oom-kill:") {
                inv.inTaskTable = false
                Self.applyConstraint(m, to: &inv)
            } else if m.hasPrefix("Out of memory: Kill process ") || m.hasPrefix("Out of Memory: Kill process ") || m.hasPrefix("Out of memory (oom_kill_allocating_task): Kill process ") {
                if inv.scope == .unknown { inv.scope = .global }
                inv.inTaskTable = false
            } else if m.hasPrefix("Memory cgroup out of memory: Kill process ") {
                inv.scope = .memcg
                inv.inTaskTable = false
            } else if m.hasPrefix("Tasks in "), case let rest = m.dropFirst(9), let r = rest.find(" are going to be killed due to memory.oom.group set") {
                // searched after the prefix: "Tasks in are going…" (no path) overlapped it and trapped (fuzzing)
                inv.groupMemcg = String(rest[..<r.lowerBound])
            } else if let t = m.after("Task in "), let r = t.find(" killed as a result of limit of ") {
                inv.taskMemcg = String(t[..<r.lowerBound])
                inv.memcg = String(t[r.upperBound...])
                inv.scope = .memcg
            }
            open = inv
        } else if m.hasPrefix("Memory cgroup out of memory: Kill process ") {
            pendingScope = .memcg
        } else if m.hasPrefix("Out of memory: Kill process ") || m.hasPrefix("Out of Memory: Kill process ") || m.hasPrefix("Out of memory (oom_kill_allocating_task): Kill process ") {
            pendingScope = .global
        }
        if m.has("Killed process ") && !m.has("oom_reaper") {
            killed(m, line: line)
        } else if m.hasPrefix("oom_reaper: reaped process ") {
            reaped(m, line: line)
        }
    }

    /// Ends the input: an invocation with no `Killed process` line becomes a warning.
    public mutating func finish() {
        if let inv = open {
            if inv.killsMade == 0 {
                let who = inv.implicit ? "OOM record (its 'invoked oom-killer' line not in the input)" : "OOM invocation by \(inv.comm)"
                warnings.append(Warning(source: inv.line.provenance, message: "\(who) has no 'Killed process' line (record cut off, filtered, or nothing was killed)", code: "oom.no-killed-line"))
            }
            // Task rows printed after the kill line (CPUs interleave): fill what the kill line lacks.
            for i in inv.killIndices { Self.fillFromTable(&kills[i], inv) }
        }
        open = nil
    }

    /// uid and oom_score_adj from the victim's row of the record's task table (old kill lines
    /// print neither), threads from the rows sharing its tgid (old kernels list each thread).
    private static func fillFromTable(_ k: inout OOMKill, _ inv: Invocation) {
        guard let pid = k.victimPid else { return }
        if let row = inv.tasks.first(where: { $0.pid == pid }) {
            if k.victimUid == nil { k.victimUid = row.uid }
            if k.victimOomScoreAdj == nil { k.victimOomScoreAdj = row.adj }
        }
        if k.victimUid == nil, inv.constraintPid == pid { k.victimUid = inv.constraintUid }
        let threadRows = inv.tasks.filter { $0.tgid == pid }
        if threadRows.count > 1, k.victimThreads == nil {
            k.victimThreads = threadRows.count
            k.victimThreadsSource = "kernel task table (one row per thread, old kernel)"
        }
        if k.taskMemcg == nil, let tm = inv.statsMemcg, inv.scope == .memcg || k.scope == .memcg {
            k.taskMemcg = tm
            k.podUID = CgroupPath.podUID(tm)
            k.containerID = CgroupPath.containerID(tm)
        }
        if k.memcg == nil, let tm = inv.statsMemcg, inv.scope == .memcg || k.scope == .memcg { k.memcg = tm }
        if !inv.implicit || !inv.tasks.isEmpty {
            k.memory = inv.mem.finished(tasks: inv.tasks.map { ($0.pid, $0.tgid, $0.name, $0.rss) }, victimPid: pid)
            k.memory?.oomGroupMemcg = inv.groupMemcg
        }
    }

    // MARK: -

    private mutating func startInvocation(comm: String, args: Substring, line: KernelLine) {
        finish()
        invocations += 1
        pendingScope = nil
        var inv = Invocation(comm: comm, line: line)
        inv.index = invocations
        if let g = args.after("gfp_mask=") { inv.gfpMask = String(g.prefix { $0 != "," && $0 != "(" }) }
        inv.order = intAfter("order=", in: args)
        inv.mem.invoked(args)
        if inv.order == -1 { inv.scope = .sysrq }
        open = inv
    }

    /// A task table row: `[  4242]  1000  4242  1203456 … 936 java` (the name may hold spaces).
    static func taskRow(_ m: Substring, numericColumns: Int, columns: [Substring] = []) -> TaskRow? {
        guard let close = m.firstIndex(of: "]"), let pid = Int(m[m.index(after: m.startIndex)..<close].trimmedSpaces()) else { return nil }
        let cols = m[m.index(after: close)...].splitBytes(separator: " ", maxSplits: numericColumns, omittingEmptySubsequences: true)
        guard cols.count >= 3, Int(cols[0]) != nil, let tgid = Int(cols[1]) else { return nil }
        let name = cols.count > numericColumns ? String(cols[numericColumns]) : String(cols.last!)
        func col(_ n: String) -> Int? {
            guard let i = columns.firstIndex(where: { $0 == n }), i < cols.count, i < numericColumns else { return nil }
            return Int(cols[i])
        }
        return TaskRow(pid: pid, tgid: tgid, uid: col("uid") ?? Int(cols[0]), adj: col("oom_score_adj"), name: name, rss: col("rss"))
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
        if let v = m.afterLast(",uid=") { inv.constraintUid = v.leadingInt()?.0 }
    }

    private mutating func killed(_ m: Substring, line: KernelLine) {
        // "...Killed process 4242 (java) total-vm:4813824kB, anon-rss:..., UID:1000 pgtables:4292kB oom_score_adj:936"
        // 2.6.32 prints "Killed process 700, UID 0, (java) total-vm:..."
        guard let p = m.after("Killed process "), let (pid, afterPid0) = p.leadingInt() else {
            warnings.append(Warning(source: line.provenance, message: "unrecognised 'Killed process' line", code: "oom.unrecognised-kill-line"))
            return
        }
        var afterPid = afterPid0
        var oldUID: Int?
        if afterPid.hasPrefix(", UID "), let (u, rest) = afterPid.dropFirst(6).leadingInt(), rest.hasPrefix(",") {
            oldUID = u
            afterPid = rest.dropFirst()
        }
        guard afterPid.hasPrefix(" (") else {
            warnings.append(Warning(source: line.provenance, message: "unrecognised 'Killed process' line", code: "oom.unrecognised-kill-line"))
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
            warnings.append(Warning(source: line.provenance, message: "repeated 'Killed process \(pid)' line ignored (log shipped twice?)", code: "oom.repeated-kill-line"))
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
        k.timeUncertainty = line.utc == nil ? nil : line.uncertainty
        if m.hasPrefix("Memory cgroup out of memory") { k.scope = .memcg }
        else if m.hasPrefix("Out of memory") || m.hasPrefix("Out of Memory") { k.scope = .global }
        else if let p = pendingScope, open == nil { k.scope = p }
        pendingScope = nil

        if var inv = open {
            // memory.oom.group: the group kill may name the first victim again: one kill.
            if !inv.killedPids.insert(pid).inserted { return }
            inv.killsMade += 1
            k.invokerComm = inv.comm.isEmpty ? nil : inv.comm
            k.invokerPid = inv.pid
            k.gfpMask = inv.gfpMask
            k.order = inv.order
            if !inv.implicit {
                k.tInvoked = inv.line.utc
                k.kInvoked = inv.line.kernelMicros
                k.invokedAt = inv.line.provenance
            } else {
                warnings.append(Warning(source: line.provenance, message: "'Killed process \(pid) (\(comm))' without its 'invoked oom-killer' line: invoker and start time unknown", code: "oom.kill-without-invocation"))
            }
            if inv.scope != .unknown && !(inv.scope == .global && k.scope == .memcg) { k.scope = inv.scope }
            if inv.scope == .sysrq { k.scope = .sysrq }
            k.memcg = inv.memcg
            if inv.constraintPid == nil || inv.constraintPid == pid { k.taskMemcg = inv.taskMemcg } else if let g = inv.groupMemcg { k.taskMemcg = g }
            k.memcgUsageKB = inv.usageKB
            k.memcgLimitKB = inv.limitKB
            Self.fillFromTable(&k, inv)
            open = inv
        } else if !(figures.isEmpty || figures == ")" || figures == ").") {
            // (2.4 kernels print `Out of Memory: Killed process N (comm).` and no invoked line at all)
            warnings.append(Warning(source: line.provenance, message: "'Killed process \(pid) (\(comm))' without its 'invoked oom-killer' line: invoker and start time unknown", code: "oom.kill-without-invocation"))
        }
        if let tm = k.taskMemcg {
            k.podUID = CgroupPath.podUID(tm)
            k.containerID = CgroupPath.containerID(tm)
        }
        if k.podUID == nil, let m = k.memcg { k.podUID = CgroupPath.podUID(m) }   // only the pod-level memcg is named
        if open != nil { open!.killIndices.append(kills.count) }
        killsByPid[pid, default: []].append(kills.count)
        kills.append(k)
        killInvocation.append(open?.index ?? invocations)
    }

    private mutating func reaped(_ m: Substring, line: KernelLine) {
        guard let p = m.after("reaped process "), let (pid, _) = p.leadingInt() else { return }
        // Only a kill of the same or the previous invocation: a reaper line much later belongs to a
        // newer kill of a reused pid, never to one several invocations back.
        if let i = (killsByPid[pid] ?? []).last(where: { !kills[$0].reaped && (kills[$0].bootID == nil || kills[$0].bootID == line.bootID) }),
           invocations - killInvocation[i] <= 1 {
            if let a = kills[i].kKilled, let b = line.kernelMicros, b < a { return }
            kills[i].reaped = true
            kills[i].tReaped = line.utc
            kills[i].kReaped = line.kernelMicros
            kills[i].reapedAt = line.provenance
        } else if !(killsByPid[pid] ?? []).contains(where: { kills[$0].kReaped == line.kernelMicros && kills[$0].tReaped == line.utc }) {
            warnings.append(Warning(source: line.provenance, message: "'oom_reaper: reaped process \(pid)' with no earlier 'Killed process \(pid)' line", code: "oom.reaper-without-kill"))
        }
    }
}
