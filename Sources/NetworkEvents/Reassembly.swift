import ForensicModel

/// IPv4 and IPv6 fragment reassembly, as Wireshark does by default (`ip.defragment`,
/// `ipv6.defragment`): a datagram whose fragments have all been seen is decoded in the frame of
/// the fragment that completed it, and the TCP segment inside is analysed there; the other
/// fragments stay counted as "IP fragment". Runs only for frames the decoder found to be
/// fragments, so the common path pays one comparison.
///
/// Bounded: at most `maxPending` datagrams and `maxBytes` bytes wait at once (the oldest go
/// first), and a datagram waits at most `timeoutNanos` of capture time.
public final class Reassembly: @unchecked Sendable {
    struct Key: Hashable {
        var src: IPAddress, dst: IPAddress, id: UInt32, proto: UInt8
    }
    struct Pending {
        var first: Int64
        /// The IP header (IPv4) or the fixed header (IPv6) of the offset-0 fragment, once seen.
        var header: [UInt8] = []
        var data: [UInt8] = []
        /// Byte ranges received (sorted, merged).
        var have: [(Int, Int)] = []
        /// Payload length, once the last fragment (MF clear) arrived.
        var total = -1
        var nextHeader: UInt8 = 0
    }

    public static let maxPending = 4096
    static let maxBytes = 32 << 20
    static let timeoutNanos: Int64 = 60_000_000_000
    /// Largest reassembled payload (IPv4 and IPv6 without jumbograms: 16 bits).
    static let maxDatagram = 65_535

    private var pending: [Key: Pending] = [:]
    private var bytes = 0
    public private(set) var reassembled = 0
    /// Datagrams waiting for fragments (for the bound test).
    public var waiting: Int { pending.count }

    public init() {}

    /// Where the decoder leaves a fragment's position (in `seg`, which holds no segment then).
    static func found(fragmentAt off: Int, fragmentHeader: Int, sig: CaptureSignature, into seg: inout TCPSegment) -> DecodeSkip {
        seg.segmentLength = off
        seg.ack = UInt32(truncatingIfNeeded: fragmentHeader)
        seg.signature = sig
        return .fragment
    }

    /// Decodes a frame; a fragment that completes a datagram gives the datagram's TCP segment.
    public func decode(linkType: Int32, bytes b: UnsafeRawBufferPointer, originalLength: Int, frame: Int, time: Int64, interfaceID: UInt32 = 0,
                       into seg: inout TCPSegment) -> DecodeSkip? {
        let r = PacketDecoder.decode(linkType: linkType, bytes: b, originalLength: originalLength, frame: frame, time: time,
                                     interfaceID: interfaceID, into: &seg)
        guard r == .fragment else { return r }
        return fragment(bytes: b, originalLength: originalLength, frame: frame, time: time, into: &seg)
    }

    /// After `PacketDecoder.decode` said `.fragment` for these bytes (with `seg` as it left it):
    /// the datagram's TCP segment when this fragment completed it, else why not.
    public func fragment(bytes b: UnsafeRawBufferPointer, originalLength: Int, frame: Int, time: Int64, into seg: inout TCPSegment) -> DecodeSkip? {
        add(b, ipAt: seg.segmentLength, fragmentHeader: Int(seg.ack), originalLength: originalLength, frame: frame, time: time,
            sig: seg.signature, realm: seg.realm, into: &seg)
    }

    private func add(_ b: UnsafeRawBufferPointer, ipAt off: Int, fragmentHeader fh: Int, originalLength: Int, frame: Int, time: Int64,
                     sig: CaptureSignature, realm: UInt32, into seg: inout TCPSegment) -> DecodeSkip? {
        var key: Key
        var start: Int, dataFrom: Int, dataTo: Int, more: Bool
        var header: ArraySlice<UInt8>? = nil
        var nextHeader: UInt8 = 0
        if fh == 0 {
            guard b.count >= off + 20 else { return .fragment }
            let ihl = Int(b[off] & 0x0f) * 4
            let total = min(Int(be16(b, off + 2)), originalLength - off)
            let frag = be16(b, off + 6)
            key = Key(src: IPAddress(hi: 0, lo: UInt64(be32(b, off + 12)), isV4: true), dst: IPAddress(hi: 0, lo: UInt64(be32(b, off + 16)), isV4: true),
                      id: UInt32(be16(b, off + 4)), proto: b[off + 9])
            start = Int(frag & 0x1fff) * 8
            more = frag & 0x2000 != 0
            dataFrom = off + ihl; dataTo = off + total
            if start == 0 { header = ArraySlice(UnsafeRawBufferPointer(rebasing: b[off..<(off + ihl)])) }
        } else {
            // only a fragment header right after the fixed header (the usual case) is reassembled
            guard b.count >= fh + 8, fh == off + 40 else { return .fragment }
            func addr(_ o: Int) -> IPAddress {
                var hi: UInt64 = 0, lo: UInt64 = 0
                for i in 0..<8 { hi = hi << 8 | UInt64(b[o + i]) }
                for i in 8..<16 { lo = lo << 8 | UInt64(b[o + i]) }
                return IPAddress(hi: hi, lo: lo, isV4: false)
            }
            let fo = be16(b, fh + 2)
            nextHeader = b[fh]
            key = Key(src: addr(off + 8), dst: addr(off + 24), id: be32(b, fh + 4), proto: nextHeader)
            start = Int(fo >> 3) * 8
            more = fo & 1 != 0
            dataFrom = fh + 8
            dataTo = min(off + 40 + Int(be16(b, off + 4)), originalLength)
            if start == 0 { header = ArraySlice(UnsafeRawBufferPointer(rebasing: b[off..<(off + 40)])) }
        }
        // a fragment cut by the snap length cannot be put together (Wireshark does not either)
        guard dataTo >= dataFrom, dataTo <= b.count, start + (dataTo - dataFrom) <= Self.maxDatagram else { return .fragment }
        expire(now: time)
        var p = pending[key] ?? Pending(first: time)
        let end = start + (dataTo - dataFrom)
        if p.data.count < end {
            bytes += end - p.data.count
            p.data.append(contentsOf: repeatElement(0, count: end - p.data.count))
        }
        p.data.withUnsafeMutableBytes { dst in
            dst.baseAddress!.advanced(by: start).copyMemory(from: b.baseAddress!.advanced(by: dataFrom), byteCount: dataTo - dataFrom)
        }
        if let h = header { p.header = Array(h); if fh != 0 { p.nextHeader = nextHeader } }
        if !more { p.total = end }
        p.have.append((start, end))
        p.have.sort { $0.0 < $1.0 }
        var merged: [(Int, Int)] = []
        for r in p.have {
            if let last = merged.last, r.0 <= last.1 { merged[merged.count - 1].1 = max(last.1, r.1) } else { merged.append(r) }
        }
        p.have = merged
        guard p.total >= 0, !p.header.isEmpty, merged.count == 1, merged[0].0 == 0, merged[0].1 >= p.total else {
            pending[key] = p
            bound()
            return .fragment
        }
        pending[key] = nil
        bytes -= p.data.count
        reassembled += 1
        // the datagram as if it had not been fragmented, decoded in this frame
        var packet = p.header
        let payload = p.data.prefix(p.total)
        if fh == 0 {
            let len = packet.count + payload.count
            packet[2] = UInt8(truncatingIfNeeded: len >> 8); packet[3] = UInt8(truncatingIfNeeded: len)
            packet[6] = 0; packet[7] = 0
        } else {
            packet[4] = UInt8(truncatingIfNeeded: payload.count >> 8); packet[5] = UInt8(truncatingIfNeeded: payload.count)
            packet[6] = p.nextHeader
        }
        packet.append(contentsOf: payload)
        let r = packet.withUnsafeBytes { pb in
            PacketDecoder.decodeIP(pb, off: 0, ethertype: fh == 0 ? 0x0800 : 0x86dd, originalLength: pb.count, frame: frame, time: time, sig: sig, into: &seg)
        }
        if r == nil { seg.realm = realm }
        return r == .fragment ? .fragment : r
    }

    private var lastExpiry: Int64 = .min

    /// Drops datagrams waiting longer than the timeout (looked at once per second of capture time).
    private func expire(now: Int64) {
        guard !pending.isEmpty, now &- lastExpiry > 1_000_000_000 || lastExpiry &- now > 1_000_000_000 else { return }
        lastExpiry = now
        for (k, v) in pending where now &- v.first > Self.timeoutNanos || v.first &- now > Self.timeoutNanos {
            bytes -= v.data.count
            pending[k] = nil
        }
    }

    /// Keeps within the ceilings: beyond one, the oldest eighth goes (the oldest first).
    private func bound() {
        guard pending.count > Self.maxPending || bytes > Self.maxBytes else { return }
        let byAge = pending.sorted { $0.value.first < $1.value.first }
        var dropped = 0
        for (k, v) in byAge {
            guard pending.count > Self.maxPending || bytes > Self.maxBytes || dropped < byAge.count / 8 else { break }
            bytes -= v.data.count
            pending[k] = nil
            dropped += 1
        }
    }
}
