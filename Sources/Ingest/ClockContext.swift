import Foundation
import ForensicModel
import KernelEvents

/// What a bundle says about time: the node's zone, when it was collected, when it booted.
/// The clocks behind each source and how they reach UTC: docs/spec/clocks.md.
public struct ClockContext: Sendable {
    public var localClock: LocalClock = .utcUnknownYear
    /// Boot instant (UTC) of the collecting boot from `proc/stat` btime, or uptime + date.
    public var bootTime: Timestamp?
    public var bootTimeSource: String?
    /// ± seconds on `bootTime`.
    public var bootUncertainty: Double = 0
    /// Whether the node's zone was found (else local times were read as UTC).
    public var zoneKnown = false
    public var collectionTime: Timestamp?
    /// Per boot id: UTC of kernel time 0 (realtime − monotonic from journal entries).
    public var journalBootOffsets: [String: Int64] = [:]
    public var notes: [String] = []
    /// Every estimate of the boot instant (UTC epoch seconds, an interval), with its source.
    public var bootIntervals: [BootInterval] = []
    /// Disagreements between clock sources, for the warnings.
    public var conflicts: [String] = []

    public struct BootInterval: Sendable {
        public var lo: Double, hi: Double, source: String
        public var width: Double { hi - lo }
    }

    /// Picks the boot instant: the intersection of all estimates when they agree, else the
    /// tightest (the disagreement is recorded). Sets `bootTime`, its source and its uncertainty.
    public mutating func resolveBoot() {
        guard !bootIntervals.isEmpty else { return }
        let sorted = bootIntervals.sorted { $0.width < $1.width }
        var lo = sorted[0].lo, hi = sorted[0].hi
        var used = [sorted[0].source]
        for b in sorted.dropFirst() {
            let nlo = max(lo, b.lo), nhi = min(hi, b.hi)
            if nlo <= nhi { lo = nlo; hi = nhi; used.append(b.source) } else {
                let gap = b.lo > hi ? b.lo - hi : lo - b.hi
                conflicts.append("boot time from \(b.source) disagrees with \(used.joined(separator: " + ")) by \(Int(gap.rounded())) s; the tighter estimate is kept")
            }
        }
        let mid = (lo + hi) / 2
        bootTime = Timestamp(nanos: Int64((mid * 1e9).rounded()))
        bootUncertainty = max((hi - lo) / 2, 0.001) + 1e-6   // (the epochs are floats)
        bootTimeSource = used.joined(separator: " ∩ ")
    }

    public init() {}

    /// Reads `etc/localtime`, `sos_commands/date/*`, `proc/stat` and `uptime` from a sos tree.
    public static func from(tree: InputTree) -> ClockContext {
        var c = ClockContext()
        var zone: TimeZone?
        var zoneNote = "zone: UTC assumed (no etc/localtime)"
        let lt = tree.root + "/etc/localtime"
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: lt), let r = target.range(of: "zoneinfo/") {
            let name = String(target[r.upperBound...])
            if let z = TimeZone(identifier: name) { zone = z; zoneNote = "zone \(name) (etc/localtime)" }
        } else if let tz = tree.resolve("etc/timezone").flatMap({ try? String(contentsOfFile: $0, encoding: .utf8) }),
                  let z = TimeZone(identifier: tz.trimmingCharacters(in: .whitespacesAndNewlines)) {
            zone = z; zoneNote = "zone \(z.identifier) (etc/timezone)"
        }
        // Collection time: `date --utc` output, e.g. "Wed Nov 25 14:12:52 UTC 2026".
        for rel in ["sos_commands/date/date_--utc", "sos_commands/general/date_--utc"] {
            if let p = tree.resolve(rel), let t = try? String(contentsOfFile: p, encoding: .utf8), let ts = parseDateOutput(t) {
                c.collectionTime = ts
                c.notes.append("collected at \(ts.iso8601) (\(rel))")
                break
            }
        }
        // sos 4.2+ records the exact epoch at which each command ran.
        let runAt = manifestCommandTimes(tree)
        if c.collectionTime == nil, let t = runAt["sos_commands/date/date_--utc"] ?? runAt.values.min() {
            c.collectionTime = Timestamp(nanos: Int64(t * 1e9))
            c.notes.append("collected at \(c.collectionTime!.iso8601) (sos_reports/manifest.json)")
        }
        if let p = tree.resolve("proc/stat"), let t = try? String(contentsOfFile: p, encoding: .utf8) {
            for l in t.split(separator: "\n") where l.hasPrefix("btime ") {
                if let v = Double(l.dropFirst(6).trimmingCharacters(in: .whitespaces)) {
                    c.bootIntervals.append(BootInterval(lo: v, hi: v + 1, source: "proc/stat btime"))
                }
            }
        }
        for rel in ["sos_commands/host/uptime", "uptime", "sos_commands/general/uptime"] {
            guard let p = tree.resolve(rel), let t = try? String(contentsOfFile: p, encoding: .utf8), let up = parseUptime(t) else { continue }
            // `uptime` prints whole minutes: the real uptime is in [up, up + 60).
            if let at = runAt[rel] {
                c.bootIntervals.append(BootInterval(lo: at - Double(up) - 60, hi: at - Double(up), source: "uptime + its run time in manifest.json"))
            } else if let ct = c.collectionTime {
                c.bootIntervals.append(BootInterval(lo: ct.seconds - Double(up) - 61, hi: ct.seconds - Double(up) + 1, source: "uptime + date"))
            }
            break
        }
        if let p = tree.resolve("proc/uptime"), let t = try? String(contentsOfFile: p, encoding: .utf8),
           let up = Double(t.split(separator: " ").first ?? ""), let at = runAt["proc/uptime"] ?? c.collectionTime?.seconds {
            let slack = runAt["proc/uptime"] == nil ? 60.0 : 1.0
            c.bootIntervals.append(BootInterval(lo: at - up - slack, hi: at - up + slack, source: "proc/uptime + \(runAt["proc/uptime"] == nil ? "collection time" : "manifest.json")"))
        }
        // The zone: etc/localtime (a link to a zone, or a TZif file), etc/timezone; checked
        // against what `date` and `date --utc` printed at the same moment.
        if zone == nil, let z = tzifZone(tree) { zone = z.zone; zoneNote = z.note }
        if let off = dateOffset(tree) {
            if let z = zone, let ct = c.collectionTime {
                let zoff = z.secondsFromGMT(for: Date(timeIntervalSince1970: ct.seconds))
                if abs(zoff - off) >= 60 {
                    c.conflicts.append("the zone \(z.identifier) (UTC\(fmtOffset(zoff))) disagrees with sos_commands/date (date vs date --utc: UTC\(fmtOffset(off))); the latter is used")
                    zone = TimeZone(secondsFromGMT: off); zoneNote = "zone UTC\(fmtOffset(off)) from date vs date --utc (etc/localtime disagreed)"
                }
            } else if zone == nil {
                zone = TimeZone(secondsFromGMT: off); zoneNote = "zone UTC\(fmtOffset(off)) from date vs date --utc (no zone file; daylight-saving changes not known)"
            }
        }
        c.resolveBoot()
        c.localClock = LocalClock(timeZone: zone ?? TimeZone(identifier: "UTC")!, reference: c.collectionTime,
                                  note: zoneNote + (c.collectionTime == nil ? "; year unknown (no date file)" : "; year from the collection date"))
        c.zoneKnown = zone != nil
        c.localClock.zoneAssumed = zone == nil
        c.notes.append(c.localClock.note)
        return c
    }

    /// `components.report.plugins.*.commands[].{filepath, start_time}` of sos_reports/manifest.json.
    static func manifestCommandTimes(_ tree: InputTree) -> [String: Double] {
        guard let p = tree.resolve("sos_reports/manifest.json"), let d = FileManager.default.contents(atPath: p),
              let obj = try? JSONSerialization.jsonObject(with: d) as? [String: Any],
              let comps = obj["components"] as? [String: Any], let rep = comps["report"] as? [String: Any],
              let plugins = rep["plugins"] as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        for case let plugin as [String: Any] in plugins.values {
            for case let cmd as [String: Any] in (plugin["commands"] as? [Any]) ?? [] {
                if let f = cmd["filepath"] as? String, let t = cmd["start_time"] as? Double { out[f] = t }
            }
        }
        return out
    }

    /// A zone from `etc/localtime` when it is a TZif file, not a link: the same bytes as one of
    /// the zones in the bundle's or this machine's zoneinfo, else the fixed offset of its POSIX
    /// footer (`CST-8`).
    static func tzifZone(_ tree: InputTree) -> (zone: TimeZone, note: String)? {
        guard let p = tree.resolve("etc/localtime"), let bytes = FileManager.default.contents(atPath: p), bytes.starts(with: Array("TZif".utf8)) else { return nil }
        for base in [tree.root + "/usr/share/zoneinfo", "/usr/share/zoneinfo"] {
            guard let e = FileManager.default.enumerator(atPath: base) else { continue }
            var checked = 0
            while let rel = e.nextObject() as? String, checked < 4000 {
                if rel.hasPrefix("posix") || rel.hasPrefix("right") { continue }
                let f = base + "/" + rel
                var st = stat()
                guard lstat(f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == bytes.count else { continue }
                checked += 1
                if FileManager.default.contents(atPath: f) == bytes, let z = TimeZone(identifier: rel) {
                    return (z, "zone \(rel) (etc/localtime is a copy of it)")
                }
            }
        }
        // POSIX TZ footer of a TZif v2+ file: the last line
        let text = String(decoding: bytes.suffix(64), as: UTF8.self)
        guard let footer = text.split(separator: "\n").last, !footer.contains(","), !footer.isEmpty else { return nil }
        let name = footer.prefix { $0.isLetter }
        let rest = footer.dropFirst(name.count)
        guard let h = Int(rest.prefix { $0 == "-" || $0 == "+" || $0.isNumber }) else { return nil }
        return (TimeZone(secondsFromGMT: -h * 3600) ?? TimeZone(identifier: "UTC")!, "zone \(footer) (the POSIX rule in etc/localtime)")
    }

    /// `date` minus `date --utc` (they ran within a second of each other), in seconds.
    static func dateOffset(_ tree: InputTree) -> Int? {
        for dir in ["sos_commands/date", "sos_commands/general"] {
            guard let a = tree.resolve(dir + "/date").flatMap({ try? String(contentsOfFile: $0, encoding: .utf8) }),
                  let b = tree.resolve(dir + "/date_--utc").flatMap({ try? String(contentsOfFile: $0, encoding: .utf8) }),
                  let local = parseDateOutput(a, anyZone: true), let utc = parseDateOutput(b) else { continue }
            // zones are whole quarter hours; the two commands ran a moment apart
            let d = local.seconds - utc.seconds
            return Int((d / 900).rounded()) * 900
        }
        return nil
    }

    /// `Wed Nov 25 14:12:52 UTC 2026`
    /// With `anyZone`, the zone word is ignored and the wall time is returned as if UTC.
    static func parseDateOutput(_ s: String, anyZone: Bool = false) -> Timestamp? {
        let f = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard f.count >= 6, let m = MonthNames.month(f[1]), let d = Int(f[2]), let y = Int(f[5]) else { return nil }
        let hms = f[3].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, anyZone || f[4] == "UTC" || f[4] == "GMT" else { return nil }
        return Timestamp(nanos: CivilTime(year: y, month: m, day: d, hour: hms[0], minute: hms[1], second: hms[2]).epochSeconds * 1_000_000_000)
    }

    /// ` 14:12:52 up 3 days,  4:05,  1 user, ...` → seconds.
    static func parseUptime(_ s: String) -> Int64? {
        guard let r = s.range(of: " up ") else { return nil }
        var rest = s[r.upperBound...]
        var total: Int64 = 0
        if let d = rest.range(of: " day") {
            guard let days = Int64(rest[..<d.lowerBound].trimmingCharacters(in: .whitespaces)) else { return nil }
            total += days * 86400
            rest = rest[d.upperBound...].drop { $0 != "," }.dropFirst()
        }
        let part = rest.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if part.hasSuffix("min") {
            total += (Int64(part.dropLast(3).trimmingCharacters(in: .whitespaces)) ?? 0) * 60
        } else {
            let hm = part.split(separator: ":").compactMap { Int64($0) }
            if hm.count == 2 { total += hm[0] * 3600 + hm[1] * 60 } else if total == 0 { return nil }
        }
        return total
    }
}

func fmtSeconds(_ s: Double) -> String {
    s >= 1 ? "\(Int(s.rounded())) s" : s >= 0.001 ? "\(Int((s * 1000).rounded())) ms" : "0 s"
}

func fmtOffset(_ s: Int) -> String {
    let sign = s < 0 ? "-" : "+", a = abs(s)
    return "\(sign)\(a / 3600)" + (a % 3600 == 0 ? "" : ":\(a % 3600 / 60 < 10 ? "0" : "")\(a % 3600 / 60)")
}
