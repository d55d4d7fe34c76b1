import FuzzSupport
import ForensicModel
import KernelEvents

/// Bytes → OOM kill records as several sources report them (pids and comms from small sets so
/// that records collide; memory figures, kernel stamps, boot IDs, UTC times with uncertainty,
/// echoes) → `OOMMerge.merge`. Checks what must always hold: every input record is accounted
/// for exactly once (kept, or named in the kept one's `alsoSeenIn`); a kept record merges only
/// records of its own victim pid and comm; no kill invents a victim; kernel records are never
/// folded into an echo.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let b = UnsafeBufferPointer(start: data, count: size)
    var i = 0
    func next() -> Int { defer { i += 1 }; return i < size ? Int(b[i]) : 0 }
    let t0 = Timestamp(nanos: 1_700_000_000 * 1_000_000_000)
    let kinds: [KernelLine.SourceKind] = [.journalBinary, .dmesg, .journalText, .syslog]
    var kills: [OOMKill] = []
    while i + 8 <= size, kills.count < 200 {
        let tag = next()
        var k = OOMKill(source: Provenance(path: "src\(tag % 4)", line: i), sourceKind: kinds[tag % kinds.count])
        let pid = next() % 5
        if pid != 0 { k.victimPid = 1000 + pid }
        k.victimComm = ["java", "[main]>worker0", "java", "postgres"][next() % 4]
        if tag & 4 != 0 { k.totalVmKB = 1000 * (next() % 3); k.anonRssKB = 500 * (next() % 3) }
        if tag & 8 != 0 { k.kKilled = Int64(next()) * 1000; k.kInvoked = k.kKilled.map { $0 - 100 } }
        if tag & 16 != 0 { k.bootID = ["a", "b"][next() % 2] }
        if tag & 32 != 0 {
            let t = t0 + Double(next()) * 0.5
            k.tKilled = t; k.tInvoked = t - 0.001
            k.timeUncertainty = [0, 1, 60][next() % 3]
        }
        if tag & 64 != 0 { k.reaped = true; k.kReaped = k.kKilled.map { $0 + 900 }; k.tReaped = k.tKilled.map { $0 + 0.0009 } }
        k.echo = tag & 128 != 0
        if next() & 1 == 1 { k.invokerComm = "kworker"; k.invokerPid = 7 }
        kills.append(k)
    }
    let out = OOMMerge.merge(kills)
    precondition(out.count <= kills.count)
    precondition(out.count + out.reduce(0) { $0 + $1.alsoSeenIn.count } == kills.count, "a record was lost or counted twice")
    let key = { (k: OOMKill) in "\(k.source.path):\(k.source.line ?? -1)" }
    var seen = Set<String>()
    let byKey = Dictionary(kills.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    for k in out {
        for p in [k.source] + k.alsoSeenIn {
            precondition(seen.insert("\(p.path):\(p.line ?? -1)").inserted, "one record in two kills")
            let orig = byKey["\(p.path):\(p.line ?? -1)"]!
            precondition(orig.victimPid == k.victimPid && orig.victimComm == k.victimComm, "records of another victim merged")
            if !orig.echo { precondition(!k.echo, "a kernel record folded into an echo") }
        }
    }
    return 0
}

@_cdecl("FuzzOOMMerge_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
