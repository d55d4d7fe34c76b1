/// ANSI colour for the text report, applied line by line after layout (so widths stay right).
public enum TerminalColor {
    static let bold = "\u{1B}[1m", red = "\u{1B}[31m", green = "\u{1B}[32m", yellow = "\u{1B}[33m", dim = "\u{1B}[2m", reset = "\u{1B}[0m"

    public static func apply(_ text: String) -> String {
        var out: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var inWarnings = false
        for (i, l) in lines.enumerated() {
            let next = i + 1 < lines.count ? lines[i + 1] : ""
            if l.hasPrefix("Verdict:") {
                out.append(bold + l + reset)
            } else if !l.isEmpty, !next.isEmpty, next.allSatisfy({ $0 == "-" }) {
                inWarnings = l.hasPrefix("Warnings")
                out.append(bold + l + reset)
            } else if let d = l.first, d.isNumber, l.contains(" score "), l.contains(". ") {
                let top = l.hasPrefix("1. ")
                out.append((top ? bold + red : bold) + l + reset)
            } else if l.hasPrefix("   + ") {
                out.append("   " + green + "+" + reset + l.dropFirst(4))
            } else if l.hasPrefix("   - ") {
                out.append("   " + red + "-" + reset + l.dropFirst(4))
            } else if inWarnings && !l.isEmpty && !l.allSatisfy({ $0 == "-" }) {
                out.append(yellow + l + reset)
            } else if l.hasPrefix("Clock:") {
                out.append(yellow + l + reset)
            } else {
                out.append(l)
            }
        }
        return out.joined(separator: "\n")
    }
}
