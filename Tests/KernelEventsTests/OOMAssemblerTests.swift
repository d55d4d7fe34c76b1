import Testing
import ForensicModel
@testable import KernelEvents

/// Feeds `[ s.us] message` lines (dmesg layout) to a fresh assembler.
func assemble(_ text: String, path: String = "dmesg") -> OOMAssembler {
    var a = OOMAssembler()
    for (i, l) in text.split(separator: "\n").enumerated() {
        guard let (micros, msg) = parsePrintkStamp(l) else { continue }
        a.feed(KernelLine(message: String(msg), kernelMicros: micros, sourceKind: .dmesg, provenance: Provenance(path: path, line: i + 1)))
    }
    a.finish()
    return a
}

@Suite("OOM record assembly")
struct OOMAssemblerTests {
    // 5.10, cgroup v2, systemd driver; the invoker is a JVM thread whose comm has brackets and '>'.
    static let memcgV2 = """
    [ 3100.000000] [main]>worker0 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936
    [ 3100.000011] CPU: 1 PID: 4311 Comm: [main]>worker0 Not tainted 5.10.0-28-amd64 #1 Debian 5.10.209-2
    [ 3100.000110] memory: usage 2097152kB, limit 2097152kB, failcnt 1487
    [ 3100.000154] Tasks state (memory values in pages):
    [ 3100.000165] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
    [ 3100.000176] [   4242]  1000  4242  1203456   524288  4395008        0           936 java
    [ 3100.000187] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-daca812a99d1.scope,mems_allowed=0,oom_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3b1f8a52_6c1e_4d0b_9a57_2f0e8c4d7a91.slice/cri-containerd-daca812a99d17c6adb17dd71bd1ee2a1af2acbb2c8b9f5fe55f85f597a9328da.scope,task_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3b1f8a52_6c1e_4d0b_9a57_2f0e8c4d7a91.slice/cri-containerd-daca812a99d17c6adb17dd71bd1ee2a1af2acbb2c8b9f5fe55f85f597a9328da.scope,task=java,pid=4242,uid=1000
    [ 3100.000198] Memory cgroup out of memory: Killed process 4242 (java) total-vm:4813824kB, anon-rss:2095104kB, file-rss:2048kB, shmem-rss:0kB, UID:1000 pgtables:4292kB oom_score_adj:936
    [ 3100.500000] systemd-journald[312]: something else in between
    [ 3101.420000] oom_reaper: reaped process 4242 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
    """

    @Test("memcg v2 record: every field, pod and container from the systemd cgroup path")
    func memcgV2() throws {
        let a = assemble(Self.memcgV2)
        #expect(a.warnings.isEmpty)
        let k = try #require(a.kills.first)
        #expect(a.kills.count == 1)
        #expect(k.scope == .memcg)
        #expect(k.invokerComm == "[main]>worker0")
        #expect(k.invokerPid == 4311)
        #expect(k.victimPid == 4242)
        #expect(k.victimComm == "java")
        #expect(k.victimUid == 1000)
        #expect(k.victimOomScoreAdj == 936)
        #expect(k.totalVmKB == 4_813_824)
        #expect(k.anonRssKB == 2_095_104)
        #expect(k.fileRssKB == 2048)
        #expect(k.shmemRssKB == 0)
        #expect(k.memcgUsageKB == 2_097_152)
        #expect(k.podUID == "3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91")
        #expect(k.containerID == "daca812a99d17c6adb17dd71bd1ee2a1af2acbb2c8b9f5fe55f85f597a9328da")
        #expect(k.kInvoked == 3_100_000_000)
        #expect(k.kKilled == 3_100_000_198)
        #expect(k.kReaped == 3_101_420_000)
        #expect(k.reaped)
        let d = try #require(k.killDuration)
        #expect(abs(d.seconds - 1.42) < 1e-9)
        #expect(d.end == "reaped")
        #expect(k.source.description == "dmesg:8")
        #expect(k.invokedAt?.line == 1)
        #expect(k.reapedAt?.line == 10)
    }

    @Test("4.x global OOM: 'Kill process … or sacrifice child', no reaper line, comm with a space")
    func globalOldKernel() throws {
        let a = assemble("""
        [  812.100000] kworker/u4:2 invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, oom_score_adj=0
        [  812.100010] CPU: 0 PID: 77 Comm: kworker/u4:2 Not tainted 4.19.0-25-amd64 #1 Debian 4.19.289-2
        [  812.100300] Out of memory: Kill process 2001 (Web Content) score 912 or sacrifice child
        [  812.100310] Killed process 2001 (Web Content) total-vm:3000000kB, anon-rss:1500000kB, file-rss:100kB, shmem-rss:12kB
        """)
        let k = try #require(a.kills.first)
        #expect(a.kills.count == 1)
        #expect(k.scope == .global)
        #expect(k.victimComm == "Web Content")
        #expect(k.invokerComm == "kworker/u4:2")
        #expect(k.invokerPid == 77)
        #expect(k.shmemRssKB == 12)
        #expect(k.victimUid == nil)
        #expect(!k.reaped)
        let d = try #require(k.killDuration)
        #expect(d.end == "killed")
        #expect(abs(d.seconds - 0.00031) < 1e-9)
    }

    @Test("4.x memcg: 'Task in … killed as a result of limit of …' gives the cgroups (cgroupfs driver)")
    func taskInLine() throws {
        let a = assemble("""
        [  100.000000] java invoked oom-killer: gfp_mask=0x6000c0(GFP_KERNEL), nodemask=(null), order=0, oom_score_adj=999
        [  100.000100] Task in /kubepods/burstable/pod0f0e0d0c-1111-2222-3333-444455556666/8f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a killed as a result of limit of /kubepods/burstable/pod0f0e0d0c-1111-2222-3333-444455556666
        [  100.000200] Memory cgroup out of memory: Kill process 900 (java) score 1999 or sacrifice child
        [  100.000210] Killed process 900 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB
        [  100.050000] oom_reaper: reaped process 900 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
        """)
        let k = try #require(a.kills.first)
        #expect(k.scope == .memcg)
        #expect(k.podUID == "0f0e0d0c-1111-2222-3333-444455556666")
        #expect(k.containerID == "8f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a")
        #expect(k.memcg == "/kubepods/burstable/pod0f0e0d0c-1111-2222-3333-444455556666")
        #expect(k.kReaped == 100_050_000)
    }

    @Test("oom_group: two victims of one invocation share invoker and start")
    func oomGroup() {
        let a = assemble("""
        [ 50.000000] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
        [ 50.000100] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=app,pid=10,uid=0
        [ 50.000200] Memory cgroup out of memory: Killed process 10 (app) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0
        [ 50.000300] Tasks in /a are going to be killed due to memory.oom.group set
        [ 50.000400] Memory cgroup out of memory: Killed process 11 (helper) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0
        [ 50.100000] oom_reaper: reaped process 11 (helper), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
        """)
        #expect(a.kills.map(\.victimPid) == [10, 11])
        #expect(a.kills.allSatisfy { $0.invokerComm == "app" && $0.kInvoked == 50_000_000 })
        #expect(a.kills[1].reaped && !a.kills[0].reaped)
    }

    @Test("a record cut by grep still yields what it can, with warnings; repeated lines are ignored")
    func filteredAndRepeated() {
        let a = assemble("""
        [ 10.000000] Memory cgroup out of memory: Killed process 5 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB
        [ 10.000000] Memory cgroup out of memory: Killed process 5 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB
        [ 11.000000] oom_reaper: reaped process 99 (y), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
        [ 12.000000] z invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
        """)
        #expect(a.kills.count == 1)
        #expect(a.kills[0].invokerComm == nil)
        #expect(a.warnings.count == 4) // no invoker; repeated; reaper without kill; invocation without kill
    }

    @Test("sysrq manual OOM (order=-1)")
    func sysrq() {
        let a = assemble("""
        [ 5.000000] kworker/0:1 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=-1, oom_score_adj=0
        [ 5.000100] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=bash,pid=3,uid=0
        [ 5.000200] Out of memory: Killed process 3 (bash) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0
        """)
        #expect(a.kills.first?.scope == .sysrq)
    }

    @Test("old kernels list threads in the task table: thread count from rows with tgid = victim")
    func taskTableThreads() {
        let a = assemble("""
        [ 7.000000] java invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0
        [ 7.000001] [ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name
        [ 7.000002] [  700]     0   700    10000     5000   1       0             0 java
        [ 7.000003] [  701]     0   700    10000     5000   0       0             0 java
        [ 7.000004] [  702]     0   700    10000     5000   1       0             0 java
        [ 7.000005] [  800]     0   800      100       50   0       0             0 sshd
        [ 7.000006] Out of memory: Kill process 700 (java) score 900 or sacrifice child
        [ 7.000007] Killed process 700, UID 0, (java) total-vm:40000kB, anon-rss:20000kB, file-rss:0kB
        """)
        #expect(a.kills.first?.victimThreads == 3)
    }
}
