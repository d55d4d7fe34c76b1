import ForensicModel

/// An IPv4 or IPv6 address in 16 bytes (IPv4 in the low 4 bytes, flagged).
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64
    public var isV4: Bool

    public static func < (a: IPAddress, b: IPAddress) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }

    public var description: String {
        if isV4 {
            let v = UInt32(truncatingIfNeeded: lo)
            return "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
        }
        var groups: [UInt16] = []
        for w in [hi, lo] { for s in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: w >> UInt64(s))) } }
        // RFC 5952: compress the longest run of zero groups.
        var best = (start: -1, len: 0), cur = (start: -1, len: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 { if cur.start < 0 { cur = (i, 0) }; cur.len += 1; if cur.len > best.len { best = cur } } else { cur = (-1, 0) }
        }
        let hex = groups.map { String($0, radix: 16) }
        if best.len < 2 { return hex.joined(separator: ":") }
        let left = hex[..<best.start].joined(separator: ":"), right = hex[(best.start + best.len)...].joined(separator: ":")
        return left + "::" + right
    }
}

/// Where a copy was seen: SLL2 interface + direction, SLL packet-type class + link address,
/// Ethernet VLAN + MAC pair, or pcapng interface.
public struct CaptureSignature: Hashable, Sendable, CustomStringConvertible {
    public var kind: UInt8      // 1 eth, 2 sll, 3 sll2, 4 raw/null
    public var ifindex: UInt32
    public var outgoing: Bool
    public var addr: UInt64     // link address (SLL) or MAC pair hash (Ethernet)
    public var vlan: UInt32

    /// The hash FlatTable lookups use (copies are counted per signature).
    var hash64: UInt64 {
        mix64(UInt64(kind) << 56 ^ UInt64(ifindex) << 24 ^ (outgoing ? 1 << 60 : 0) ^ addr &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(vlan) << 4)
    }

    /// `kind`'s high nibble: how many tunnels deep the packet was found (0: bare).
    public var description: String {
        let tunnel = kind >> 4 == 0 ? "" : kind >> 4 == 1 ? ", in a tunnel" : ", \(kind >> 4) tunnels deep"
        switch kind & 0x0f {
        case 3: return "ifindex \(ifindex) \(outgoing ? "out" : "in")" + tunnel
        case 2: return "\(outgoing ? "outgoing" : "incoming") addr \(String(addr, radix: 16))" + (vlan != 0 ? " vlan \(vlan)" : "") + tunnel
        case 1: return (vlan != 0 ? "vlan \(vlan) mac \(String(addr & 0xffff_ffff, radix: 16))" : "mac \(String(addr & 0xffff_ffff, radix: 16))") + tunnel
        default: return "interface \(ifindex)" + tunnel
        }
    }
}

/// Fields no device on a node's path rewrites: identifies copies of one packet.
public struct PacketFingerprint: Hashable, Sendable {
    /// Hashing uses the fields most likely to differ; equality compares all of them.
    public func hash(into h: inout Hasher) { h.combine(hash64) }
    var hash64: UInt64 { mix64(UInt64(seq) << 32 | UInt64(ack) ^ payloadHash ^ UInt64(ipID) << 7 ^ UInt64(ipLength) << 40) }
    var ipVersion: UInt8
    var ipLength: UInt32
    var ipID: UInt32          // IPv4 id + fragment field, or IPv6 flow label
    var seq: UInt32
    var ack: UInt32
    var flagsOffset: UInt16   // data offset + flags
    var window: UInt16
    var urgent: UInt16
    var optionsHash: UInt64   // MSS value masked
    var payloadLength: UInt32
    var payloadHash: UInt64
}

/// One TCP segment, decoded. Plain values only; the packet bytes are not kept.
public struct TCPSegment: Sendable {
    public var frame: Int
    public var time: Int64              // ns since epoch
    public var src: IPAddress
    public var dst: IPAddress
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var seq: UInt32
    public var ack: UInt32
    public var flags: UInt8             // FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32
    public var window: UInt16
    /// From the IP header (never the captured length).
    public var segmentLength: Int
    /// Window scale option (SYN), or -1 when absent.
    public var windowScale: Int8
    public var ttl: UInt8
    /// Set when the TCP segment was found inside a tunnel (VXLAN, Geneve, GRE, IP-in-IP…):
    /// which one (`TunnelKind`), 0 when bare.
    public var tunnel: UInt8 = 0
    /// A TCP Fast Open cookie option (kind 34, or the experimental 254 with magic F989) is present.
    /// (These three sit in the padding before `signature`: the segment is no larger with them.)
    public var tfoCookie = false
    /// The VLAN stack the packet travelled on (802.1Q/802.1ad tags, outermost first, 12 bits
    /// each; 0: untagged, as is a lone priority tag with VLAN 0). Part of the real view's
    /// conversation key (a connection replayed on another VLAN is another connection); the
    /// Wireshark view keys on addresses and ports only. The copy detector may set it to the
    /// realm a connection was first seen on, for a kept packet whose copies travelled on that one.
    public var realm: UInt32 = 0
    public var signature: CaptureSignature
    public var fingerprint: PacketFingerprint

    public var isSYN: Bool { flags & 2 != 0 }
    public var isFIN: Bool { flags & 1 != 0 }
    public var isRST: Bool { flags & 4 != 0 }
    public var isACK: Bool { flags & 16 != 0 }

    public var flowDescription: String { "\(endpoint(src, srcPort)) -> \(endpoint(dst, dstPort))" }
}

func endpoint(_ a: IPAddress, _ p: UInt16) -> String { a.isV4 ? "\(a):\(p)" : "[\(a)]:\(p)" }

/// Why a frame was not analysed.
public enum DecodeSkip: String, Error, Sendable {
    case unsupportedLinkType = "unsupported link type"
    case notIP = "not IP"
    case notTCP = "not TCP"
    case fragment = "IP fragment"
    case truncated = "truncated headers"
    case malformed = "malformed header"
}

/// Link types (DLT values as `pcap_datalink` returns them).
public enum LinkType {
    public static let null: Int32 = 0, ethernet: Int32 = 1, raw: Int32 = 12, rawAlt: Int32 = 14, loop: Int32 = 108
    public static let linuxSLL: Int32 = 113, linuxSLL2: Int32 = 276, ipv4: Int32 = 228, ipv6: Int32 = 229, rawLinktype: Int32 = 101

    public static func isSupported(_ lt: Int32) -> Bool {
        switch lt {
        case null, ethernet, raw, rawAlt, loop, linuxSLL, linuxSLL2, ipv4, ipv6, rawLinktype: return true
        default: return LinkLayers.isSupported(lt)
        }
    }
}

// Callers check the length first (every read of the decoder is behind a `b.count >=` guard).
@inline(__always) func be16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
@inline(__always) func be32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 { UInt32(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }

/// A fast 64-bit hash of a payload, 8 bytes at a time (multiply-xorshift mixing). Copies of one
/// packet have identical payloads; this only has to tell different payloads apart among the few
/// packets that already share seq, ack, length and IP id.
@inline(__always) func hashWords(_ p: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(p.count)
    var i = 0
    let n = p.count
    while i + 8 <= n {
        let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    while i < n { tail = tail << 8 | UInt64(p[i]); i += 1 }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
}

/// Decodes link, IP and TCP headers. Pure; checks every length before reading.
public enum PacketDecoder {
    public static func decode(linkType: Int32, bytes b: UnsafeRawBufferPointer, originalLength: Int, frame: Int, time: Int64, interfaceID: UInt32 = 0) -> Result<TCPSegment, DecodeSkip> {
        var seg = TCPSegment.placeholder
        if let skip = decode(linkType: linkType, bytes: b, originalLength: originalLength, frame: frame, time: time, interfaceID: interfaceID, into: &seg) {
            return .failure(skip)
        }
        return .success(seg)
    }

    /// The same, written into `seg` (no copy of the ~200-byte segment): nil, or why not TCP.
    public static func decode(linkType: Int32, bytes b: UnsafeRawBufferPointer, originalLength: Int, frame: Int, time: Int64, interfaceID: UInt32 = 0,
                              into seg: inout TCPSegment) -> DecodeSkip? {
        var sig = CaptureSignature(kind: 4, ifindex: interfaceID, outgoing: false, addr: 0, vlan: 0)
        var off = 0
        var ethertype: UInt16 = 0
        var realm: UInt32 = 0
        switch linkType {
        case LinkType.ethernet:
            guard b.count >= 14 else { return .truncated }
            let mac = hashWords(UnsafeRawBufferPointer(rebasing: b[0..<12]))
            ethertype = be16(b, 12)
            off = 14
            var vlan: UInt32 = 0
            while ethertype == 0x8100 || ethertype == 0x88a8 || ethertype == 0x9100 {
                guard b.count >= off + 4 else { return .truncated }
                vlan = vlan << 12 | UInt32(be16(b, off) & 0x0fff)
                ethertype = be16(b, off + 2)
                off += 4
            }
            sig = CaptureSignature(kind: 1, ifindex: interfaceID, outgoing: false, addr: mac, vlan: vlan)
            realm = vlan
        case LinkType.linuxSLL:
            guard b.count >= 16 else { return .truncated }
            let pkttype = be16(b, 0), halen = Int(be16(b, 4))
            var addr: UInt64 = 0
            for i in 0..<min(halen, 8) { addr = addr << 8 | UInt64(b[6 + i]) }
            ethertype = be16(b, 14)
            off = 16
            sig = CaptureSignature(kind: 2, ifindex: interfaceID, outgoing: pkttype == 4, addr: addr, vlan: 0)
        case LinkType.linuxSLL2:
            guard b.count >= 20 else { return .truncated }
            ethertype = be16(b, 0)
            let ifindex = be32(b, 4)
            let pkttype = b[10]
            off = 20
            sig = CaptureSignature(kind: 3, ifindex: ifindex, outgoing: pkttype == 4, addr: 0, vlan: 0)
        case LinkType.raw, LinkType.rawAlt, LinkType.rawLinktype, LinkType.ipv4, LinkType.ipv6:
            guard b.count >= 1 else { return .truncated }
            ethertype = b[0] >> 4 == 6 ? 0x86dd : 0x0800
        case LinkType.null, LinkType.loop:
            guard b.count >= 5 else { return .truncated }
            ethertype = b[4] >> 4 == 6 ? 0x86dd : 0x0800
            off = 4
        default:
            // the other link types tshark reads (LinkLayers.swift): off the common path
            guard let h = LinkLayers.header(linkType: linkType, b) else {
                return LinkLayers.isSupported(linkType) ? .notIP : .unsupportedLinkType
            }
            off = h.off; ethertype = h.ethertype
            sig = CaptureSignature(kind: h.kind, ifindex: interfaceID, outgoing: false, addr: 0, vlan: 0)
        }
        if ethertype != 0x0800 && ethertype != 0x86dd {
            // VLAN tags after a cooked header, PPPoE, MPLS, bridged frames: off the common path
            guard let n = LinkLayers.beyondEthertype(b, off: off, ethertype: ethertype, realm: realm) else { return .notIP }
            off = n.off; ethertype = n.ethertype
            if n.realm != realm { realm = n.realm; sig.vlan = n.realm }
            seg.realm = realm
            seg.tunnel = 0
            return decodeIP(b, off: off, ethertype: ethertype, originalLength: min(originalLength, n.end), frame: frame, time: time, sig: sig, into: &seg)
        }
        seg.realm = realm
        seg.tunnel = 0
        return decodeIP(b, off: off, ethertype: ethertype, originalLength: originalLength, frame: frame, time: time, sig: sig, into: &seg)
    }

    static func decodeIP(_ b: UnsafeRawBufferPointer, off: Int, ethertype: UInt16, originalLength: Int, frame: Int, time: Int64, sig: CaptureSignature,
                         into seg: inout TCPSegment) -> DecodeSkip? {
        var src = IPAddress(hi: 0, lo: 0, isV4: true), dst = src
        var l4 = 0
        var l4Length = 0
        var ipLen: UInt32 = 0
        var ipID: UInt32 = 0
        var ttl: UInt8 = 0
        let version: UInt8
        switch ethertype {
        case 0x0800:
            guard b.count >= off + 20 else { return .truncated }
            guard b[off] >> 4 == 4 else { return .malformed }
            version = 4
            let ihl = Int(b[off] & 0x0f) * 4
            guard ihl >= 20, b.count >= off + ihl else { return .malformed }
            var total = Int(be16(b, off + 2))
            // TSO / BIG TCP: total length 0 means "use the frame's length" (Wireshark's ip.tso_support).
            if total == 0 { total = originalLength - off }
            // A frame shorter on the wire than the IP length says (Wireshark uses the smaller).
            total = min(total, originalLength - off)
            guard total >= ihl else { return .malformed }
            let frag = be16(b, off + 6)
            if frag & 0x3fff != 0 { return Reassembly.found(fragmentAt: off, fragmentHeader: 0, sig: sig, into: &seg) } // MF set or offset != 0
            guard b[off + 9] == 6 else {
                return Tunnels.decapsulate(b, protocol: b[off + 9], l4: off + ihl, end: off + total, originalLength: originalLength,
                                           frame: frame, time: time, sig: sig, into: &seg)
            }
            ttl = b[off + 8]
            ipID = UInt32(be16(b, off + 4)) << 16 | UInt32(frag)
            ipLen = UInt32(total)
            src = IPAddress(hi: 0, lo: UInt64(be32(b, off + 12)), isV4: true)
            dst = IPAddress(hi: 0, lo: UInt64(be32(b, off + 16)), isV4: true)
            l4 = off + ihl
            l4Length = total - ihl
        case 0x86dd:
            guard b.count >= off + 40 else { return .truncated }
            guard b[off] >> 4 == 6 else { return .malformed }
            version = 6
            let payload = Int(be16(b, off + 4))
            ipID = be32(b, off) & 0x000f_ffff
            ttl = b[off + 7]
            func addr(_ o: Int) -> IPAddress {
                var hi: UInt64 = 0, lo: UInt64 = 0
                for i in 0..<8 { hi = hi << 8 | UInt64(b[o + i]) }
                for i in 8..<16 { lo = lo << 8 | UInt64(b[o + i]) }
                return IPAddress(hi: hi, lo: lo, isV4: false)
            }
            src = addr(off + 8); dst = addr(off + 24)
            var next = b[off + 6]
            var p = off + 40
            var remaining = payload
            // Extension headers: hop-by-hop 0, routing 43, fragment 44, dest opts 60.
            var hops = 0
            while next == 0 || next == 43 || next == 44 || next == 60 || next == 51 {
                hops += 1
                guard hops < 16, b.count >= p + 8 else { return .truncated }
                if next == 44 {
                    let fragOff = be16(b, p + 2)
                    if fragOff & 0xfff9 != 0 { return Reassembly.found(fragmentAt: off, fragmentHeader: p, sig: sig, into: &seg) } // offset or M flag
                    next = b[p]; p += 8; remaining -= 8
                    continue
                }
                let len = next == 51 ? (Int(b[p + 1]) + 2) * 4 : (Int(b[p + 1]) + 1) * 8
                next = b[p]; p += len; remaining -= len
            }
            if payload == 0 { remaining = originalLength - p } // jumbogram or TSO
            remaining = min(remaining, originalLength - p)
            guard next == 6 else {
                return Tunnels.decapsulate(b, protocol: next, l4: p, end: p + max(remaining, 0), originalLength: originalLength,
                                           frame: frame, time: time, sig: sig, into: &seg)
            }
            ipLen = UInt32(payload)
            l4 = p
            l4Length = remaining
        default:
            return .notIP
        }
        guard b.count >= l4 + 20 else { return .truncated }
        let thl = Int(b[l4 + 12] >> 4) * 4
        guard thl >= 20, l4Length >= thl else { return .malformed }
        let flags = b[l4 + 13]
        // Options: the window scale, and a hash of the option bytes up to the end-of-list or the
        // first malformed option, with the MSS value left out (middleboxes clamp it).
        var wscale: Int8 = -1
        let optStart = l4 + 20
        let optEnd = min(l4 + thl, b.count)
        var i = optStart
        var mssValue = -1
        var tfo = false
        while i < optEnd {
            let kind = b[i]
            if kind == 0 { i += 1; break }
            if kind == 1 { i += 1; continue }
            guard i + 1 < optEnd else { break }
            let len = Int(b[i + 1])
            guard len >= 2, i + len <= optEnd else { break }
            if kind == 2, len == 4 { mssValue = i + 2 }
            if kind == 3, len == 3 { wscale = Int8(clamping: min(b[i + 2], 14)) }
            if (kind == 34 && len > 2) || (kind == 254 && len > 4 && b[i + 2] == 0xf9 && b[i + 3] == 0x89) { tfo = true }
            i += len
        }
        var optHash: UInt64 = 0
        if i > optStart {
            if mssValue >= 0 {
                optHash = hashWords(UnsafeRawBufferPointer(rebasing: b[optStart..<mssValue])) &* 31
                    ^ hashWords(UnsafeRawBufferPointer(rebasing: b[(mssValue + 2)..<i]))
            } else {
                optHash = hashWords(UnsafeRawBufferPointer(rebasing: b[optStart..<i]))
            }
        }
        let segLen = l4Length - thl
        let payloadStart = l4 + thl
        let payloadEnd = min(b.count, payloadStart + max(segLen, 0))
        // The first 64 and last 16 captured payload bytes: enough to tell payloads apart among
        // packets that already share seq, ack, length and IP id, without reading every byte.
        var payloadHash: UInt64 = 0
        if payloadStart < payloadEnd {
            let n = payloadEnd - payloadStart
            payloadHash = hashWords(UnsafeRawBufferPointer(rebasing: b[payloadStart..<(payloadStart + min(n, 64))]))
            if n > 64 { payloadHash ^= hashWords(UnsafeRawBufferPointer(rebasing: b[max(payloadStart + 64, payloadEnd - 16)..<payloadEnd])) &* 31 }
        }
        seg.frame = frame; seg.time = time; seg.src = src; seg.dst = dst
        seg.srcPort = be16(b, l4); seg.dstPort = be16(b, l4 + 2)
        seg.seq = be32(b, l4 + 4); seg.ack = be32(b, l4 + 8); seg.flags = flags; seg.window = be16(b, l4 + 14)
        seg.segmentLength = segLen; seg.windowScale = wscale; seg.ttl = ttl; seg.signature = sig; seg.tfoCookie = tfo
        seg.fingerprint = PacketFingerprint(
            ipVersion: version, ipLength: ipLen, ipID: ipID, seq: seg.seq, ack: seg.ack,
            flagsOffset: be16(b, l4 + 12), window: seg.window, urgent: be16(b, l4 + 18),
            optionsHash: optHash, payloadLength: UInt32(max(segLen, 0)), payloadHash: payloadHash)
        return nil
    }
}
