import KernelEvents

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var n = 0
    _ = JournalExportFormat.forEachEntry(UnsafeRawBufferPointer(start: data, count: size)) { e, off in
        n &+= off &+ (e.message?.utf8.count ?? 0)
    }
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzJournalExport_main`; this entry point hands over to
// libFuzzer's driver (so libFuzzer's own main is not needed).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzJournalExport_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { fuzz($0, $1) }
}
