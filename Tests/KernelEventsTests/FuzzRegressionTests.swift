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

    @Test("an oom.group line with no cgroup path (FuzzOOMAssembler): no trap, both kills read")
    func groupLineWithoutPath() {
        let text = """
        [ 10.000000] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
        [ 10.000100] Tasks in are going to be killed due to memory.oom.group set
        [ 10.000200] Memory cgroup out of memory: Killed process 42 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0
        [ 20.000000] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
        [ 20.000100] Tasks in /kubepods/podX are going to be killed due to memory.oom.group set
        [ 20.000200] Memory cgroup out of memory: Killed process 43 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0
        """
        let kills = assemble(text).kills
        #expect(kills.count == 2)
        #expect(kills.map(\.victimPid) == [42, 43])
    }
}

