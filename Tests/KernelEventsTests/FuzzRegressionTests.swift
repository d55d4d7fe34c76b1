import Testing
import ForensicModel
@testable import KernelEvents

/// Inputs that crashed a fuzz target once (scripts/fuzz.sh); each must now parse or be refused.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test("printk stamp with more than 6 fractional digits (FuzzOOMAssembler)")
    func longFraction() {
        #expect(parsePrintkStamp("[ 120.0000510] x")?.micros == 120_000_051)
        #expect(parsePrintkStamp("[ 1.123456789] x")?.micros == 1_123_456)
        #expect(parsePrintkStamp("[ 1.1234567890] x") == nil)
    }
}
