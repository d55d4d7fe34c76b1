/// Link layers and encapsulations beyond the common Ethernet / Linux cooked / raw IP ones, and
/// tunnels down to an inner TCP segment. Everything here runs only after the common path's
/// ethertype or IP protocol check failed, so it costs the common case nothing.
///
/// Sources for the layouts: the tcpdump.org link-type list (LINKTYPE_*), RFC 1661/1662 (PPP),
/// RFC 2516 (PPPoE), RFC 3032 (MPLS), RFC 4448 (Ethernet pseudowire control word), RFC 2784/2890
/// (GRE), RFC 2637 (PPTP enhanced GRE), RFC 7348 (VXLAN), RFC 8926 (Geneve), RFC 8086 (GRE-in-UDP),
/// 3GPP TS 29.281 (GTP-U), draft-foschiano-erspan (ERSPAN II/III), radiotap.org (radiotap),
/// IEEE 802.11 (data frame headers), the PPI specification, RFC 4391 (IPoIB), RFC 1201/2497
/// (ARCNET), netfilter's nfnetlink_log TLVs (NFLOG), tcpdump's print-juniper.c (Juniper's "MGC" header).
public enum LinkLayers {
    public static let ppp: Int32 = 9, fddi: Int32 = 10, atmRFC1483: Int32 = 11, arcnetBSD: Int32 = 7, pppSerial: Int32 = 50, pppEther: Int32 = 51
    public static let cHDLC: Int32 = 104, ieee80211: Int32 = 105, pflog: Int32 = 117, radiotap: Int32 = 127, arcnetLinux: Int32 = 129
    public static let pppPPPD: Int32 = 166, ppi: Int32 = 192, pppWithDir: Int32 = 204, nflog: Int32 = 239, netAnalyzer: Int32 = 240
    public static let netAnalyzerTransparent: Int32 = 241, ipoib: Int32 = 242
    public static let juniperEther: Int32 = 178, juniperPPP: Int32 = 179, juniperCHDLC: Int32 = 181

    /// The link types read here (besides `LinkType`'s common ones).
    public static func isSupported(_ lt: Int32) -> Bool {
        switch lt {
        case ppp, fddi, atmRFC1483, arcnetBSD, pppSerial, pppEther, cHDLC, ieee80211, pflog, radiotap, arcnetLinux,
             pppPPPD, ppi, pppWithDir, nflog, netAnalyzer, netAnalyzerTransparent, ipoib, juniperEther, juniperPPP, juniperCHDLC: return true
        default: return false
        }
    }

    /// Where the network layer starts and its ethertype (PPP, ARCNET and NFLOG protocol numbers
    /// mapped to ethertypes), and a signature kind; nil when the frame carries no IP.
    static func header(linkType: Int32, _ b: UnsafeRawBufferPointer, depth: Int = 0) -> (off: Int, ethertype: UInt16, kind: UInt8)? {
        switch linkType {
        case ppp:
            return pppHeader(b, 0).map { ($0.off, $0.ethertype, 5) }
        case pppWithDir:
            return pppHeader(b, 1).map { ($0.off, $0.ethertype, 5) }
        case pppSerial, cHDLC, pppPPPD:
            guard b.count >= 4 else { return nil }
            // Cisco HDLC (address 0x0F unicast / 0x8F broadcast): an ethertype follows the control byte
            if b[0] == 0x0f || b[0] == 0x8f { return (4, be16(b, 2), 5) }
            return pppHeader(b, linkType == pppPPPD ? 2 : 0).map { ($0.off, $0.ethertype, 5) }
        case pppEther:
            guard b.count >= 8, b[0] == 0x11 else { return nil }
            return pppHeader(b, 6).map { ($0.off, $0.ethertype, 5) }
        case fddi:
            // frame control, two MACs, then LLC/SNAP
            return snap(b, 13).map { ($0.off, $0.ethertype, 5) }
        case atmRFC1483:
            return snap(b, 0).map { ($0.off, $0.ethertype, 5) }
        case ipoib:
            // type + reserved (RFC 4391), or that behind the 40-byte address header Linux captures carry
            guard b.count >= 4 else { return nil }
            let t = be16(b, 0)
            if t == 0x0800 || t == 0x86dd { return (4, t, 5) }
            guard b.count >= 44 else { return nil }
            return (44, be16(b, 40), 5)
        case netAnalyzer, netAnalyzerTransparent:
            let eth = linkType == netAnalyzer ? 4 : 12
            guard b.count >= eth + 14 else { return nil }
            return (eth + 14, be16(b, eth + 12), 1)
        case arcnetLinux, arcnetBSD:
            // Linux: source, destination, 2-byte offset, protocol; BSD: source, destination, protocol
            let p = linkType == arcnetLinux ? 4 : 2
            guard b.count > p + 4 else { return nil }
            switch b[p] {
            case 0xd4, 0xc4: // RFC 1201 IPv4 / RFC 2497 IPv6: split flag and sequence number follow
                let off = b[p + 1] == 0xff ? p + 8 : p + 4 // an exception packet repeats the header
                guard b.count > off else { return nil }
                return (off, b[p] == 0xd4 ? 0x0800 : 0x86dd, 5)
            case 0xf0: return (p + 1, 0x0800, 5) // RFC 1051
            default: return nil
            }
        case pflog:
            // header length (padded to 4), then the packet; the IP version tells the family
            guard b.count >= 4 else { return nil }
            let off = (Int(b[0]) + 3) & ~3
            guard b.count > off else { return nil }
            return ipByVersion(b, off).map { ($0.off, $0.ethertype, 5) }
        case nflog:
            return nflogPayload(b).map { ($0.off, $0.ethertype, 5) }
        case ieee80211:
            return dot11(b, 0, dataPad: false).map { ($0.off, $0.ethertype, 6) }
        case radiotap:
            guard b.count >= 8, b[0] == 0 else { return nil }
            let len = Int(b[2]) | Int(b[3]) << 8
            guard len >= 8, b.count > len else { return nil }
            return dot11(b, len, dataPad: radiotapFlags(b, len) & 0x20 != 0).map { ($0.off, $0.ethertype, 6) }
        case juniperEther, juniperPPP, juniperCHDLC:
            // "MGC", flags, optional extension TLVs; with "no L2" the IP packet follows 4 more bytes
            guard b.count >= 4, b[0] == 0x4d, b[1] == 0x47, b[2] == 0x43 else { return nil }
            let flags = b[3]
            var h = 4
            if flags & 0x80 != 0 {
                guard b.count >= 6 else { return nil }
                h += 2 + Int(be16(b, 4))
            }
            if flags & 0x02 != 0 { return ipByVersion(b, h + 4).map { ($0.off, $0.ethertype, 5) } }
            switch linkType {
            case juniperEther:
                guard b.count >= h + 14 else { return nil }
                return (h + 14, be16(b, h + 12), 1)
            case juniperPPP:
                return pppHeader(b, h).map { ($0.off, $0.ethertype, 5) }
            default:
                guard b.count >= h + 4 else { return nil }
                return (h + 4, be16(b, h + 2), 5)
            }
        case ppi:
            guard depth == 0, b.count >= 8, b[0] == 0 else { return nil }
            let len = Int(b[2]) | Int(b[3]) << 8
            let dlt = Int32(b[4]) | Int32(b[5]) << 8 | Int32(b[6]) << 16 | Int32(b[7]) << 24
            guard len >= 8, b.count > len else { return nil }
            if dlt == LinkType.ethernet {
                guard b.count >= len + 14 else { return nil }
                return (len + 14, be16(b, len + 12), 1)
            }
            guard let inner = header(linkType: dlt, UnsafeRawBufferPointer(rebasing: b[len...]), depth: 1) else { return nil }
            return (len + inner.off, inner.ethertype, inner.kind)
        default:
            return nil
        }
    }

    /// A PPP header at `o`: optional address/control (FF 03), a 1- or 2-byte protocol.
    static func pppHeader(_ b: UnsafeRawBufferPointer, _ o: Int) -> (off: Int, ethertype: UInt16)? {
        var p = o
        guard b.count >= p + 2 else { return nil }
        if b[p] == 0xff && b[p + 1] == 0x03 { p += 2 }
        guard b.count >= p + 2 else { return nil }
        let proto: UInt16
        if b[p] & 1 == 1 { proto = UInt16(b[p]); p += 1 } else { proto = be16(b, p); p += 2 } // protocol-field compression
        switch proto {
        case 0x0021: return (p, 0x0800)
        case 0x0057: return (p, 0x86dd)
        case 0x0281, 0x0283: return (p, 0x8847)
        default: return nil
        }
    }

    /// LLC/SNAP (AA AA 03, OUI, ethertype) at `o`.
    static func snap(_ b: UnsafeRawBufferPointer, _ o: Int) -> (off: Int, ethertype: UInt16)? {
        guard b.count >= o + 8, b[o] == 0xaa, b[o + 1] == 0xaa, b[o + 2] == 0x03 else { return nil }
        return (o + 8, be16(b, o + 6))
    }

    static func ipByVersion(_ b: UnsafeRawBufferPointer, _ o: Int) -> (off: Int, ethertype: UInt16)? {
        guard b.count > o else { return nil }
        switch b[o] >> 4 {
        case 4: return (o, 0x0800)
        case 6: return (o, 0x86dd)
        default: return nil
        }
    }

    /// NFLOG: family, version, resource id, then TLVs (length and type in the capturing host's
    /// byte order, so both are tried); the packet is the NFULA_PAYLOAD (type 9) TLV.
    static func nflogPayload(_ b: UnsafeRawBufferPointer) -> (off: Int, ethertype: UInt16)? {
        guard b.count >= 8, b[1] == 0 else { return nil }
        var p = 4
        var tlvs = 0
        while p + 4 <= b.count, tlvs < 64 {
            tlvs += 1
            let le = Int(b[p]) | Int(b[p + 1]) << 8, typeLE = Int(b[p + 2]) | Int(b[p + 3]) << 8
            let bigEndian = le > 0xff && typeLE > 0xff // a small length read the wrong way round is large
            let len = bigEndian ? Int(be16(b, p)) : le
            let type = (bigEndian ? Int(be16(b, p + 2)) : typeLE) & 0x7fff
            guard len >= 4 else { return nil }
            if type == 9 { return ipByVersion(b, p + 4) }
            p += (len + 3) & ~3
        }
        return nil
    }

    /// The radiotap flags field (bit 1), 0 when absent: walks the present-bitmap words and the
    /// TSFT field before it (8 bytes, 8-aligned).
    static func radiotapFlags(_ b: UnsafeRawBufferPointer, _ len: Int) -> UInt8 {
        var p = 4
        var present: [UInt32] = []
        repeat {
            guard p + 4 <= len else { return 0 }
            present.append(UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24)
            p += 4
        } while present.last! & 0x8000_0000 != 0 && present.count < 8
        let first = present[0]
        guard first & 2 != 0 else { return 0 }
        if first & 1 != 0 { p = (p + 7) & ~7; p += 8 }
        return p < len ? b[p] : 0
    }

    /// An 802.11 data frame at `o` carrying LLC/SNAP: where the payload starts and its ethertype.
    static func dot11(_ b: UnsafeRawBufferPointer, _ o: Int, dataPad: Bool) -> (off: Int, ethertype: UInt16)? {
        guard b.count >= o + 24 else { return nil }
        let fc0 = b[o], fc1 = b[o + 1]
        guard (fc0 >> 2) & 3 == 2, fc0 & 0x40 == 0, fc1 & 0x40 == 0 else { return nil } // data, with a body, unprotected
        var h = 24
        if fc1 & 3 == 3 { h += 6 }          // four addresses (WDS)
        if fc0 & 0x80 != 0 {                // QoS data
            h += 2
            if fc1 & 0x80 != 0 { h += 4 }   // +HTC
        }
        if dataPad { h = (h + 3) & ~3 }
        return snap(b, o + h)
    }

    /// Past an ethertype that is not IP: VLAN tags (after a cooked header), PPPoE, MPLS, a bridged
    /// Ethernet frame (0x6558) or an 802.3 frame with LLC/SNAP; the VLAN stack grows `realm`.
    /// `end`: where the packet ends when a header says so (PPPoE's payload length; Wireshark
    /// bounds the IP packet by it, so padding after it is not taken as TCP payload), else Int.max.
    static func beyondEthertype(_ b: UnsafeRawBufferPointer, off o: Int, ethertype et: UInt16, realm r: UInt32) -> (off: Int, ethertype: UInt16, realm: UInt32, end: Int)? {
        var off = o, ethertype = et, realm = r, end = Int.max
        for _ in 0..<16 {
            switch ethertype {
            case 0x0800, 0x86dd:
                return (off, ethertype, realm, end)
            case 0x8100, 0x88a8, 0x9100:
                guard b.count >= off + 4 else { return nil }
                realm = realm << 12 | UInt32(be16(b, off) & 0x0fff)
                ethertype = be16(b, off + 2)
                off += 4
            case 0x8864: // PPPoE session: 6-byte header, then the PPP protocol
                guard b.count >= off + 8, let p = pppHeader(b, off + 6) else { return nil }
                end = min(end, off + 6 + Int(be16(b, off + 4)))
                (off, ethertype) = p
            case 0x8847, 0x8848: // MPLS: labels down to the bottom of the stack
                var n = 0
                while true {
                    guard b.count >= off + 4, n < 16 else { return nil }
                    let bottom = b[off + 2] & 1 != 0
                    off += 4; n += 1
                    if bottom { break }
                }
                guard b.count > off else { return nil }
                switch b[off] >> 4 {
                case 4: ethertype = 0x0800
                case 6: ethertype = 0x86dd
                case 0: // Ethernet pseudowire with its control word
                    guard b.count >= off + 18 else { return nil }
                    ethertype = be16(b, off + 16); off += 18
                default: return nil
                }
            case 0x6558: // transparent Ethernet bridging (GRE, Geneve)
                guard b.count >= off + 14 else { return nil }
                ethertype = be16(b, off + 12); off += 14
            default:
                guard ethertype <= 1500, let s = snap(b, off) else { return nil } // 802.3 length + LLC/SNAP
                (off, ethertype) = s
            }
        }
        return nil
    }
}

/// The tunnels decoded down to an inner TCP segment (`TCPSegment.tunnel`).
public enum TunnelKind: UInt8, Sendable, CaseIterable {
    case ipInIP = 1, gre, vxlan, geneve, greInUDP, gtpU, erspan

    public var name: String {
        switch self {
        case .ipInIP: "IP-in-IP"
        case .gre: "GRE"
        case .vxlan: "VXLAN"
        case .geneve: "Geneve"
        case .greInUDP: "GRE-in-UDP"
        case .gtpU: "GTP-U"
        case .erspan: "ERSPAN"
        }
    }
}

enum Tunnels {
    /// At most this many tunnels inside one another.
    static let maxDepth = 3

    /// The packet's IP payload (`l4..<end`, protocol `protocol`) is not TCP: when it is a tunnel,
    /// decodes the inner packet into `seg`; otherwise `.notTCP`. The copy signature gets the
    /// nesting depth, so an encapsulated copy of a packet also seen bare counts as another
    /// interface's copy.
    static func decapsulate(_ b: UnsafeRawBufferPointer, protocol proto: UInt8, l4: Int, end: Int, originalLength: Int,
                            frame: Int, time: Int64, sig: CaptureSignature, into seg: inout TCPSegment) -> DecodeSkip? {
        let depth = Int(sig.kind >> 4)
        guard depth < maxDepth else { return .notTCP }
        var inner: (off: Int, ethertype: UInt16)?
        var kind = TunnelKind.ipInIP
        switch proto {
        case 4: inner = (l4, 0x0800)        // IPIP
        case 41: inner = (l4, 0x86dd)       // 6in4, IP6IP6
        case 47:
            (inner, kind) = (gre(b, l4), .gre)
            if let i = inner, i.ethertype == 0x88be || i.ethertype == 0x22eb { (inner, kind) = (erspan(b, i.off, i.ethertype), .erspan) }
            // Aruba access points tunnel 802.11 frames in GRE with protocol types 0x8200-0x8350
            if let i = inner, (0x8200...0x8350).contains(i.ethertype) { inner = LinkLayers.dot11(b, i.off, dataPad: false) }
        case 17:
            guard b.count >= l4 + 8 else { return .notTCP }
            let dport = be16(b, l4 + 2), sport = be16(b, l4)
            let p = l4 + 8
            switch dport {
            case 4789, 8472: // VXLAN (IANA; Linux's and flannel's default): I flag, then an Ethernet frame
                guard b.count >= p + 22, b[p] & 0x08 != 0 else { return .notTCP }
                (inner, kind) = ((p + 22, be16(b, p + 20)), .vxlan)
            case 6081: // Geneve: version 0, options, protocol type
                guard b.count >= p + 8, b[p] >> 6 == 0 else { return .notTCP }
                let o = p + 8 + Int(b[p] & 0x3f) * 4
                (inner, kind) = ((o, be16(b, p + 2)), .geneve)
            case 4754:
                (inner, kind) = (gre(b, p), .greInUDP)
            default:
                guard dport == 2152 || sport == 2152 else { return .notTCP }
                (inner, kind) = (gtpU(b, p), .gtpU)
            }
        default:
            return .notTCP
        }
        guard let found = inner else { return .notTCP }
        var (off, ethertype) = found
        var innerSig = sig
        innerSig.kind = (sig.kind & 0x0f) | UInt8(depth + 1) << 4
        var bound = min(originalLength, end)
        if ethertype != 0x0800 && ethertype != 0x86dd {
            guard let next = LinkLayers.beyondEthertype(b, off: off, ethertype: ethertype, realm: 0) else { return .notTCP }
            (off, ethertype) = (next.off, next.ethertype)
            bound = min(bound, next.end)
        }
        let skip = PacketDecoder.decodeIP(b, off: off, ethertype: ethertype, originalLength: bound, frame: frame, time: time,
                                          sig: innerSig, into: &seg)
        if skip == nil { seg.tunnel = kind.rawValue }
        return skip
    }

    /// A GRE header (version 0, or 1 as PPTP's enhanced GRE carrying PPP) at `p`.
    static func gre(_ b: UnsafeRawBufferPointer, _ p: Int) -> (off: Int, ethertype: UInt16)? {
        guard b.count >= p + 4 else { return nil }
        let flags = be16(b, p), version = flags & 7
        guard version <= 1, flags & 0x4000 == 0 else { return nil } // no source routing (RFC 1701)
        var h = 4
        if flags & 0x8000 != 0 { h += 4 } // checksum + reserved
        if flags & 0x2000 != 0 { h += 4 } // key
        if flags & 0x1000 != 0 { h += 4 } // sequence number
        if version == 1 && flags & 0x0080 != 0 { h += 4 } // acknowledgment number
        let proto = be16(b, p + 2)
        if proto == 0x880b {
            guard version == 1 else { return nil }
            return LinkLayers.pppHeader(b, p + h)
        }
        // ERSPAN type II needs the sequence number; without it, it is type I (no ERSPAN header)
        if proto == 0x88be && flags & 0x1000 == 0 { return (p + h, 0x6558) }
        return (p + h, proto)
    }

    /// ERSPAN type II (8-byte header) or III (12, +8 with the platform sub-header), then Ethernet.
    static func erspan(_ b: UnsafeRawBufferPointer, _ p: Int, _ proto: UInt16) -> (off: Int, ethertype: UInt16)? {
        if proto == 0x88be { return (p + 8, 0x6558) }
        guard b.count >= p + 12 else { return nil }
        return (p + 12 + (b[p + 11] & 1 != 0 ? 8 : 0), 0x6558)
    }

    /// GTP-U version 1, a G-PDU (message type 255): the user's IP packet after the header, its
    /// optional fields and extension headers.
    static func gtpU(_ b: UnsafeRawBufferPointer, _ p: Int) -> (off: Int, ethertype: UInt16)? {
        guard b.count >= p + 8, b[p] >> 5 == 1, b[p] & 0x10 != 0, b[p + 1] == 0xff else { return nil }
        var o = p + 8
        if b[p] & 0x07 != 0 {
            guard b.count >= o + 4 else { return nil }
            var next = b[o + 3]
            o += 4
            var n = 0
            while next != 0 {
                guard b.count > o, n < 16 else { return nil }
                let len = Int(b[o]) * 4
                guard len > 0, b.count >= o + len else { return nil }
                next = b[o + len - 1]
                o += len; n += 1
            }
        }
        return LinkLayers.ipByVersion(b, o)
    }
}
