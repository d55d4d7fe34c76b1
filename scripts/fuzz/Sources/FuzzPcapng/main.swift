import FuzzSupport
import PcapFile
#if canImport(Glibc)
import Glibc
#endif

/// Keeps a value alive so that the loop computing it is not optimised away.
nonisolated(unsafe) var sink = 0
@inline(never) func keep(_ x: Int) { sink = x }

/// The input, read block by block from memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let r = PcapngReader(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    var n = 0
    // every byte of every packet is read, so ASan sees any slice that strays out of the buffer
    _ = r.forEach { h, b in
        n &+= h.capturedLength &+ b.count
        for x in b { n &+= Int(x) }
        return n < 1 << 30
    }
    keep(n)
    return 0
}


@_cdecl("FuzzPcapng_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
