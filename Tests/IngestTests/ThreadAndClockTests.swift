import Foundation
import Testing
import ForensicModel
import KernelEvents
@testable import Ingest

@Suite("Thread counts and clock placement")
struct ThreadAndClockTests {
    func kill(pid: Int, comm: String, taskMemcg: String?) -> OOMKill {
        var k = OOMKill(source: Provenance(path: "dmesg", line: 1), sourceKind: .dmesg)
        k.victimPid = pid
        k.victimComm = comm
        k.taskMemcg = taskMemcg
        k.podUID = taskMemcg.flatMap(CgroupPath.podUID)
        k.containerID = taskMemcg.flatMap(CgroupPath.containerID)
        return k
    }

    static let pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3b1f8a52_6c1e_4d0b_9a57_2f0e8c4d7a91.slice"

    @Test("pid first, then the same container, then the same pod; estimates say so")
    func order() {
        let procs: [(PsProcess, String)] = [
            (PsProcess(pid: 10, comm: "java", command: nil, threads: 7, cgroup: nil, line: 2), "ps"),
            (PsProcess(pid: 20, comm: "java", command: nil, threads: 120, cgroup: Self.pod + "/cri-containerd-aaaaaaaaaaaa1111.scope", line: 3), "ps"),
            (PsProcess(pid: 30, comm: "java", command: nil, threads: 300, cgroup: Self.pod + "/cri-containerd-bbbbbbbbbbbb2222.scope", line: 4), "ps"),
        ]
        var kills = [kill(pid: 10, comm: "java", taskMemcg: nil),
                     kill(pid: 99, comm: "java", taskMemcg: Self.pod + "/cri-containerd-aaaaaaaaaaaa1111.scope"),
                     kill(pid: 98, comm: "java", taskMemcg: Self.pod + "/cri-containerd-cccccccccccc3333.scope"),
                     kill(pid: 97, comm: "python", taskMemcg: Self.pod + "/cri-containerd-cccccccccccc3333.scope")]
        ThreadCounts.attach(to: &kills, processes: procs)
        #expect(kills.map(\.victimThreads) == [7, 120, 300, nil])
        #expect(kills[0].victimThreadsSource?.hasPrefix("ps: same pid") == true)
        #expect(kills[1].victimThreadsSource?.contains("same container") == true)
        #expect(kills[2].victimThreadsSource?.contains("restarted java pid 30 in the same pod") == true)
    }

    @Test("proc/<pid>/status with cgroup v1 and v2 cgroup files")
    func procStatus() {
        let p = ProcStatus.parse(status: "Name:\tjava\nUmask:\t0022\nTgid:\t8100\nPid:\t8100\nThreads:\t300\n",
                                 cgroup: "12:memory:/kubepods/burstable/pod0f0e0d0c-1111-2222-3333-444455556666/abcdefabcdef\n11:cpu:/x\n")
        #expect(p?.threads == 300 && p?.pid == 8100 && p?.comm == "java")
        #expect(p?.cgroup.flatMap(CgroupPath.podUID) == "0f0e0d0c-1111-2222-3333-444455556666")
    }

    @Test("dmesg lines take the offset of the nearest journal copy, and say how they were placed")
    func nearestAnchor() throws {
        let r = Ingestor().run(IngestRequest(path: Fixtures.bundle))
        let truth = try Fixtures.truth()
        // the kills are read from the journal; the dmesg copies were placed by the nearest anchors
        for (k, t) in zip(r.oomKills, truth.kills) {
            #expect(k.timeSource?.contains("realtime − monotonic") == true)
            #expect(k.tInvoked == Timestamp(micros: Int64(((truth.boot_utc + t.k_invoked) * 1e6).rounded())))
        }
        let dmesgOnly = Ingestor().run(IngestRequest(path: nil, dmesgs: [Fixtures.bundle + "/sos_commands/kernel/dmesg"]))
        #expect(dmesgOnly.oomKills.allSatisfy { $0.timeSource?.hasPrefix("not placed on UTC") == true })
    }
}
