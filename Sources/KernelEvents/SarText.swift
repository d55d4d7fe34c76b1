/// The text output of sysstat's `sar` (`sar -A`, or one report such as `sar -B`), as sos stores
/// it (`sos_commands/sar/sarDD`) and as `sa2` writes it (`/var/log/sa/sarDD`). Recognised by its
/// content: the `Linux <release> (<host>) <date> …` banner, then sections made of a header line
/// (a time and column names) and rows (a time and values, after an optional label such as an
/// interface name). Pure: times stay wall-clock seconds after midnight of the banner's date;
/// Ingest places them on UTC with the node's zone.
public struct SarText: Sendable {
    public struct Sample: Sendable, Equatable {
        /// Seconds after midnight of the banner's date at which the interval began and ended
        /// (more than 86 400 after midnight, for rows past it).
        public var start: Int
        public var end: Int
        /// The row's first column when it is a name (`eth0`, `all`), else nil.
        public var label: String?
        public var values: [String: Double]
        public var line: Int
    }

    public var host: String?
    public var kernel: String?
    /// Year, month, day of the banner.
    public var year: Int?
    public var month: Int?
    public var day: Int?
    /// How the date was read (`MM/DD/YYYY` is the C locale's; day and month are told apart when one exceeds 12).
    public var dateNote: String?
    public var samples: [Sample] = []
    /// Lines that were neither a banner, a header, a row, an average nor a restart.
    public var skippedLines = 0

    /// Whether a text is sar output: its first non-empty line is the banner.
    public static func looksLikeSar(_ text: Substring) -> Bool {
        guard let first = text.splitBytes(separator: "\n").first(where: { !$0.trimmedSpaces().isEmpty }) else { return false }
        return banner(first) != nil
    }

    /// `Linux 5.4.0-169-generic (node7) 	03/05/2025 	_x86_64_	(4 CPU)` → kernel, host, date.
    static func banner(_ l: Substring) -> (kernel: String, host: String, date: Substring)? {
        let f = l.splitBytes(separator: " ").flatMap { $0.splitBytes(separator: "\t") }
        guard f.count >= 4, f[0] == "Linux", f[2].hasPrefix("("), f[2].hasSuffix(")"), f.contains(where: { $0.hasPrefix("_") && $0.hasSuffix("_") }) else { return nil }
        return (String(f[1]), String(f[2].dropFirst().dropLast()), f[3])
    }

    /// `23:50:01`, or `11:50:01` + `PM`: seconds after midnight and how many fields it took.
    static func time(_ f: [Substring]) -> (Int, Int)? {
        guard let t = f.first else { return nil }
        let p = t.splitBytes(separator: ":")
        guard p.count == 3, let h = Int(p[0]), let m = Int(p[1]), let s = Int(p[2]), (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
        if f.count > 1, f[1] == "AM" || f[1] == "PM" {
            guard (1...12).contains(h) else { return nil }
            let h24 = (h % 12) + (f[1] == "PM" ? 12 : 0)
            return (h24 * 3600 + m * 60 + s, 2)
        }
        return (h * 3600 + m * 60 + s, 1)
    }

    public init(_ text: Substring) {
        var columns: [Substring] = []
        var labelColumn = false
        var prev: Int?
        var dayOffset = 0
        var sawBanner = false
        for (i, raw) in text.splitBytes(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let f = l.splitBytes(separator: " ").flatMap { $0.splitBytes(separator: "\t") }
            if f.isEmpty { continue }
            if !sawBanner, let b = Self.banner(l) {
                sawBanner = true
                kernel = b.kernel; host = b.host
                readDate(b.date)
                continue
            }
            if f[0] == "Average:" || f[0] == "Summary:" { continue }
            guard let (t, used) = Self.time(f) else { skippedLines += 1; continue }
            let rest = Array(f.dropFirst(used))
            if rest.contains(where: { $0 == "RESTART" }) { prev = nil; columns = []; continue }   // LINUX RESTART: a new boot
            guard !rest.isEmpty else { skippedLines += 1; continue }
            // a row: numbers, the first field may be a label; anything else is a header
            let header = rest.dropFirst().contains { Double($0) == nil } || (rest.count == 1 && Double(rest[0]) == nil)
            if header {
                // a header: column names (the first may name the label column: IFACE, CPU, DEV)
                columns = rest
                labelColumn = ["IFACE", "CPU", "DEV", "INTR", "TTY", "FILESYSTEM", "TYPE", "BUS", "FCHOST", "MOUNTPOINT"].contains(String(rest[0]))
                prev = t
                dayOffset = 0
                continue
            }
            guard !columns.isEmpty, rest.count == columns.count else { skippedLines += 1; continue }
            var tt = t + dayOffset
            if let p = prev, tt < p { dayOffset += 86_400; tt += 86_400 }   // past midnight
            var values: [String: Double] = [:]
            var label: String?
            for (c, v) in zip(columns, rest) {
                if let d = Double(v) { values[String(c)] = d } else if labelColumn && c == columns[0] { label = String(v) }
            }
            // The interval began at the previous row (or the header's time); rows of one
            // interval with different labels share it.
            let start = samples.last.flatMap { $0.end == tt ? $0.start : nil } ?? (prev ?? tt)
            samples.append(Sample(start: min(start, tt), end: tt, label: label, values: values, line: i + 1))
            prev = tt
        }
    }

    /// `2025-03-05` (S_TIME_FORMAT=ISO), `03/05/2025` or `03/05/25` (C locale: month first; the
    /// day first when the first number exceeds 12).
    mutating func readDate(_ d: Substring) {
        let iso = d.splitBytes(separator: "-")
        if iso.count == 3, let y = Int(iso[0]), let m = Int(iso[1]), let dd = Int(iso[2]) {
            (year, month, day, dateNote) = (y, m, dd, "banner date \(d) (ISO)")
            return
        }
        let p = d.splitBytes(separator: "/")
        guard p.count == 3, let a = Int(p[0]), let b = Int(p[1]), var y = Int(p[2]) else { return }
        if y < 100 { y += 2000 }
        if a > 12, b <= 12 {
            (year, month, day, dateNote) = (y, b, a, "banner date \(d) read day first (the first number exceeds 12)")
        } else {
            (year, month, day, dateNote) = (y, a, b, "banner date \(d) read month first (the C locale's MM/DD)" + (b <= 12 && a != b ? "; day-first locales would read it the other way" : ""))
        }
        if !(1...12).contains(month!) || !(1...31).contains(day!) { year = nil; month = nil; day = nil; dateNote = "banner date \(d) not understood" }
    }

    /// The samples of one column (`pgscand/s`), with their labels.
    public func series(_ column: String) -> [Sample] { samples.filter { $0.values[column] != nil } }
}
