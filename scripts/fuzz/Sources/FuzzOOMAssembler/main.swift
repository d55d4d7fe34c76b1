import KernelEvents
import ForensicModel

/// Lines (dmesg layout when they parse, raw otherwise) through the OOM assembler.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var a = OOMAssembler()
    LineScanner.forEachLine(UnsafeRawBufferPointer(start: data, count: size)) { n, _, raw in
        let s = Substring(String(bytes: raw))
        let (k, m): (Int64?, Substring) = LogText.parseDmesg(s).map { ($0.micros, $0.message) } ?? (nil, s)
        a.feed(KernelLine(message: String(m), kernelMicros: k, sourceKind: .dmesg, provenance: Provenance(path: "f", line: n)))
    }
    a.finish()
    for k in a.kills { _ = k.killDuration; _ = k.window }
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzOOMAssembler_main`; this entry point hands over to
// libFuzzer's driver (so libFuzzer's own main is not needed).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzOOMAssembler_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { fuzz($0, $1) }
}
