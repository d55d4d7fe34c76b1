import FuzzSupport
import KernelEvents
import ForensicModel

/// Lines (dmesg layout when they parse, raw otherwise) through the OOM assembler.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var a = OOMAssembler()
    LineScanner.forEachLine(UnsafeRawBufferPointer(start: data, count: size)) { n, _, raw in
        let s = Substring(String(bytes: raw))
        let (k, m): (Int64?, Substring) = parsePrintkStamp(s).map { ($0.micros, $0.rest) } ?? (nil, s)
        a.feed(KernelLine(message: String(m), kernelMicros: k, sourceKind: .dmesg, provenance: Provenance(path: "f", line: n)))
    }
    a.finish()
    for k in a.kills { _ = k.killDuration; _ = k.window }
    return 0
}


@_cdecl("FuzzOOMAssembler_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
