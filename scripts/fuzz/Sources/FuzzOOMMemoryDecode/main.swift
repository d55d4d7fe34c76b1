import FuzzSupport
import KernelEvents
import ForensicModel

/// Lines (printk stamp dropped when there is one) through the OOM memory decoder: the first line
/// as an invoked line's arguments, the rest as the record's body; then the report and the kill's
/// "why" sentence from it (every scope).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var d = OOMMemoryDecoder()
    var rows: [(pid: Int, tgid: Int, name: String, rssPages: Int?)] = []
    LineScanner.forEachLine(UnsafeRawBufferPointer(start: data, count: size)) { n, _, raw in
        let s = Substring(String(bytes: raw))
        let m = parsePrintkStamp(s)?.rest ?? s
        if n == 1 { d.invoked(m) } else { d.feed(m) }
        _ = OOMMemoryDecoder.isCounterContinuation(m)
        rows.append((n, n % 3, "t", m.utf8.count))
    }
    let r = d.finished(tasks: rows, victimPid: 2)
    if let hex = r.allocation.gfpMask { _ = GFPFlags.decode(hex: hex, kernel: r.kernelVersion) }
    var k = OOMKill(source: Provenance(path: "f"), sourceKind: .dmesg)
    k.memory = r
    k.victimComm = "x"
    k.anonRssKB = size
    for s in [OOMKill.Scope.memcg, .global, .cpuset, .sysrq, .unknown] { k.scope = s; _ = k.why }
    return 0
}

@_cdecl("FuzzOOMMemoryDecode_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
