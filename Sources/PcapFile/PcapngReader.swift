#if canImport(Glibc)
import Glibc
#endif

/// A pcapng file read block by block, in Swift.
///
/// Why not libpcap for pcapng: `pcap_next_ex` does not say which interface (IDB) a packet came
/// from, which is what tells a `dumpcap -i a -i b` copy from a real retransmission; and libpcap
/// 1.10 refuses files whose interfaces differ in link type or snap length (e.g. the public
/// `ldap-gap-data-missing.pcapng`: 126 interfaces of mixed link types). Classic pcap files are
/// still read through libpcap (`PcapReader`). Spec: IETF draft-ietf-opsawg-pcapng (SHB, IDB with
/// `if_tsresol`/`if_tsoffset`, EPB, SPB, obsolete PB; other blocks are skipped and counted).
public final class PcapngReader {
    public struct Interface: Sendable {
        public var linkType: Int32
        public var snapLength: UInt32
        public var name: String?
        /// Timestamp units per second (10^6 by default).
        var unitsPerSecond: UInt64
        var offsetSeconds: Int64
    }

    public let path: String
    private let fd: Int32
    /// The bytes read and not yet consumed are `buf[start..<count]`; one buffer for the whole file,
    /// refilled by reading straight into it (no zero-filling, no second copy).
    private var buf: UnsafeMutableRawPointer
    private var capacity: Int
    private var count = 0
    private var start = 0          // first unread byte in buf
    private var fileOffset: Int64 = 0   // file offset of buf[start]
    private var eof = false
    private var bigEndian = false
    public private(set) var interfaces: [Interface] = []
    /// Blocks skipped because their type is not a packet or interface block, by type.
    public private(set) var skippedBlocks: [UInt32: Int] = [:]

    /// LINKTYPE names for reports.
    public static func linkTypeName(_ lt: Int32) -> String {
        switch lt {
        case 0: return "NULL"
        case 1: return "EN10MB"
        case 101: return "RAW"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 276: return "LINUX_SLL2"
        case 228: return "IPV4"
        case 229: return "IPV6"
        default: return "LINKTYPE \(lt)"
        }
    }

    public static func isPcapng(path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        return read(fd, &magic, 4) == 4 && magic == [0x0A, 0x0D, 0x0D, 0x0A]
    }

    public convenience init(path: String) throws(PcapError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PcapError("\(path): \(String(cString: strerror(errno)))") }
        self.init(fd: fd, path: path)
    }

    /// Reads from an open descriptor (a file, or a pipe carrying a decompressed or streamed
    /// capture); closed with the reader.
    public init(fd: Int32, path: String) {
        self.path = path
        self.fd = fd
        capacity = 1 << 22
        buf = .allocate(byteCount: capacity, alignment: 16)
    }

    /// Reads from memory (tests and fuzzing).
    public init(bytes: [UInt8]) {
        path = "<memory>"
        fd = -1
        capacity = max(bytes.count, 1)
        buf = .allocate(byteCount: capacity, alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { buf.copyMemory(from: b, byteCount: $0.count) } }
        count = bytes.count
        eof = true
    }

    deinit {
        if fd >= 0 { close(fd) }
        buf.deallocate()
    }

    /// Makes `n` bytes available at `start`; false at end of file. The unread rest moves to the
    /// front and the file is read straight in behind it (the buffer grows only for a block larger
    /// than it, at most 256 MB, which `forEach` checks first).
    private func ensure(_ n: Int) -> Bool {
        if count - start >= n { return true }
        if fd < 0 { return false }
        if start > 0 {
            memmove(buf, buf + start, count - start)   // the regions may overlap
            count -= start
            start = 0
        }
        if n > capacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 16)
            bigger.copyMemory(from: buf, byteCount: count)
            buf.deallocate()
            buf = bigger
            capacity = n
        }
        while count < n && !eof {
            let got = read(fd, buf + count, capacity - count)
            if got <= 0 { eof = true; break }
            count += got
        }
        return count >= n
    }

    @inline(__always) private func byte(_ o: Int) -> UInt8 { buf.load(fromByteOffset: start + o, as: UInt8.self) }
    @inline(__always) private func u16(_ o: Int) -> UInt16 {
        let a = UInt16(byte(o)), b = UInt16(byte(o + 1))
        return bigEndian ? a << 8 | b : b << 8 | a
    }
    @inline(__always) private func u32(_ o: Int) -> UInt32 {
        let b0 = UInt32(byte(o)), b1 = UInt32(byte(o + 1)), b2 = UInt32(byte(o + 2)), b3 = UInt32(byte(o + 3))
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b3 << 24 | b2 << 16 | b1 << 8 | b0
    }

    /// Calls `body` for each packet in file order until it returns false or the file ends.
    /// The header's `interfaceID` and `linkType` come from the packet's interface.
    public func forEach(_ body: (PacketHeader, UnsafeRawBufferPointer) throws -> Bool) rethrows -> PcapEnd {
        var none: Void = ()
        return try forEach(&none) { _, h, b in try body(h, b) }
    }

    /// The same with the caller's state passed along inout (a closure that captured mutable
    /// variables would pay a dynamic exclusivity check on each access, per packet).
    public func forEach<State>(_ state: inout State, _ body: (inout State, PacketHeader, UnsafeRawBufferPointer) throws -> Bool) rethrows -> PcapEnd {
        while true {
            guard ensure(8) else {
                return count - start == 0 ? .endOfFile : .error("file ends inside a block header at byte \(fileOffset)")
            }
            let rawType = UInt32(byte(0)) | UInt32(byte(1)) << 8 | UInt32(byte(2)) << 16 | UInt32(byte(3)) << 24
            if rawType == 0x0A0D_0D0A {
                // Section header: byte order from the magic at offset 8.
                guard ensure(12) else { return .error("file ends inside a section header at byte \(fileOffset)") }
                let bom = [byte(8), byte(9), byte(10), byte(11)]
                if bom == [0x4D, 0x3C, 0x2B, 0x1A] { bigEndian = false } else if bom == [0x1A, 0x2B, 0x3C, 0x4D] { bigEndian = true } else {
                    return .error("bad section header byte-order magic at byte \(fileOffset)")
                }
                interfaces = []
            }
            let type = u32(0)
            let length = Int(u32(4))
            guard length >= 12, length % 4 == 0, length <= 1 << 28 else {
                return .error("absurd block length \(length) at byte \(fileOffset)")
            }
            guard ensure(length) else {
                return .error("file ends inside a block (\(length) bytes, type 0x\(String(type, radix: 16))) at byte \(fileOffset): cut short")
            }
            switch type {
            case 0x0A0D_0D0A:
                break
            case 1: // IDB
                guard length >= 20 else { return .error("short interface block at byte \(fileOffset)") }
                var itf = Interface(linkType: Int32(u16(8)), snapLength: u32(12), name: nil, unitsPerSecond: 1_000_000, offsetSeconds: 0)
                var o = 16
                while o + 4 <= length - 4 {
                    let code = u16(o), len = Int(u16(o + 2))
                    if code == 0 || o + 4 + len > length - 4 { break }
                    if code == 9, len >= 1 {
                        let r = byte(o + 4)
                        let exp = UInt64(r & 0x7F)
                        if r & 0x80 != 0 { itf.unitsPerSecond = exp < 64 ? 1 << exp : 1 } else {
                            var u: UInt64 = 1
                            for _ in 0..<min(exp, 19) { u *= 10 }
                            itf.unitsPerSecond = u
                        }
                    } else if code == 14, len >= 8 {
                        let lo = UInt64(u32(o + 4)), hi = UInt64(u32(o + 8))
                        itf.offsetSeconds = Int64(bitPattern: bigEndian ? lo << 32 | hi : hi << 32 | lo)
                    } else if code == 2 {
                        let raw = UnsafeRawBufferPointer(start: buf + start + o + 4, count: len)
                        itf.name = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    o += 4 + ((len + 3) & ~3)
                }
                interfaces.append(itf)
            case 6, 2, 3: // EPB, obsolete PB, SPB
                var ifid = 0, caplen = 0, origlen = 0, dataOff = 0
                var tsUnits: UInt64 = 0
                if type == 3 {
                    // (a 12-byte simple packet block made the captured length negative and trapped: fuzzing)
                    guard length >= 16 else { return .error("short simple packet block at byte \(fileOffset)") }
                    ifid = 0
                    origlen = Int(u32(8))
                    dataOff = 12
                    caplen = min(origlen, length - 16)
                } else {
                    guard length >= 32 else { return .error("short packet block at byte \(fileOffset)") }
                    ifid = type == 6 ? Int(u32(8)) : Int(u16(8))
                    tsUnits = UInt64(u32(12)) << 32 | UInt64(u32(16))
                    caplen = Int(u32(20))
                    origlen = Int(u32(24))
                    dataOff = 28
                }
                guard ifid < interfaces.count else { return .error("packet block names interface \(ifid), which was not described, at byte \(fileOffset)") }
                guard caplen <= length - dataOff - 4 else { return .error("packet longer than its block at byte \(fileOffset)") }
                let itf = interfaces[ifid]
                let secs = tsUnits / itf.unitsPerSecond, frac = tsUnits % itf.unitsPerSecond
                // wrapping: a damaged block gives a wrong time, never a trap
                let nanos = (Int64(truncatingIfNeeded: secs) &+ itf.offsetSeconds) &* 1_000_000_000 &+ Int64(truncatingIfNeeded: itf.unitsPerSecond.dividingFullWidth(frac.multipliedFullWidth(by: 1_000_000_000)).quotient)
                let hdr = PacketHeader(timestampNanos: nanos, capturedLength: caplen, originalLength: max(origlen, caplen),
                                       interfaceID: UInt32(ifid), linkType: itf.linkType)
                let keepGoing = try body(&state, hdr, UnsafeRawBufferPointer(start: buf + start + dataOff, count: caplen))
                if !keepGoing { return .stopped }
            default:
                skippedBlocks[type, default: 0] += 1
            }
            start += length
            fileOffset += Int64(length)
        }
    }
}
