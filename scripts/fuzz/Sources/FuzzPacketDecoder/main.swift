import FuzzSupport
import NetworkEvents

/// First byte picks the link type; the rest is the frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let types: [Int32] = [0, 1, 12, 101, 108, 113, 276, 228, 229]
    let lt = types[Int(data[0]) % types.count]
    let b = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    _ = PacketDecoder.decode(linkType: lt, bytes: b, originalLength: Int(data[0]) * 37 % 70000, frame: 1, time: 0)
    return 0
}


@_cdecl("FuzzPacketDecoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
