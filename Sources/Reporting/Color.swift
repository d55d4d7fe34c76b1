/// Text built as styled segments: the report says what each piece *is* (a heading, the verdict,
/// a sign for or against) while it writes it, and the terminal colours come from that, never
/// from reading the finished text back. Plain rendering is the same text without the styles.
public enum Style: Sendable, Equatable {
    case plain
    /// The verdict line(s).
    case verdict
    /// A section title and its underline.
    case heading
    /// A hypothesis heading line; `top` for the leading one.
    case hypothesis(top: Bool)
    /// The sign of a piece of evidence for (`+`) or against (`-`).
    case support, against
    /// Something to be careful about: a warning, a clock note.
    case caution
}

public struct Styled: Sendable, Equatable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .plain) { self.text = text; self.style = style }
}

public struct StyledText: Sendable, Equatable {
    public var parts: [Styled] = []
    public init() {}
    public init(_ text: String, _ style: Style = .plain) { add(text, style) }

    public mutating func add(_ text: String, _ style: Style = .plain) {
        guard !text.isEmpty else { return }
        if let last = parts.last, last.style == style { parts[parts.count - 1].text += text } else { parts.append(Styled(text, style)) }
    }

    public static func += (a: inout StyledText, b: String) { a.add(b) }
    public static func += (a: inout StyledText, b: StyledText) { for p in b.parts { a.add(p.text, p.style) } }

    /// The text without styles.
    public var plain: String { parts.map(\.text).joined() }

    /// The text with ANSI SGR codes; each styled line is opened and reset on its own line (so a
    /// pager or `head` never leaves a colour running).
    public var ansi: String {
        var out = ""
        for p in parts {
            guard let code = TerminalColor.code(p.style) else { out += p.text; continue }
            let lines = p.text.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, l) in lines.enumerated() {
                if i > 0 { out += "\n" }
                if !l.isEmpty { out += code + l + TerminalColor.reset }
            }
        }
        return out
    }

    /// The lines up to the first empty one (`--quiet`: the verdict), styles kept.
    public func firstParagraph() -> StyledText {
        var out = StyledText()
        var atLineStart = true
        for p in parts {
            var kept = ""
            for c in p.text {
                if c == "\n" && atLineStart { out.add(kept, p.style); return out }
                kept.append(c)
                atLineStart = c == "\n"
            }
            out.add(kept, p.style)
        }
        return out
    }
}

public enum TerminalColor {
    static let bold = "\u{1B}[1m", red = "\u{1B}[31m", green = "\u{1B}[32m", yellow = "\u{1B}[33m", reset = "\u{1B}[0m"

    static func code(_ s: Style) -> String? {
        switch s {
        case .plain: return nil
        case .verdict, .heading: return bold
        case .hypothesis(let top): return top ? bold + red : bold
        case .support: return green
        case .against: return red
        case .caution: return yellow
        }
    }
}
