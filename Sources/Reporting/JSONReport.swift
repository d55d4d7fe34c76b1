import Foundation
import ForensicModel

/// The JSON contract (README "JSON output"): names are kept; fields are only ever added.
public enum JSONReport {
    public static let toolName = "nodesleuth"

    /// tool + inputs + `middle` + warnings: the frame every output shares.
    static func envelope(_ r: AnalysisResult, version: String, _ middle: [(String, JSON)]) -> JSON {
        .object([("tool", .object([("name", .string(toolName)), ("version", .string(version))])),
                 ("inputs", .array(r.inputs.map(input)))] + middle + [("warnings", .array(r.warnings.map(warning)))])
    }

    public static func analyze(_ r: AnalysisResult, version: String) -> JSON {
        envelope(r, version: version, [
            ("node", .opt(r.node)),
            ("verdict", r.verdict.map(verdict) ?? .null),
            ("window", r.window.map { w in .object([("since", ts(w.start)), ("until", ts(w.end)), ("note", .opt(w.note))]) } ?? .null),
            ("pcap_offset_s", .double(r.pcapOffset)),
            ("suggested_pcap_offset_s", r.suggestedPcapOffset.map { .double($0) } ?? .null),
            ("both_ends", r.bothEnds.map { b in .object([("checked", .int(b.checked)), ("reached_other_end", .int(b.reachedOtherEnd)),
                                                         ("lost_between", .int(b.lostBetween)), ("incomplete", .bool(b.incomplete))]) } ?? .null),
            ("log_coverage", .array(r.logCoverage.map { .object([("path", .string($0.path)), ("start", ts($0.start)), ("end", ts($0.end))]) })),
            ("clock_notes", .array(r.clockNotes.map(JSON.string))),
            ("oom_kills", .array(r.oomKills.map(oom))),
            ("captures", .array(r.captures.map(capture))),
            ("bursts", .array(r.bursts.map(burst))),
            ("symptoms", .array(r.symptoms.map(symptom))),
            ("hypotheses", .array(r.hypotheses.map(hypothesis))),
        ])
    }

    /// Several nodes of one incident folder: each node's report, and a fleet summary.
    public static func fleet(_ rs: [AnalysisResult], version: String) -> JSON {
        .object([("tool", .object([("name", .string(toolName)), ("version", .string(version))])),
                 ("fleet", .array(rs.map { r in
                     let top = r.hypotheses.first
                     return .object([("node", .opt(r.node)), ("verdict", .opt(top.map { $0.score > 0 ? $0.id.rawValue : "none" })),
                                     ("status", .opt(r.verdict?.status.rawValue)),
                                     ("score", top.map { .double($0.score) } ?? .null), ("oom_kills", .int(r.oomKills.count)),
                                     ("kernel_logs_read", .int(r.kernelLogInputs))])
                 })),
                 ("nodes", .array(rs.map { analyze($0, version: version) }))])
    }

    public static func oomOnly(_ r: AnalysisResult, version: String) -> JSON {
        envelope(r, version: version, [("node", .opt(r.node)), ("oom_kills", .array(r.oomKills.map(oom)))])
    }

    /// The same document, written piece by piece: one kill's tree at a time (64 000 kills never
    /// become one tree). `indent` 0: one line (ndjson).
    public static func oomOnly(_ r: AnalysisResult, version: String, indent: Int = 2, write: (String) throws -> Void) rethrows {
        let marker = "\"__nodesleuth_kills__\""
        let doc = envelope(r, version: version, [("node", .opt(r.node)), ("oom_kills", .raw(marker))]).render(indent: indent)
        guard let at = doc.range(of: marker) else { try write(oomOnly(r, version: version).render(indent: indent)); return }
        try write(String(doc[..<at.lowerBound]) + "[")
        var chunk = ""
        for (i, k) in r.oomKills.enumerated() {
            // each kill rendered as the whole tree would place it (two levels in)
            var one = JSON.array([oom(k)]).render(indent: indent)
            if indent > 0 {
                one = one.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast(2).map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
                chunk += (i == 0 ? "\n" : ",\n") + one
            } else {
                chunk += (i == 0 ? "" : ",") + one.dropFirst().dropLast(2)
            }
            if chunk.utf8.count > 1 << 20 { try write(chunk); chunk = "" }
        }
        let close = r.oomKills.isEmpty ? "]" : (indent > 0 ? "\n" + String(repeating: " ", count: indent) + "]" : "]")
        try write(chunk + close + doc[at.upperBound...])
    }

    public static func retrans(_ r: AnalysisResult, version: String) -> JSON {
        envelope(r, version: version, [("captures", .array(r.captures.map(capture))), ("events", .array(r.retransmissions.map(event)))])
    }

    /// The same document, written piece by piece: the events one at a time as they are read from
    /// the log (a million events never become one tree or one string). `indent` 0: one line (ndjson).
    public static func retrans(_ r: AnalysisResult, version: String, indent: Int = 2, write: (String) throws -> Void) rethrows {
        let marker = "\"__nodesleuth_events__\""
        let doc = envelope(r, version: version, [("captures", .array(r.captures.map(capture))), ("events", .raw(marker))]).render(indent: indent)
        guard let at = doc.range(of: marker) else { try write(retrans(r, version: version).render(indent: indent)); return }
        try write(String(doc[..<at.lowerBound]) + "[")
        var chunk = ""
        var any = false
        let (first, next, close) = indent == 0 ? ("", ",", "]") : ("\n    ", ",\n    ", "\n  ]")
        for e in r.retransmissions {
            chunk += any ? next : first
            appendEvent(e, to: &chunk)
            any = true
            if chunk.utf8.count > 1 << 20 { try write(chunk); chunk = "" }
        }
        try write(chunk + (any ? close : "]") + doc[at.upperBound...])
    }

    static func input(_ i: InputReport) -> JSON {
        .object([("path", .string(i.path)), ("kind", .string(i.kind)), ("status", .string(i.status.rawValue)),
                 ("warnings", .int(i.warnings)), ("detail", .string(i.detail)), ("discovered", .bool(i.discovered))])
    }

    static func ts(_ t: Timestamp?) -> JSON { t.map { .string($0.iso8601) } ?? .null }
    static func k(_ v: Int64?) -> JSON { v.map { .raw(formatKernelSeconds($0)) } ?? .null }

    static func verdict(_ v: Verdict) -> JSON {
        .object([("id", .opt(v.id?.rawValue)), ("score", .double(v.score)), ("status", .string(v.status.rawValue)),
                 ("reasons", .array(v.reasons.map(JSON.string))),
                 ("reason_details", .array(zip(v.reasonCodes, v.reasons).map { .object([("code", .string($0)), ("message", .string($1))]) }))])
    }

    public static func oom(_ o: OOMKill) -> JSON {
        let d = o.killDuration
        return .object([
            ("scope", .string(o.scope.rawValue)),
            ("invoker_comm", .opt(o.invokerComm)), ("invoker_pid", .opt(o.invokerPid)),
            ("victim_pid", .opt(o.victimPid)), ("victim_comm", .opt(o.victimComm)),
            ("victim_uid", .opt(o.victimUid)), ("victim_oom_score_adj", .opt(o.victimOomScoreAdj)),
            ("anon_rss_kb", .opt(o.anonRssKB)), ("file_rss_kb", .opt(o.fileRssKB)),
            ("shmem_rss_kb", .opt(o.shmemRssKB)), ("total_vm_kb", .opt(o.totalVmKB)),
            ("memcg_usage_kb", .opt(o.memcgUsageKB)), ("memcg_limit_kb", .opt(o.memcgLimitKB)),
            ("memcg", .opt(o.memcg)), ("task_memcg", .opt(o.taskMemcg)),
            ("pod_uid", .opt(o.podUID)), ("pod_name", .opt(o.podName)),
            ("container_id", .opt(o.containerID)), ("container_name", .opt(o.containerName)),
            ("victim_threads", .opt(o.victimThreads)), ("victim_threads_source", .opt(o.victimThreadsSource)),
            ("t_invoked", ts(o.tInvoked)), ("t_killed", ts(o.tKilled)), ("t_reaped", ts(o.tReaped)),
            ("k_invoked", k(o.kInvoked)), ("k_killed", k(o.kKilled)), ("k_reaped", k(o.kReaped)),
            ("boot_id", .opt(o.bootID)),
            ("time_source", .opt(o.timeSource)),
            ("time_uncertainty_s", .opt(o.timeUncertainty)),
            ("kill_duration_s", d.map { .double($0.seconds) } ?? .null),
            ("kill_duration_end", .opt(d?.end)),
            ("reaped", .bool(o.reaped)),
            ("echo", .bool(o.echo)),
            ("source", .string(o.source.description)),
            ("also_seen_in", .array(o.alsoSeenIn.map { .string($0.description) })),
            ("why", .opt(o.why)),
            ("memory", o.memory.map(memory) ?? .null),
        ])
    }

    /// The decoded memory part of an OOM record (docs/json.md "OOM memory").
    static func memory(_ m: OOMMemoryReport) -> JSON {
        func figures(_ fs: [OOMMemoryReport.Figure]) -> JSON { .object(fs.map { ($0.name, .int($0.value)) }) }
        func counter(_ c: OOMMemoryReport.Counter?) -> JSON {
            c.map { .object([("usage_kb", .int($0.usageKB)), ("limit_kb", .opt($0.limitKB)), ("failcnt", .opt($0.failcnt))]) } ?? .null
        }
        let a = m.allocation
        return .object([
            ("kernel_version", .opt(m.kernelVersion)),
            ("page_kb", .int(m.pageKB)), ("page_kb_source", .string(m.pageKBSource)),
            ("allocation", .object([
                ("gfp_mask", .opt(a.gfpMask)), ("gfp_flags", .array(a.gfpFlags.map(JSON.string))),
                ("gfp_flags_source", .opt(a.gfpFlagsSource)), ("order", .opt(a.order)),
                ("nodemask", .opt(a.nodemask)), ("cpuset", .opt(a.cpuset)), ("mems_allowed", .opt(a.memsAllowed)),
            ])),
            ("memcg", m.memcg.map { g in .object([
                ("memory", counter(g.memory)), ("swap", counter(g.swap)), ("memory_swap", counter(g.memsw)), ("kmem", counter(g.kmem)),
                ("stat_path", .opt(g.statPath)), ("stat_bytes", figures(g.stat)),
                ("anon_bytes", .opt(g.anonBytes)), ("file_bytes", .opt(g.fileBytes)), ("shmem_bytes", .opt(g.shmemBytes)),
                ("kernel_bytes", .opt(g.kernelBytes)), ("slab_bytes", .opt(g.slabBytes)), ("swap_bytes", .opt(g.swapBytes)),
            ]) } ?? .null),
            ("global", m.global.map { g in .object([
                ("zones", .array(g.zones.map { z in .object([
                    ("node", .opt(z.node)), ("zone", .string(z.name)), ("free_kb", .int(z.freeKB)), ("min_kb", .opt(z.minKB)),
                    ("low_kb", .opt(z.lowKB)), ("high_kb", .opt(z.highKB)), ("managed_kb", .opt(z.managedKB)), ("present_kb", .opt(z.presentKB)),
                    ("below_watermark", .opt(z.belowWatermark)),
                ]) })),
                ("mem_info_pages", figures(g.memInfo)),
                ("free_swap_kb", .opt(g.freeSwapKB)), ("total_swap_kb", .opt(g.totalSwapKB)),
                ("pagecache_pages", .opt(g.pagecachePages)), ("swap_cache_pages", .opt(g.swapCachePages)),
                ("ram_pages", .opt(g.ramPages)), ("reserved_pages", .opt(g.reservedPages)),
                ("huge_pages", .array(g.hugePages.map { h in .object([("node", .opt(h.node)), ("total", .int(h.total)), ("free", .int(h.free)), ("size_kb", .int(h.sizeKB))]) })),
                ("unreclaimable_slab_kb", figures(g.unreclaimableSlab)),
            ]) } ?? .null),
            ("oom_group_memcg", .opt(m.oomGroupMemcg)),
            ("tasks", m.tasks.map { t in .object([
                ("rows", .int(t.rows)), ("total_rss_pages", .int(t.totalRssPages)),
                ("top", .array(t.top.map { p in .object([("pid", .int(p.pid)), ("name", .string(p.name)), ("rss_pages", .int(p.rssPages))]) })),
                ("victim_rss_pages", .opt(t.victimRssPages)), ("victim_share", .opt(t.victimShare)), ("victim_tgid_rows", .opt(t.victimTgidRows)),
            ]) } ?? .null),
        ])
    }

    static func counts(_ d: [String: Int]) -> JSON {
        .object(d.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
    }

    public static func capture(_ c: CaptureSummary) -> JSON {
        var byKind = c.retransmissionsByKind
        for k in ["retransmission", "fast_retransmission", "spurious_retransmission"] where byKind[k] == nil { byKind[k] = 0 }
        var wsKind = c.wiresharkByKind
        for k in ["retransmission", "fast_retransmission", "spurious_retransmission"] where wsKind[k] == nil { wsKind[k] = 0 }
        return .object([
            ("path", .string(c.path)), ("link_type", .string(c.linkType)),
            ("frames", .int(c.frames)), ("tcp_segments", .int(c.tcpSegments)),
            ("duplicate_copies", .int(c.duplicateCopies)),
            ("retransmissions_wireshark", .int(c.retransmissionsWireshark)),
            ("retransmissions_real", .int(c.retransmissionsReal)),
            ("retransmissions_by_kind", counts(byKind)),
            ("retransmissions_wireshark_by_kind", counts(wsKind)),
            ("dup_acks_wireshark", .int(c.dupAcksWireshark)), ("dup_acks_real", .int(c.dupAcksReal)),
            ("syn_retransmissions_real", .int(c.synRetransmissionsReal)),
            ("resets", .int(c.resets)),
            ("first_time", ts(c.firstTime)), ("last_time", ts(c.lastTime)),
            ("copy_interfaces", counts(c.copyInterfaces)),
            ("address_rewrites", counts(c.addressRewrites)),
            ("skipped_frames", counts(c.skipped)),
            ("truncated_at", .opt(c.truncatedAt)),
            ("conversations", .int(c.conversations)),
            ("retired_conversations", .int(c.retiredConversations)),
            ("evicted_conversations", .int(c.evictedConversations)),
            ("flows", .array(c.flows.map(flow))),
        ])
    }

    static func flow(_ f: FlowSummary) -> JSON {
        .object([("flow", .string(f.flow)), ("segments", .int(f.segments)), ("retransmissions", .int(f.retransmissions)),
                 ("fast_retransmissions", .int(f.fast)), ("spurious_retransmissions", .int(f.spurious)),
                 ("syn_retransmissions", .int(f.synRetransmissions)), ("dup_acks", .int(f.dupAcks)),
                 ("zero_windows", .int(f.zeroWindows)), ("resets", .int(f.resets)), ("max_rto_s", .double(f.maxRTO)),
                 ("first_time", .string(f.first.iso8601)), ("last_time", .string(f.last.iso8601))])
    }

    static func event(_ e: RetransmissionEvent) -> JSON {
        .object([("frame", .int(e.frame)), ("time", .string(e.time.iso8601)),
                 ("epoch", .raw(epochString(e.time))), ("flow", .string(e.flow)), ("kind", .string(e.kind)),
                 ("copy_of", .opt(e.copyOf)), ("syn", .bool(e.isSYN)), ("rto_s", .opt(e.rto)),
                 ("capture", .string(e.capturePath)), ("copy_in", .opt(e.copyIn))])
    }

    /// `event(e).render(indent: 0)` without its newline, appended straight to `out` (millions of
    /// events: no tree, no intermediate strings). A test keeps the two identical.
    static func appendEvent(_ e: RetransmissionEvent, to out: inout String) {
        out += "{\"frame\":"; out += String(e.frame)
        out += ",\"time\":\""; out += e.time.iso8601
        out += "\",\"epoch\":"; out += epochString(e.time)
        out += ",\"flow\":"; JSON.escape(e.flow, into: &out)
        out += ",\"kind\":"; JSON.escape(e.kind, into: &out)
        out += ",\"copy_of\":"; out += e.copyOf.map(String.init) ?? "null"
        out += e.isSYN ? ",\"syn\":true" : ",\"syn\":false"
        out += ",\"rto_s\":"; out += e.rto.map { JSON.double($0).render(indent: 0).dropLast() } ?? "null"
        out += ",\"capture\":"; JSON.escape(e.capturePath, into: &out)
        out += ",\"copy_in\":"
        if let c = e.copyIn { JSON.escape(c, into: &out) } else { out += "null" }
        out += "}"
    }

    static func epochString(_ t: Timestamp) -> String {
        let s = t.nanos / 1_000_000_000, f = t.nanos % 1_000_000_000
        var fs = String(f)
        while fs.count < 9 { fs = "0" + fs }
        return "\(s).\(fs)"
    }

    static func burst(_ b: Burst) -> JSON {
        .object([("start", .string(b.start.iso8601)), ("end", .string(b.end.iso8601)), ("retransmissions", .int(b.count)),
                 ("first_frame", .string(b.firstFrame.description))])
    }

    /// Symptom episodes other than bursts: zero windows, RST storms, client timeouts, and (no
    /// capture) sar intervals with raised retransmissions or drops.
    static func symptom(_ s: Symptom) -> JSON {
        .object([("kind", .string(s.kind.rawValue)), ("start", .string(s.start.iso8601)), ("end", .string(s.end.iso8601)),
                 ("count", .int(s.count)), ("source", .string(s.provenance.description))])
    }

    static func hypothesis(_ h: Hypothesis) -> JSON {
        .object([
            ("rank", .int(h.rank)), ("id", .string(h.id.rawValue)), ("title", .string(h.title)),
            ("score", .double((h.score * 1000).rounded() / 1000)), ("score_explanation", .string(h.scoreExplanation)),
            ("summary", .string(h.summary)),
            ("evidence", .array(h.evidence.map(evidence))),
            ("counter_evidence", .array(h.counterEvidence.map(evidence))),
            ("next_step", .opt(h.nextStep)),
        ])
    }

    static func evidence(_ e: Evidence) -> JSON { .object([("text", .string(e.text)), ("source", .opt(e.source))]) }

    static func warning(_ w: Warning) -> JSON {
        .object([("source", .string(w.source.description)), ("message", .string(w.message)), ("code", .string(w.code))])
    }
}
