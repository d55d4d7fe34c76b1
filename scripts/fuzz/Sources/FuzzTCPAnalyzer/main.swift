import FuzzSupport
import NetworkEvents

/// A sequence of raw IPv4/TCP packets, each prefixed by a 2-byte length and a 1-byte time step,
/// through both views (Wireshark's and copies removed), decoded in place as `retrans` does; an
/// odd input length keeps copies in (`--wireshark-compatible`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var a = CaptureAnalysis(path: "fuzz", linkTypeName: "RAW", keepCopies: size % 2 == 1, recordFrames: true)
    var i = 0, frame = 0
    var t: Int64 = 1_700_000_000_000_000_000
    while i + 3 <= size {
        let len = Int(data[i]) << 8 | Int(data[i + 1])
        t += Int64(data[i + 2]) * 1_000_000
        i += 3
        let n = min(len, size - i)
        frame += 1
        a.add(frame: frame, time: t, linkType: 101, bytes: UnsafeRawBufferPointer(start: data + i, count: n), originalLength: len)
        i += n
    }
    a.finish()
    return 0
}


@_cdecl("FuzzTCPAnalyzer_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
