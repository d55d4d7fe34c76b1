import FuzzSupport
import Foundation
import KernelEvents
import ForensicModel

let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!, reference: Timestamp(nanos: 1_709_607_900_000_000_000), note: "fuzz")

/// Every line through every text layout parser and the node-event classifier.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    LineScanner.forEachLine(UnsafeRawBufferPointer(start: data, count: size)) { n, _, raw in
        let line = Substring(String(bytes: raw))
        _ = LogText.parseDmesg(line)
        _ = LogText.parseDmesgWall(line, clock: clock)
        _ = LogText.parseDmesgISO(line)
        _ = LogText.parseTimestamp(line)
        if let p = LogText.parseSyslogLike(line, clock: clock) {
            _ = NodeEventExtractor.classify(KernelLine(message: String(p.message), kernelMicros: p.kernelMicros, utc: p.utc, sourceKind: .syslog, provenance: Provenance(path: "f", line: n)))
            _ = KubeletNames.scan(p.message)
        }
        _ = CgroupPath.podUID(String(line))
        _ = CgroupPath.containerID(String(line))
    }
    return 0
}


@_cdecl("FuzzLogText_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
