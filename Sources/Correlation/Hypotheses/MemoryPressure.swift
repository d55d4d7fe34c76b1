import ForensicModel

/// `memory-pressure`: page allocation failures, TCP out of memory; global OOM kills and TCPMemoryPressures support.
extension Correlator {
    static func memoryCause(_ r: AnalysisResult) -> Cause {
        var mem = eventCause(r, .memoryPressure, "The node is short of memory (allocation failures, TCP memory limits)", "memory-pressure event",
                             events(r, [.pageAllocationFailure, .tcpOutOfMemory]),
                             next: "Add memory or lower the pods' requests on this node; check net.ipv4.tcp_mem if 'TCP: out of memory' appears.",
                             headline: "\(events(r, [.pageAllocationFailure, .tcpOutOfMemory]).count) page-allocation-failure / TCP out-of-memory message(s)")
        if let p = counter(r, "TcpExtTCPMemoryPressures"), p.value > 0 {
            mem.support.append(Evidence("TCPMemoryPressures = \(Int(p.value)) since boot", source: p.source.description))
        }
        let globalKills = r.oomKills.filter { $0.scope == .global }
        if !globalKills.isEmpty { mem.support.append(Evidence("\(globalKills.count) global (node-wide) OOM kill(s) (see oom-kill-stall)", source: globalKills[0].source.description)) }
        return mem
    }
}
