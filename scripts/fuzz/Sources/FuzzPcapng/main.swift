import PcapFile
#if canImport(Glibc)
import Glibc
#endif

/// The input, read block by block from memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let r = PcapngReader(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    var n = 0
    _ = r.forEach { h, b in n &+= h.capturedLength &+ b.count; return n < 1 << 30 }
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzPcapng_main`; this entry point hands over to
// libFuzzer's driver (so libFuzzer's own main is not needed).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzPcapng_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { fuzz($0, $1) }
}
