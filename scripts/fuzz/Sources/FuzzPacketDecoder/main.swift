import FuzzSupport
import NetworkEvents

/// First byte picks the link type; the rest is the frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    // the common link types first (their seed indexes), then LinkLayers' (PPP, HDLC, FDDI, …)
    let types: [Int32] = [0, 1, 12, 101, 108, 113, 276, 228, 229,
                          9, 10, 11, 7, 50, 51, 104, 105, 117, 127, 129, 166, 192, 204, 239, 240, 241, 242, 178, 179, 181]
    let lt = types[Int(data[0]) % types.count]
    let b = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    _ = PacketDecoder.decode(linkType: lt, bytes: b, originalLength: Int(data[0]) * 37 % 70000, frame: 1, time: 0)
    // the same frame twice through the fragment reassembler (a fragment may complete itself)
    let r = Reassembly()
    var seg = TCPSegment.empty
    for t in 0..<2 { _ = r.decode(linkType: lt, bytes: b, originalLength: b.count, frame: t + 1, time: Int64(t), into: &seg) }
    return 0
}


@_cdecl("FuzzPacketDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
