/// `/proc/pressure/{memory,io,cpu}` (PSI, 4.20+): `some avg10=0.12 avg60=0.05 avg300=0.01
/// total=123456` and `full …` (total in µs of stall since boot). Pure.
public enum ProcPressure {
    public static func looksLikePressure(_ text: Substring) -> Bool {
        let lines = text.splitBytes(separator: "\n")
        return !lines.isEmpty && lines.allSatisfy { ($0.hasPrefix("some ") || $0.hasPrefix("full ")) && $0.has("avg10=") && $0.has("total=") }
    }

    /// `psi_<resource>_<some|full>_<avg10|avg60|avg300|total_s>` (total converted to seconds).
    public static func parse(_ text: Substring, resource: String) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for l in text.splitBytes(separator: "\n") {
            let f = l.splitBytes(separator: " ")
            guard let kind = f.first, kind == "some" || kind == "full" else { continue }
            for kv in f.dropFirst() {
                let p = kv.splitBytes(separator: "=", maxSplits: 1)
                guard p.count == 2, let v = Double(p[1]) else { continue }
                if p[0] == "total" { out.append(("psi_\(resource)_\(kind)_total_s", v / 1e6)) }
                else if ["avg10", "avg60", "avg300"].contains(String(p[0])) { out.append(("psi_\(resource)_\(kind)_\(p[0])", v)) }
            }
        }
        return out
    }
}
