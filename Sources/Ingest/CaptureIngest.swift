import ForensicModel
import NetworkEvents
import PcapFile

/// Reads one capture through libpcap and runs the analysis.
public enum CaptureIngest {
    public struct Options: Sendable {
        public var keepCopies = false
        public var recordFrames = false
        public var copyWindowNanos: Int64 = 10_000_000
        public init(keepCopies: Bool = false, recordFrames: Bool = false) {
            self.keepCopies = keepCopies; self.recordFrames = recordFrames
        }
    }

    public static func read(path: String, options: Options = Options()) -> (CaptureAnalysis?, InputReport, [Warning]) {
        let kind = path.hasSuffix(".pcapng") ? "pcapng" : "pcap"
        let reader: PcapReader
        do {
            reader = try PcapReader(path: path)
        } catch {
            let w = Warning(source: Provenance(path: path), message: "libpcap cannot open the capture: \(error)")
            return (nil, InputReport(path: path, kind: kind, status: .unreadable, warnings: 1, detail: error.description), [w])
        }
        let lt = reader.linkType
        var analysis = CaptureAnalysis(path: path, linkTypeName: reader.linkTypeName, keepCopies: options.keepCopies,
                                       copyWindowNanos: options.copyWindowNanos, recordFrames: options.recordFrames)
        var warnings: [Warning] = []
        guard LinkType.isSupported(lt) else {
            let w = Warning(source: Provenance(path: path), message: "link type \(reader.linkTypeName) (\(lt)) is not supported")
            return (nil, InputReport(path: path, kind: kind, status: .unreadable, warnings: 1, detail: w.message), [w])
        }
        var frame = 0
        let end = reader.forEach { hdr, bytes in
            frame += 1
            let d = PacketDecoder.decode(linkType: lt, bytes: bytes, originalLength: hdr.originalLength, frame: frame, time: hdr.timestampNanos)
            analysis.add(frame: frame, time: hdr.timestampNanos, decoded: d)
            return true
        }
        var truncated: String?
        var status = InputReport.Status.read
        if case .error(let msg) = end {
            truncated = "after frame \(frame): \(msg)"
            warnings.append(Warning(source: Provenance(path: path, frame: frame), message: "capture ends early after frame \(frame): \(msg); every complete packet before it was read"))
            status = .partial
        }
        analysis.finish(truncatedAt: truncated)
        let s = analysis.summary
        let detail = "\(s.frames) frames, \(s.tcpSegments) TCP, \(s.duplicateCopies) copies, retransmissions \(s.retransmissionsWireshark) as Wireshark shows them / \(s.retransmissionsReal) real"
        return (analysis, InputReport(path: path, kind: kind, status: status, warnings: warnings.count, detail: detail), warnings)
    }
}
