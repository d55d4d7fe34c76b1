import Foundation
import Testing
@testable import Reporting

@Suite("JSON writer")
struct JSONTests {
    @Test("strings with quotes, backslashes, control characters and non-ASCII read back as written", arguments: [
        "plain", "", "say \"hi\"", "C:\\path\\x", "line1\nline2\r\n\ttab", "nul \u{0} bell \u{7} esc \u{1B}",
        "[main]>worker0", "naïve – ünïcödé ✓ 🚀", "\u{1F}\u{20}\u{7F}", "trailing backslash \\",
    ])
    func roundTrip(s: String) throws {
        let text = JSON.object([(s, .string(s)), ("k", .array([.string(s)]))]).render(indent: 0)
        let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(back?[s] as? String == s)
        #expect((back?["k"] as? [String])?.first == s)
        // nothing below 0x20 is written raw
        #expect(!text.utf8.contains { $0 < 0x20 && $0 != 0x0A })
    }
}
