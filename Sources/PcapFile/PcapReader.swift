import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// An error from libpcap, with its error buffer text.
public struct PcapError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Metadata of one captured packet; the bytes are lent separately.
public struct PacketHeader: Sendable {
    /// Nanoseconds since the epoch.
    public var timestampNanos: Int64
    public var capturedLength: Int
    public var originalLength: Int
    /// pcapng interface (IDB index); 0 for classic pcap.
    public var interfaceID: UInt32 = 0
    /// LINKTYPE of the packet's interface.
    public var linkType: Int32
}

/// How reading stopped.
public enum PcapEnd: Sendable, Equatable {
    case endOfFile
    /// libpcap reported an error (e.g. the file is cut in the middle of a packet).
    case error(String)
    case stopped
}

/// A capture file opened with libpcap (`pcap_fopen_offline_with_tstamp_precision`, ns). The
/// file is opened here with a 1 MiB stdio buffer before libpcap gets it: libpcap's own open
/// reads through the default 4 KiB buffer, a read(2) per 4 KiB, and on a 1 GB capture the
/// system calls cost more than the copying (scripts/bench_pcap.sh shows both floors).
/// The pcap_t never leaves this type; packet bytes are lent to a closure only.
public final class PcapReader {
    private let handle: OpaquePointer
    public let path: String
    /// LINKTYPE_ value of the file (first interface for pcapng).
    public let linkType: Int32
    public let snapshotLength: Int32

    public convenience init(path: String) throws(PcapError) {
        guard let fp = fopen(path, "rb") else { throw PcapError("\(path): \(String(cString: strerror(errno)))") }
        try self.init(file: fp, path: path)
    }

    /// Reads from an open descriptor (a pipe carrying a decompressed or streamed capture); it is
    /// closed with the reader.
    public convenience init(fd: Int32, path: String) throws(PcapError) {
        guard let fp = fdopen(fd, "rb") else { close(fd); throw PcapError("\(path): \(String(cString: strerror(errno)))") }
        try self.init(file: fp, path: path)
    }

    /// Takes `fp` (closed with the reader, or here when libpcap refuses it).
    private init(file fp: UnsafeMutablePointer<FILE>, path: String) throws(PcapError) {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        // glibc ignores the size unless it is given the buffer; the buffer must outlive the FILE
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.bufferSize)
        setvbuf(fp, buffer, _IOFBF, Self.bufferSize)
        guard let h = pcap_fopen_offline_with_tstamp_precision(fp, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(fp)   // libpcap closes the file with the handle, not when the open fails
            buffer.deallocate()
            throw PcapError(String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.buffer = buffer
        self.handle = h
        self.path = path
        self.linkType = pcap_datalink(h)
        self.snapshotLength = pcap_snapshot(h)
    }

    private static let bufferSize = 1 << 20
    private let buffer: UnsafeMutablePointer<CChar>

    deinit {
        pcap_close(handle)   // closes the FILE
        buffer.deallocate()
    }

    /// Name of the link type as libpcap knows it (`LINUX_SLL2`, `EN10MB`...).
    public var linkTypeName: String {
        guard let p = pcap_datalink_val_to_name(linkType) else { return "DLT \(linkType)" }
        return String(cString: p)
    }

    /// Calls `body` for each packet in file order until it returns false or the file ends.
    /// The buffer is valid only during the call.
    public func forEach(_ body: (PacketHeader, UnsafeRawBufferPointer) throws -> Bool) rethrows -> PcapEnd {
        var none: Void = ()
        return try forEach(&none) { _, h, b in try body(h, b) }
    }

    /// The same with the caller's state passed along inout (a closure that captured mutable
    /// variables would pay a dynamic exclusivity check on each access, per packet).
    public func forEach<State>(_ state: inout State, _ body: (inout State, PacketHeader, UnsafeRawBufferPointer) throws -> Bool) rethrows -> PcapEnd {
        var hdr: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            let r = pcap_next_ex(handle, &hdr, &data)
            if r == 1, let h = hdr?.pointee, let data {
                // With nanosecond precision requested, tv_usec holds nanoseconds.
                let ts = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec)
                let header = PacketHeader(timestampNanos: ts, capturedLength: Int(h.caplen), originalLength: Int(h.len), linkType: linkType)
                if try !body(&state, header, UnsafeRawBufferPointer(start: data, count: Int(h.caplen))) { return .stopped }
            } else if r == PCAP_ERROR_BREAK {
                return .endOfFile
            } else if r == 0 {
                continue
            } else {
                return .error(String(cString: pcap_geterr(handle)))
            }
        }
    }
}
