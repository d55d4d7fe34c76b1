import FuzzSupport
import Foundation
import KernelEvents
import ForensicModel

let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!, reference: Timestamp(nanos: 1_709_607_900_000_000_000), note: "fuzz")

/// The whole input through the per-line decoder (learn, decode, tail), the OOM assembler, the SIMD
/// needle search and line count; every line through the node-event classifier, kubelet names and
/// cgroup paths.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buf = UnsafeRawBufferPointer(start: data, count: size)
    var lines: [Substring] = []
    LineScanner.forEachLine(buf) { _, _, raw in lines.append(Substring(String(bytes: raw))) }
    var decoder = KernelLineDecoder()
    decoder.learn(lines)
    var assembler = OOMAssembler()
    for (i, l) in lines.enumerated() {
        let d = decoder.decode(l, number: i + 1)
        if d.kind == .kernel || d.kind == .echo {
            assembler.feed(KernelLine(message: String(d.message), kernelMicros: d.kernelMicros, utc: d.wall.flatMap { clock.place($0) },
                                      sourceKind: .dmesg, provenance: Provenance(path: "f", line: i + 1)))
        }
        for t in l.split(separator: " ") { _ = MonthNames.month(t) }
    }
    assembler.finish()
    _ = decoder.lastTimed(lines)
    let hits = NeedleFilter.oom.hits(in: buf)
    precondition(zip(hits, hits.dropFirst()).allSatisfy { $0 < $1 } && hits.allSatisfy { $0 >= 0 && $0 < size })
    precondition(LineScanner.countLines(buf) == buf.filter { $0 == 0x0A }.count)
    for (i, l) in lines.enumerated() {
        _ = LogText.parseTimestamp(l)
        _ = NodeEventExtractor.classify(KernelLine(message: String(l), sourceKind: .syslog, provenance: Provenance(path: "f", line: i + 1)))
        _ = KubeletNames.scan(l)
        _ = CgroupPath.podUID(String(l))
        _ = CgroupPath.containerID(String(l))
    }
    return 0
}


@_cdecl("FuzzLogText_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
