import Foundation
import Testing
import ForensicModel
@testable import KernelEvents

@Suite("Kernel log text layouts")
struct TextParsingTests {
    /// Decodes `line` as one line of a file whose first lines are `context` + `line`.
    func decode(_ line: String, among context: [String] = []) -> DecodedLine {
        var d = KernelLineDecoder()
        d.learn((context + [line]).map { Substring($0) })
        return d.decode(Substring(line), number: 1)
    }

    @Test("dmesg: raw, -r, -x and caller id", arguments: [
        ("[ 3600.123456] java invoked oom-killer: x", Int64(3_600_123_456), "java invoked oom-killer: x"),
        ("[    0.000000] Linux version 6.1", Int64(0), "Linux version 6.1"),
        ("<4>[ 3600.123456] hello", Int64(3_600_123_456), "hello"),
        ("kern  :warn  : [ 3600.123456] hello", Int64(3_600_123_456), "hello"),
        ("[100000.000001] [  T4242] with caller", Int64(100_000_000_001), "with caller"),
    ])
    func dmesg(line: String, micros: Int64, message: String) throws {
        let d = decode(line)
        #expect(d.kind == .kernel)
        #expect(d.kernelMicros == micros)
        #expect(d.message == message)
    }

    @Test("a line that is not dmesg is refused")
    func notDmesg() {
        let syslog = decode("Mar 15 11:00:00 node-a kernel: x")
        #expect(syslog.kernelMicros == nil && syslog.layout == .bsd)   // a syslog line, no printk stamp
        #expect(decode("[abc] x", among: ["[ 1.000000] a"]).kernelMicros == nil)
    }

    static let shanghai = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!,
                                     reference: Timestamp(nanos: 1_709_607_900 * 1_000_000_000), note: "")

    @Test("journalctl short: local time, year from the collection date, hostname, identifier")
    func short() throws {
        let p = decode("Mar 05 09:51:40 node7 kernel: java invoked oom-killer: a")
        #expect(p.kind == .kernel)
        #expect(p.host == "node7")
        #expect(p.message == "java invoked oom-killer: a")
        #expect(p.wall.flatMap(Self.shanghai.place)?.iso8601 == "2024-03-05T01:51:40.000000Z")
    }

    @Test("syslog RFC 3164: space-padded day, printk stamp after 'kernel:', a December line before a March collection is last year")
    func syslog() throws {
        let p = decode("Mar  5 09:51:40 node7 kernel: [ 3100.000198] Memory cgroup out of memory")
        #expect(p.kernelMicros == 3_100_000_198)
        #expect(p.message == "Memory cgroup out of memory")
        let dec = decode("Dec 31 23:59:59 node7 kernel: x")
        #expect(dec.wall.flatMap(Self.shanghai.place)?.iso8601 == "2023-12-31T15:59:59.000000Z")
    }

    @Test("short-iso (+0000 and +00:00), short-precise, RFC 3339, short-unix, short-monotonic, no hostname")
    func isoForms() throws {
        let utc = LocalClock.utcUnknownYear
        let file = ["2024-03-15T11:00:00+0000 node-a kernel: x", "2024-03-15T12:00:00.200000+01:00 node-a kernel: x",
                    "1710500400.200000 node-a kernel: x", "[ 3600.123456] node-a kernel: x", "Mar 15 10:36:40.000000 app: hello"]
        #expect(decode(file[0], among: file).wall.flatMap(utc.place)?.iso8601 == "2024-03-15T11:00:00.000000Z")
        #expect(decode(file[1], among: file).wall.flatMap(utc.place)?.iso8601 == "2024-03-15T11:00:00.200000Z")
        #expect(decode(file[2], among: file).wall.flatMap(utc.place)?.iso8601 == "2024-03-15T11:00:00.200000Z")
        let mono = decode(file[3], among: file)
        #expect(mono.kernelMicros == 3_600_123_456 && mono.wall == nil)
        let noHost = decode(file[4], among: file)
        #expect(noHost.kind == .app && noHost.host == nil && noHost.identifier == "app")
        #expect(decode("-- Boot 1e2d3c4b5a6978877665544332211000 --", among: file).kind == .meta)
        #expect(decode("                                        exit_status=137", among: file).kind == .continuation)
    }

    @Test("cgroup paths of both kubelet drivers")
    func cgroups() {
        #expect(CgroupPath.podUID("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3b1f8a52_6c1e_4d0b_9a57_2f0e8c4d7a91.slice/cri-containerd-abc.scope") == "3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91")
        #expect(CgroupPath.podUID("/kubepods/besteffort/pod0f0e0d0c-1111-2222-3333-444455556666/0123456789ab") == "0f0e0d0c-1111-2222-3333-444455556666")
        #expect(CgroupPath.containerID("/system.slice/docker-0123456789abcdef0123.scope") == "0123456789abcdef0123")
        #expect(CgroupPath.containerID("/kubepods/x/crio-89abcdef0123456789abcdef.scope") == "89abcdef0123456789abcdef")
        #expect(CgroupPath.podUID("/system.slice/kubelet.service") == nil)
        #expect(CgroupPath.containerID("/system.slice/kubelet.service") == nil)
    }

    @Test("kubelet lines name the pod and container of a pod UID")
    func kubelet() {
        let n = KubeletNames.scan(#"I0305 kuberuntime_container.go:722] "Killing container with a grace period" pod="logging/logstash-0" podUID=3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91 containerName="logstash""#)
        #expect(n?.pod == "logging/logstash-0")
        #expect(n?.container == "logstash")
        #expect(n?.podUID == "3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91")
    }
}

@Suite("ps listings")
struct PsListingTests {
    @Test("ps axo …nlwp…cgroup: NLWP and cgroup per process, comm with a space")
    func axo() {
        let (p, f) = PsListing.parse("""
            PID    PPID USER     GROUP        LWP NLWP START COMMAND         CGROUP
              1       0 root     root           1    1 03:01 systemd         0::/init.scope
           8100    2101 1000     1000        8100  300 03:01 java            0::/kubepods.slice/a.slice/cri-containerd-1.scope
           8200       1 root     root        8200    2 03:01 Web Content     -
        """)
        #expect(f != nil)
        #expect(p.map(\.threads) == [1, 300, 2])
        #expect(p[2].comm == "Web Content")
        #expect(p[2].cgroup == nil)
        #expect(p[1].line == 3)
    }

    @Test("ps -elfL: one row per thread; ps auxwwwm: thread rows with PID '-'")
    func threadRows() {
        let (e, _) = PsListing.parse("""
        F S UID          PID    PPID     LWP  C NLWP PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD
        4 S 1000        8100    2101    8100  0    3  80   0 - 100 -      03:01 ?        00:00:01 /usr/share/logstash/jdk/bin/java -Xms1g
        1 S 1000        8100    2101    8101  0    3  80   0 - 100 -      03:01 ?        00:00:00 /usr/share/logstash/jdk/bin/java -Xms1g
        1 S 1000        8100    2101    8102  0    3  80   0 - 100 -      03:01 ?        00:00:00 /usr/share/logstash/jdk/bin/java -Xms1g
        """)
        #expect(e.count == 1 && e[0].threads == 3 && e[0].comm == "java")
        let (a, _) = PsListing.parse("""
        USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
        1000        8100  0.0  0.0      0     0 ?        -    03:01   0:00 java
        1000           -  0.0    -      -     - -        Sl   03:01   0:00 -
        1000           -  0.0    -      -     - -        Sl   03:01   0:00 -
        """)
        #expect(a.count == 1 && a[0].threads == 2)
    }
}

@Suite("Node events and counters")
struct NodeEventTests {
    func line(_ m: String) -> KernelLine { KernelLine(message: m, kernelMicros: 1_000_000, utc: Timestamp(nanos: 1_000_000_000_000), sourceKind: .dmesg, provenance: Provenance(path: "d", line: 1)) }

    @Test("kernel lines of each node event kind", arguments: [
        ("watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [java:4242]", NodeEvent.Kind.softLockup, 22.0, "CPU#3"),
        ("INFO: task kworker/u8:2:123 blocked for more than 120 seconds.", .hungTask, 120.0, "kworker/u8:2:123"),
        ("rcu: INFO: rcu_sched self-detected stall on CPU", .rcuStall, 21.0, nil),
        ("nf_conntrack: nf_conntrack: table full, dropping packet", .conntrackFull, 0.0, nil),
        ("e1000e 0000:00:19.0 eth0: NIC Link is Down", .linkDown, 0.0, "eth0"),
        ("NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out", .netdevWatchdog, 0.0, "eth0"),
        ("java: page allocation failure: order:4, mode:0x40cc0", .pageAllocationFailure, 0.0, "java"),
        ("TCP: out of memory -- consider tuning tcp_mem", .tcpOutOfMemory, 0.0, nil),
        ("TCP: request_sock_TCP: Possible SYN flooding on port 8080. Sending cookies.", .synFlood, 0.0, "port 8080"),
    ] as [(String, NodeEvent.Kind, Double, String?)])
    func kinds(message: String, kind: NodeEvent.Kind, lasted: Double, subject: String?) throws {
        let e = try #require(NodeEventExtractor.classify(line(message)))
        #expect(e.kind == kind)
        #expect(e.lastedBefore == lasted)
        #expect(e.subject == subject)
    }

    @Test("an ordinary line is no event")
    func none() { #expect(NodeEventExtractor.classify(line("EXT4-fs (vda1): mounted filesystem")) == nil) }

    @Test("counter files")
    func counters() {
        #expect(CounterFiles.nstat("#kernel\nTcpExtListenOverflows           12                 0.0\nTcpExtOther 5 0\n").map(\.1) == [12])
        #expect(CounterFiles.netstatS("    7 times the listen queue of a socket overflowed\n    3 SYNs to LISTEN sockets dropped\n").map(\.1) == [7, 3])
        #expect(CounterFiles.softnet("0000abcd 00000002 00000010 0 0\n0000abcd 00000001 00000000 0 0\n").map(\.1) == [3, 16])
        #expect(CounterFiles.ethtool("NIC statistics:\n     rx_packets: 100\n     rx_dropped: 4\n     rx_missed_errors: 2\n") == 6)
    }
}

/// The byte-level search helpers every line parser uses instead of Foundation's `range(of:)`.
@Suite("UTF-8 search helpers")
struct SearchHelperTests {
    @Test("find, find last, has, trimmedSpaces on String and Substring, with non-ASCII text")
    func helpers() {
        let s = "Ä [main]>worker0 invoked oom-killer: ü invoked oom-killer: end"
        let r = s.find(" invoked oom-killer: ")!
        #expect(s[..<r.lowerBound] == "Ä [main]>worker0")
        let last = s.find(" invoked oom-killer: ", last: true)!
        #expect(s[last.upperBound...] == "end")
        #expect(s[last] == " invoked oom-killer: ")
        let sub = s.dropFirst(2)
        #expect(sub.find("[main]")?.lowerBound == sub.startIndex)
        #expect(sub.has(">worker0") && !sub.has("worker9") && !sub.has("Ä"))
        #expect(s.find("") == s.startIndex..<s.startIndex)
        #expect("ab".find("abc") == nil && "".find("x") == nil && "xax".find("x", last: true)?.lowerBound == "xax".index(before: "xax".endIndex))
        #expect(" \t a b \t ".trimmedSpaces() == "a b")
        #expect("   ".trimmedSpaces().isEmpty)
        #expect(Substring("x").after("x") == "" && Substring("a:b:c").afterLast(":") == "c")
    }
}

@Suite("splitBytes equals the stdlib's split on ASCII separators")
struct SplitBytesTests {
    @Test("every combination of maxSplits and omitting, on awkward inputs", arguments: [
        "", " ", "  ", "a", " a", "a ", " a  b ", "a b c d", "  a\u{301} b  c ", "x  y   z", "ä ö ü", "a\r\nb",
    ])
    func equalsStdlib(input: String) {
        for sep in [" ", "\n"] as [Unicode.Scalar] {
            for maxSplits in [0, 1, 2, 3, Int.max] {
                for omit in [true, false] {
                    let mine = input.splitBytes(separator: sep, maxSplits: maxSplits, omittingEmptySubsequences: omit).map(String.init)
                    let std = input.unicodeScalars.split(separator: sep, maxSplits: maxSplits, omittingEmptySubsequences: omit).map { String(String.UnicodeScalarView($0)) }
                    #expect(mine == std, "\(input.debugDescription) sep \(sep.escaped(asASCII: true)) max \(maxSplits) omit \(omit)")
                    let sub = Substring(input).splitBytes(separator: sep, maxSplits: maxSplits, omittingEmptySubsequences: omit).map(String.init)
                    #expect(sub == std)
                }
            }
        }
    }
}
