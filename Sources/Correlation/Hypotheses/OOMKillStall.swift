import ForensicModel

/// `oom-kill-stall`: each OOM kill is a window, invoked → reaped, widened by how far its clock
/// may be off; weight = kill duration × (1 + log10 threads).
extension Correlator {
    static func oomCause(_ r: AnalysisResult) -> Cause {
        let kills = r.oomKills
        let durations = kills.compactMap { $0.killDuration?.seconds }
        let durationText = durations.isEmpty ? "" : (kills.count == 1 ? "; the kill took " : "; each kill took ") + fmtDurationRange(durations.min()!, durations.max()!)
        var c = Cause(id: .oomKillStall, title: "Kernel OOM kills stall the node and line up with the symptoms", noun: "OOM kill",
                      nextStep: "", headline: kills.isEmpty ? "No kernel OOM kill in the logs read"
                        : "\(victimPhrase(kills)) was OOM-killed \(kills.count) time\(kills.count == 1 ? "" : "s")\(durationText)")
        for k in kills {
            guard let w = k.window else {
                c.unplaced.append(Evidence("kill of pid \(k.victimPid.map(String.init) ?? "?") could not be placed on UTC", source: k.source.description))
                continue
            }
            // A long kill of a process with many threads weighs more: duration (s) × (1 + log10 threads).
            let d = max(k.killDuration?.seconds ?? 0.001, 0.001)
            let threads = Double(max(k.victimThreads ?? 1, 1))
            var lg = 0.0, t = threads
            while t >= 10 { lg += 1; t /= 10 }
            // Widened by how far the kernel clock may be off (a dmesg placed from `uptime`: ± 60 s).
            let u = k.timeUncertainty ?? 0
            c.windows.append(.init(start: w.start - u, end: w.end + u, weight: d * (1 + lg),
                                   evidence: killEvidence(k, note: u >= 1 ? "its time is known to ± \(fmt(u)) s (\(k.timeSource ?? "clock source"))" : nil)))
        }
        if let k = kills.first {
            let who = (k.containerName ?? k.victimComm ?? "the victim") + (k.podName.map { " in pod \($0)" } ?? "")
            // The advice follows what was measured: a kill of a millisecond does not stall a node.
            let longest = durations.max() ?? 0
            c.nextStep = "Raise the memory limit of \(who), or fix its memory use, so the kernel stops OOM-killing it"
                + (longest >= 0.1 ? "; these kills took up to \(fmtDuration(longest)), long enough to stall the node's packet processing."
                   : durations.isEmpty ? "." : "; these kills took at most \(fmtDuration(longest)), too short to stall the node by themselves: look at the memory pressure around them (reclaim, allocation stalls) and at the restarts.")
        }
        return c
    }



    static func victimPhrase(_ kills: [OOMKill]) -> String {
        var names: [String] = []
        for k in kills {
            var s = k.containerName ?? k.victimComm ?? "a process"
            var details: [String] = []
            if k.containerName != nil, let c = k.victimComm { details.append(c) }
            if let pod = k.podName { details.append("pod \(pod)") } else if let uid = k.podUID { details.append("pod \(uid.prefix(8))…") }
            if let t = k.victimThreads { details.append("\(t) threads") }
            if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
            if !names.contains(s) { names.append(s) }
        }
        return names.count <= 2 ? names.joined(separator: " and ") : names.prefix(2).joined(separator: ", ") + " and \(names.count - 2) more"
    }

    static func killEvidence(_ k: OOMKill, note: String?) -> Evidence {
        var s = (k.containerName.map { "\($0) (\(k.victimComm ?? "?") pid " } ?? "\(k.victimComm ?? "?") (pid ") + "\(k.victimPid.map(String.init) ?? "?")) OOM-killed (\(k.scope.rawValue))"
        if let t = k.tInvoked ?? k.tKilled { s += " at \(t.iso8601)" }
        if let d = k.killDuration { s += ", kill took \(fmtDuration(d.seconds)) (invoked → \(d.end))" }
        if let t = k.victimThreads { s += ", \(t) threads" }
        if let note { s += "; " + note }
        return Evidence(s, source: (k.invokedAt ?? k.source).description)
    }
}
