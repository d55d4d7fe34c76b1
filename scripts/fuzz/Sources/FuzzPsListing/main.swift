import FuzzSupport
import KernelEvents

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = PsListing.parse(text)
    _ = ProcStatus.parse(status: text, cgroup: text)
    _ = CounterFiles.nstat(text)
    _ = CounterFiles.netstatS(text)
    _ = CounterFiles.softnet(text)
    return 0
}


@_cdecl("FuzzPsListing_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
