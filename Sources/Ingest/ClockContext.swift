import Foundation
import ForensicModel
import KernelEvents

/// What a bundle says about time: the node's zone, when it was collected, when it booted.
public struct ClockContext: Sendable {
    public var localClock: LocalClock = .utcUnknownYear
    /// Boot instant (UTC) of the collecting boot from `proc/stat` btime, or uptime + date.
    public var bootTime: Timestamp?
    public var bootTimeSource: String?
    /// ± seconds on `bootTime`.
    public var bootUncertainty: Double = 0
    public var collectionTime: Timestamp?
    /// Per boot id: UTC of kernel time 0 (realtime − monotonic from journal entries).
    public var journalBootOffsets: [String: Int64] = [:]
    public var notes: [String] = []

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
        if let p = tree.resolve("proc/stat"), let t = try? String(contentsOfFile: p, encoding: .utf8) {
            for l in t.split(separator: "\n") where l.hasPrefix("btime ") {
                if let v = Int64(l.dropFirst(6).trimmingCharacters(in: .whitespaces)) {
                    c.bootTime = Timestamp(nanos: v * 1_000_000_000)
                    c.bootTimeSource = "proc/stat btime (whole seconds)"
                    c.bootUncertainty = 1
                }
            }
        }
        if c.bootTime == nil, let ct = c.collectionTime,
           let p = tree.resolve("sos_commands/host/uptime") ?? tree.resolve("uptime") ?? tree.resolve("sos_commands/general/uptime"),
           let t = try? String(contentsOfFile: p, encoding: .utf8), let up = parseUptime(t) {
            c.bootTime = Timestamp(nanos: ct.nanos - up * 1_000_000_000)
            c.bootTimeSource = "uptime + date (minute precision)"
            c.bootUncertainty = 60
        }
        c.localClock = LocalClock(timeZone: zone ?? TimeZone(identifier: "UTC")!, reference: c.collectionTime,
                                  note: zoneNote + (c.collectionTime == nil ? "; year unknown (no date file)" : "; year from the collection date"))
        c.notes.append(c.localClock.note)
        return c
    }

    /// `Wed Nov 25 14:12:52 UTC 2026`
    static func parseDateOutput(_ s: String) -> Timestamp? {
        let f = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard f.count >= 6, let m = CivilTime.month(named: f[1]), let d = Int(f[2]), let y = Int(f[5]) else { return nil }
        let hms = f[3].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, f[4] == "UTC" || f[4] == "GMT" else { return nil }
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
