import FuzzSupport
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


@_cdecl("FuzzPcapng_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
