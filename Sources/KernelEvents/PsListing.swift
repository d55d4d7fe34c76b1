import Foundation

/// A process in a ps listing taken when the bundle was collected.
public struct PsProcess: Sendable, Equatable {
    public var pid: Int
    public var comm: String?
    public var command: String?
    public var threads: Int
    public var cgroup: String?
    public var line: Int

    public init(pid: Int, comm: String?, command: String?, threads: Int, cgroup: String?, line: Int) {
        self.pid = pid; self.comm = comm; self.command = command; self.threads = threads; self.cgroup = cgroup; self.line = line
    }
}

/// `proc/<pid>/status` as sos copies it (4.2+): `Name:`, `Threads:`; `proc/<pid>/cgroup` gives the cgroup.
public enum ProcStatus {
    public static func parse(status: String, cgroup: String?) -> PsProcess? {
        var name: String?, threads: Int?, pid: Int?, threadsLine = 0
        for (i, l) in status.splitBytes(separator: "\n").enumerated() {
            if l.hasPrefix("Name:") { name = String(l.dropFirst(5).trimmedSpaces()) }
            if l.hasPrefix("Threads:") { threads = Int(l.dropFirst(8).trimmedSpaces()); threadsLine = i + 1 }
            if l.hasPrefix("Pid:") { pid = Int(l.dropFirst(4).trimmedSpaces()) }
        }
        guard let pid, let threads else { return nil }
        // cgroup v2 "0::/path" or v1 "N:memory:/path": prefer the memory / unified line.
        let cg = cgroup?.splitBytes(separator: "\n").first { $0.has(":memory:") || $0.hasPrefix("0::") }
            .map { String($0.splitBytes(separator: ":", maxSplits: 2).last ?? "") }
        return PsProcess(pid: pid, comm: name, command: nil, threads: threads, cgroup: cg, line: threadsLine)
    }
}

/// Parses the ps listings sos collects (header decides the layout):
/// `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup` (NLWP + CGROUP, the best),
/// `ps -elfL` (one row per thread, NLWP column) and `ps auxwwwm` (thread rows with PID `-`).
public enum PsListing {
    public static func parse(_ text: String) -> (processes: [PsProcess], format: String?) {
        let all = text.splitBytes(separator: "\n", omittingEmptySubsequences: false)
        // Leading blank lines are skipped; `skipped` keeps the line numbers those of the file.
        let lines = Array(all.drop { $0.trimmedSpaces().isEmpty })
        let skipped = all.count - lines.count
        guard let header = lines.first else { return ([], nil) }
        let cols = header.splitBytes(separator: " ").map(String.init)
        guard let pidCol = cols.firstIndex(of: "PID") else { return ([], nil) }
        var out: [PsProcess] = []
        let nlwpCol = cols.firstIndex(of: "NLWP")
        if let nlwpCol, cols.last == "CGROUP", let commCol = cols.firstIndex(of: "COMMAND") {
            // axo ... comm cgroup: COMMAND (may hold spaces) is between its column and the last.
            for (i, l) in lines.enumerated().dropFirst() {
                let f = l.splitBytes(separator: " ")
                guard f.count >= cols.count, let pid = Int(f[pidCol]), let n = Int(f[nlwpCol]) else { continue }
                let comm = f[commCol..<(f.count - 1)].joined(separator: " ")
                let cg = String(f[f.count - 1])
                out.append(PsProcess(pid: pid, comm: comm, command: nil, threads: n, cgroup: cg == "-" ? nil : cg, line: skipped + i + 1))
            }
            return (out, "ps axo ...nlwp...cgroup")
        }
        if let nlwpCol, let cmdCol = cols.firstIndex(of: "CMD"), cols.contains("LWP") {
            // ps -elfL: one row per thread.
            var seen: Set<Int> = []
            for (i, l) in lines.enumerated().dropFirst() {
                let f = l.splitBytes(separator: " ", maxSplits: cols.count - 1)
                guard f.count >= cols.count, let pid = Int(f[pidCol]), let n = Int(f[nlwpCol]) else { continue }
                guard seen.insert(pid).inserted else { continue }
                let cmd = String(f[cmdCol])
                out.append(PsProcess(pid: pid, comm: commFromCommand(cmd), command: cmd, threads: n, cgroup: nil, line: skipped + i + 1))
            }
            return (out, "ps -elfL")
        }
        if cols.first == "USER", let cmdCol = cols.firstIndex(of: "COMMAND") {
            // ps auxwwwm: a process row, then one row per thread with PID "-".
            for (i, l) in lines.enumerated().dropFirst() {
                let f = l.splitBytes(separator: " ", maxSplits: cols.count - 1)
                guard f.count > pidCol else { continue }
                if f[pidCol] == "-" {
                    if !out.isEmpty { out[out.count - 1].threads += 1 }
                } else if let pid = Int(f[pidCol]) {
                    let cmd = f.count > cmdCol ? String(f[cmdCol]) : ""
                    out.append(PsProcess(pid: pid, comm: commFromCommand(cmd), command: cmd, threads: 0, cgroup: nil, line: skipped + i + 1))
                }
            }
            return (out, "ps auxwwwm")
        }
        return ([], nil)
    }

    /// Kernel comm guessed from a command line: basename of argv[0], cut to 15 characters.
    static func commFromCommand(_ cmd: String) -> String {
        let argv0 = cmd.splitBytes(separator: " ").first.map(String.init) ?? cmd
        let base = argv0.splitBytes(separator: "/").last.map(String.init) ?? argv0
        return String(base.prefix(15))
    }
}
