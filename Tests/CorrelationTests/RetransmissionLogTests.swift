import Testing
import Foundation
@testable import ForensicModel
@testable import Correlation

/// The event log that spills sorted runs to a temporary file: what comes back must be exactly
/// what went in, in (time, frame, capture) order, with later stages' changes applied.
@Suite("Retransmission log (spilled runs)")
struct RetransmissionLogTests {
    /// Pseudo-random events over a few captures, times slightly out of file order.
    static func events(_ n: Int, paths: [String] = ["a.pcap", "b.pcap"], seed: UInt64 = 7) -> [RetransmissionEvent] {
        var rng = SplitMix64(state: seed)
        return (0..<n).map { i in
            let t = Timestamp(nanos: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000 + Int64(rng.next() % 5_000_000))
            var e = RetransmissionEvent(frame: i + 1, time: t, flow: "10.0.0.\(i % 7):\(1000 + i % 13) -> 10.0.1.1:80",
                                        kind: ["retransmission", "fast_retransmission", "spurious_retransmission"][i % 3],
                                        copyOf: i % 5 == 0 ? i : nil, isSYN: i % 11 == 0, rto: i % 4 == 0 ? nil : Double(i) / 1000,
                                        capturePath: paths[i % paths.count], seq: i % 6 == 0 ? nil : UInt32(truncatingIfNeeded: i &* 2_654_435_761))
            if i % 2 == 0 { e.directedHash = rng.next(); e.conversationHash = rng.next() }
            if i % 9 == 0 { e.copyIn = "other.pcap" }
            return e
        }
    }

    static func same(_ a: RetransmissionEvent, _ b: RetransmissionEvent) -> Bool {
        a.frame == b.frame && a.time == b.time && a.flow == b.flow && a.kind == b.kind && a.copyOf == b.copyOf && a.isSYN == b.isSYN
            && a.rto == b.rto && a.capturePath == b.capturePath && a.seq == b.seq && a.copyIn == b.copyIn
            && a.directedHash == b.directedHash && a.conversationHash == b.conversationHash
    }

    static func sorted(_ e: [RetransmissionEvent]) -> [RetransmissionEvent] {
        e.sorted { ($0.time, $0.frame, $0.capturePath) < ($1.time, $1.frame, $1.capturePath) }
    }

    @Test("spilled to runs of 100 events or kept in memory: every event back, field for field, in time order",
          arguments: [1, 7, 100, 1_000_000])
    func roundTrip(chunk: Int) {
        let input = Self.events(2_345)
        var log = RetransmissionLog(chunkLimit: chunk)
        for e in input { log.append(e) }
        if chunk < 2_345 { #expect(log.spilled > 0) } else { #expect(log.spilled == 0) }
        #expect(log.spillError == nil)
        let back = Array(log)
        let want = Self.sorted(input)
        #expect(back.count == want.count)
        #expect(log.count == want.count)
        #expect(zip(back, want).allSatisfy(Self.same))
        // a second pass reads the same
        #expect(zip(Array(log), want).allSatisfy(Self.same))
    }

    @Test("shift, window, copy marks and path renames are applied on reading, spilled or not", arguments: [50, 1_000_000])
    func laterStages(chunk: Int) {
        let input = Self.events(1_000)
        var log = RetransmissionLog(chunkLimit: chunk)
        for e in input { log.append(e) }
        log.shift(by: 2.5)
        let lo = input[200].time + 2.5, hi = input[700].time + 2.5
        log.limit(to: lo, hi)
        let target = input[401]   // b.pcap (odd index)
        log.markCopy(capturePath: target.capturePath, frame: target.frame, of: 99, in: "a.pcap")
        log.rewritePaths { "/bundle/" + $0 }
        var want = Self.sorted(input).map { e -> RetransmissionEvent in
            var e = e
            e.time = e.time + 2.5
            if e.frame == target.frame { e.copyOf = 99; e.copyIn = "a.pcap" }
            e.capturePath = "/bundle/" + e.capturePath
            e.copyIn = e.copyIn.map { "/bundle/" + $0 }
            return e
        }
        want = want.filter { lo <= $0.time && $0.time <= hi }
        let back = Array(log)
        #expect(back.count == want.count)
        #expect(log.count == want.count)
        #expect(zip(back, want).allSatisfy(Self.same))
    }

    @Test("several captures' logs gathered into one read back merged in order; copies of a log stay independent")
    func gather() {
        var all = RetransmissionLog(chunkLimit: 64)
        let a = Self.events(500, paths: ["a.pcap"], seed: 1), b = Self.events(700, paths: ["b.pcap"], seed: 2)
        var la = RetransmissionLog(chunkLimit: 64), lb = RetransmissionLog(chunkLimit: 64)
        for e in a { la.append(e) }
        for e in b { lb.append(e) }
        all += la
        all += lb
        let want = Self.sorted(a + b)
        #expect(zip(Array(all), want).allSatisfy(Self.same))
        #expect(all.count == 1_200)
        var copy = all
        copy.shift(by: 1)
        #expect(Array(all).first?.time == want.first?.time)
        #expect(Array(copy).first?.time == want.first!.time + 1)
        // the original keeps growing on its own
        all.append(RetransmissionEvent(frame: 1, time: Timestamp(nanos: 0), flow: "x", kind: "retransmission", copyOf: nil, isSYN: false, rto: nil, capturePath: "c.pcap"))
        #expect(all.count == 1_201 && copy.count == 1_200)
    }

    @Test("bursts over a spilled log equal bursts over the same events in memory")
    func burstsSpilled() {
        let input = Self.events(3_000)
        var small = RetransmissionLog(chunkLimit: 97)
        for e in input { small.append(e) }
        let big = RetransmissionLog(input)
        let x = BurstFinder.bursts(small, gap: 0.002), y = BurstFinder.bursts(big, gap: 0.002)
        #expect(x.count == y.count && x.count > 1)
        #expect(zip(x, y).allSatisfy { $0.start == $1.start && $0.end == $1.end && $0.count == $1.count })
    }

    @Test("the temporary file is unlinked at once: nothing named nodesleuth-spill-* stays in the temporary folder")
    func noTempLeft() throws {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var log = RetransmissionLog(chunkLimit: 10)
        for e in Self.events(100) { log.append(e) }
        #expect(log.spilled > 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("nodesleuth-spill-") }
        #expect(left.isEmpty)
        // and the run is readable through the open descriptor
        #expect(Array(log).count == 100)
    }

    @Test("no temporary file possible (missing folder) or a full disk (a 64 KiB tmpfs, as root): events stay in memory, every one is read back, and the reason is given")
    func spillFails() throws {
        let input = Self.events(3_000)
        var missing = RetransmissionLog(chunkLimit: 100, spillDirectory: "/nonexistent-\(getpid())")
        for e in input { missing.append(e) }
        #expect(missing.spilled == 0)
        #expect(missing.spillError?.contains("cannot create a temporary file") == true)
        #expect(zip(Array(missing), Self.sorted(input)).allSatisfy(Self.same) && missing.count == 3_000)

        guard getuid() == 0 else { print("skipped the full-disk case: mounting a tmpfs needs root"); return }
        let dir = "/tmp/nodesleuth-full-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = umount(dir); try? FileManager.default.removeItem(atPath: dir) }
        guard mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 else { print("skipped the full-disk case: cannot mount a tmpfs here"); return }
        var full = RetransmissionLog(chunkLimit: 100, spillDirectory: dir)
        for e in input { full.append(e) }
        #expect(full.spilled > 0)   // the first runs fitted
        #expect(full.spillError?.contains("kept in memory") == true)
        #expect(zip(Array(full), Self.sorted(input)).allSatisfy(Self.same) && full.count == 3_000)
    }
}
