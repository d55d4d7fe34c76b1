import ForensicModel

/// A JSON value with ordered object keys, so output is byte-identical run to run.
public indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    /// A number written exactly as given (e.g. kernel seconds `3600.123456`).
    case raw(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func opt(_ v: String?) -> JSON { v.map(JSON.string) ?? .null }
    public static func opt(_ v: Int?) -> JSON { v.map(JSON.int) ?? .null }
    public static func opt(_ v: Double?) -> JSON { v.map(JSON.double) ?? .null }

    public func render(indent: Int = 2) -> String {
        var out = ""
        write(&out, level: 0, indent: indent)
        out.append("\n")
        return out
    }

    private func write(_ out: inout String, level: Int, indent: Int) {
        let nl = indent > 0 ? "\n" : ""
        let pad = String(repeating: " ", count: indent * (level + 1))
        let padEnd = String(repeating: " ", count: indent * level)
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                let r = (d * 1_000_000).rounded() / 1_000_000
                var s = String(r)
                if s.contains("e") { s = String(format6(r)) }
                out += s
            } else { out += "null" }
        case .raw(let s): out += s
        case .string(let s): Self.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[" + nl
            for (i, v) in a.enumerated() {
                out += pad
                v.write(&out, level: level + 1, indent: indent)
                out += (i + 1 < a.count ? "," : "") + nl
            }
            out += padEnd + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (i, (k, v)) in o.enumerated() {
                out += pad
                Self.escape(k, into: &out)
                out += indent > 0 ? ": " : ":"
                v.write(&out, level: level + 1, indent: indent)
                out += (i + 1 < o.count ? "," : "") + nl
            }
            out += padEnd + "}"
        }
    }

    private func format6(_ d: Double) -> String {
        let neg = d < 0
        let v = abs(d)
        let whole = Int64(v)
        let frac = Int64(((v - Double(whole)) * 1_000_000).rounded())
        var f = String(frac)
        while f.count < 6 { f = "0" + f }
        return (neg ? "-" : "") + "\(whole).\(f)"
    }

    static func escape(_ s: String, into out: inout String) {
        out.append("\"")
        // most strings (names, addresses, times) need no escaping: appended whole
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(s)
            out.append("\"")
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { out.unicodeScalars.append(u) }
            }
        }
        out.append("\"")
    }
}
