import FuzzSupport
import KernelEvents

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var n = 0
    _ = JournalExportFormat.forEachEntry(UnsafeRawBufferPointer(start: data, count: size)) { e, off in
        n &+= off &+ (e.message?.utf8.count ?? 0)
    }
    return 0
}


@_cdecl("FuzzJournalExport_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
