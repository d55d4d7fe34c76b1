import KernelEvents
import ForensicModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    LineScanner.forEachLine(UnsafeRawBufferPointer(start: data, count: size)) { n, _, line in
        if let e = JournalJSONFormat.entry(line) {
            _ = e.kernelLine(kind: .journalExport, provenance: Provenance(path: "fuzz", line: n))
        }
        if let h = JournalVerboseFormat.header(Substring(String(bytes: line))) { _ = h.cursor }
    }
    return 0
}

// SwiftPM links executables with `--defsym main=FuzzJournalJSON_main`; this entry point hands over to
// libFuzzer's driver (so libFuzzer's own main is not needed).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzJournalJSON_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { fuzz($0, $1) }
}
