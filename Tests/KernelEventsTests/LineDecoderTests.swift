import Foundation
import Testing
import ForensicModel
@testable import KernelEvents

@Suite("Line decoder: layout per line, from content")
struct LineDecoderTests {
    @Test("no month form names two months; every language's March is 3")
    func monthTable() {
        var seen: [String: Int] = [:]
        for (f, m) in MonthNames.allForms {
            if let prev = seen[f] { #expect(prev == m, "\(f)") }
            seen[f] = m
        }
        for t in ["Mar", "mars", "März", "Mär", "marzo", "março", "maart", "mrt", "mars.", "marca", "мар", "марта", "Mart", "3月", "3월", "三月"] {
            #expect(MonthNames.month(Substring(t)) == 3, "\(t)")
        }
        for (t, m) in [("janv.", 1), ("févr.", 2), ("sept.", 9), ("déc.", 12), ("Okt", 10), ("paź", 10), ("Ağu", 8), ("十二月", 12), ("ноя", 11), ("mei", 5), ("giu", 6)] {
            #expect(MonthNames.month(Substring(t)) == m, "\(t)")
        }
        for t in ["ma", "Killed", "kernel", "13月", "java"] { #expect(MonthNames.month(Substring(t)) == nil, "\(t)") }
    }

    func decode(_ lines: [String]) -> [DecodedLine] {
        var d = KernelLineDecoder()
        d.learn(lines.map { Substring($0) })
        return lines.enumerated().map { d.decode(Substring($0.element), number: $0.offset + 1) }
    }

    @Test("a kernel line behind any prefix: login prompt, cat -n gutter, test framework, shipper")
    func prefixes() {
        let got = decode([
            "[ 3100.000001] x",
            "node7 login: [ 3100.004211] Out of memory: Killed process 4242 (java)",
            "    12\t[ 3100.004212] Out of memory: Killed process 4243 (java)",
            "2024-03-05 09:51:40,123 process L0458 DEBUG| [stdout] [ 3100.004213] oom_reaper: reaped process 4242 (java)",
            "2024-03-05T01:51:41.2Z INFO  kmsg: [ 3100.004214][ T4311] [main]>worker0 invoked oom-killer: gfp_mask=0xcc0",
        ])
        #expect(got.allSatisfy { $0.kind == .kernel })
        #expect(got[1].message.hasPrefix("Out of memory") && got[1].kernelMicros == 3_100_004_211)
        #expect(got[2].kernelMicros == 3_100_004_212)
        #expect(got[3].message.hasPrefix("oom_reaper") && got[3].wall == nil)   // a wrapper's time is not the kernel's
        #expect(got[4].message.hasPrefix("[main]>worker0 invoked") && got[4].kernelMicros == 3_100_004_214)
    }

    @Test("syslog in Russian, dmesg -T in French (day first), logread, RFC 5424: times and messages")
    func localized() {
        let got = decode([
            "мар 05 09:51:40 node7 kernel: Out of memory: Killed process 1 (a)",
            "[mar. 5 mars 09:51:40 2024] Out of memory: Killed process 2 (b)",
            "Tue Mar  5 09:51:40 2024 kern.err kernel: [ 3100.004211] Out of memory: Killed process 3 (c)",
            "<4>1 2024-03-05T01:51:40.004211Z node7 kernel - - - Out of memory: Killed process 4 (d)",
            "мар 05 09:51:41 node7 kubelet[812]: I0305 podUID=x",
        ])
        #expect(got[0].kind == .kernel && got[0].wall == .local(year: nil, month: 3, day: 5, hour: 9, minute: 51, second: 40, micros: 0) && got[0].host == "node7")
        #expect(got[1].kind == .kernel && got[1].wall == .local(year: 2024, month: 3, day: 5, hour: 9, minute: 51, second: 40, micros: 0))
        #expect(got[2].kind == .kernel && got[2].kernelMicros == 3_100_004_211 && got[2].wall == .local(year: 2024, month: 3, day: 5, hour: 9, minute: 51, second: 40, micros: 0))
        #expect(got[3].kind == .kernel && got[3].message.hasSuffix("(d)"))
        #expect(got[4].kind == .app && got[4].identifier == "kubelet")
    }

    @Test("prompts, snip markers and banners are foreign and counted; the file is not dropped")
    func foreign() {
        var d = KernelLineDecoder()
        let lines = ["[root@node7 ~]# dmesg | grep -i -A40 oom", "[ 3100.0] java invoked oom-killer: gfp_mask=0xcc0", "(...snipped...)",
                     "[ 3100.1] Out of memory: Killed process 4242 (java)", "root@node7:~$ exit", "Welcome to Ubuntu 22.04 LTS"]
        d.learn(lines.map { Substring($0) })
        let kinds = lines.enumerated().map { d.decode(Substring($0.element), number: $0.offset + 1).kind }
        #expect(kinds == [.foreign, .kernel, .foreign, .kernel, .foreign, .foreign])
        #expect(d.foreignLines == 4 && d.firstForeign == [1, 3, 5, 6])
    }

    @Test("bare text: every line is a message; a constant prefix learned from unambiguous lines is stripped")
    func bare() {
        let got = decode(["node7 kernel: [main]>worker0 invoked oom-killer: gfp_mask=0xcc0", "node7 kernel: Out of memory: Killed process 4242 (java)",
                          "foo.go:88: Tasks state (memory values in pages):"])
        #expect(got.allSatisfy { $0.kind == .kernel })
        #expect(got[0].message.hasPrefix("[main]>worker0 invoked"))
        #expect(got[1].message.hasPrefix("Out of memory"))
    }

    @Test("node-problem-detector and kubectl events quote kills: echoes, with NPD's own time")
    func echoes() {
        let got = decode([
            "May 19 18:14:43 aks-1 node-problem-detector-startup.sh[4208]: I0519 log_monitor.go:159] New status generated: &{Source:kernel-monitor Events:[{Severity:warn Timestamp:2025-05-19 18:14:42.700333489 +0000 UTC m=+98.3 Reason:OOMKilling Message:Memory cgroup out of memory: Killed process 7788 (bash) total-vm:7169492kB, anon-rss:7165824kB}] Conditions:[]}",
            "5m   Warning   OOMKilling   node/node7   Memory cgroup out of memory: Killed process 4242 (java) total-vm:4813824kB, anon-rss:2095104kB",
        ])
        #expect(got.allSatisfy { $0.kind == .echo })
        #expect(got[0].message.hasPrefix("Memory cgroup out of memory: Killed process 7788 (bash)") && got[0].message.hasSuffix("anon-rss:7165824kB"))
        #expect(got[0].wall == .utc(Timestamp(micros: 1_747_678_482_700_333)))
        #expect(got[1].message.hasPrefix("Memory cgroup out of memory: Killed process 4242"))
    }
}

@Suite("Multi-needle search")
struct MultiNeedleTests {
    @Test("one SIMD pass finds what a memmem per needle finds (random text, needles at block edges, at the end)")
    func sameAsNaive() {
        // with a 2-byte needle (the compare path) and without (Teddy, on AVX2 machines)
        for needles in [["oom", "Kill", "Out of memory", "rcu", "podUID=", "table full", "ab"],
                        ["oom", "Kill", "Out of memory", "rcu", "podUID=", "table full", "blocked for more than", "Link is Down",
                         "NETDEV WATCHDOG", "SYN flooding", "TCP: out of memory", "Task in "]] {
            check(needles)
        }
    }

    func check(_ needles: [String]) {
        let filter = NeedleFilter(needles)
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdoKmrulOt fupiUD=NEWTSYLkn".utf8)
        for round in 0..<200 {
            var bytes = (0..<Int.random(in: 0...700, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            // plant whole needles, some across 16/32-byte block edges and at the very end
            for _ in 0..<3 where !bytes.isEmpty {
                let n = Array(needles.randomElement(using: &rng)!.utf8)
                let at = round % 3 == 0 ? max(0, bytes.count - n.count) : Int.random(in: 0..<bytes.count, using: &rng)
                for (k, b) in n.enumerated() where at + k < bytes.count { bytes[at + k] = b }
            }
            var naive: Set<Int> = []
            for n in needles.map({ Array($0.utf8) }) where bytes.count >= n.count {
                for i in 0...(bytes.count - n.count) where Array(bytes[i..<(i + n.count)]) == n { naive.insert(i) }
            }
            let got = bytes.withUnsafeBytes { filter.hits(in: $0) }
            #expect(got == naive.sorted(), "round \(round)")
        }
    }
}
