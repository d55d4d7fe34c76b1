import FuzzSupport
import KernelEvents
import ForensicModel

/// One text through the stall-input formats: sar text (recognition, parse, series), /proc/vmstat
/// and /proc/pressure/*, and each line through the kernel stall-line recognisers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = Substring(String(bytes: UnsafeRawBufferPointer(start: data, count: size)))
    _ = SarText.looksLikeSar(text)
    let sar = SarText(text)
    for s in sar.samples { precondition(s.start <= s.end) }
    _ = sar.series("pgscand/s")
    _ = ProcVmstat.looksLikeVmstat(text)
    _ = ProcVmstat.parse(text)
    _ = ProcPressure.looksLikePressure(text)
    _ = ProcPressure.parse(text, resource: "memory")
    for (i, l) in text.splitBytes(separator: "\n").prefix(200).enumerated() {
        _ = NodeEventExtractor.reclaimFrame(String(l))
        _ = NodeEventExtractor.classify(KernelLine(message: String(l), kernelMicros: Int64(i), sourceKind: .dmesg, provenance: Provenance(path: "f", line: i)))
    }
    return 0
}

@_cdecl("FuzzStallInputs_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
