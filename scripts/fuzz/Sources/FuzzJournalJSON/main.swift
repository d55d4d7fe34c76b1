import FuzzSupport
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


@_cdecl("FuzzJournalJSON_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
