import Foundation
import ForensicModel
import NetworkEvents
import PcapFile

/// Reads one capture through libpcap and runs the analysis.
public enum CaptureIngest {
    public struct Options: Sendable {
        public var keepCopies = false
        public var recordFrames = false
        public var copyWindowNanos: Int64 = 10_000_000
        /// Print progress on stderr (the CLI sets it when stderr is a terminal).
        public var progress = false
        public init(keepCopies: Bool = false, recordFrames: Bool = false) {
            self.keepCopies = keepCopies; self.recordFrames = recordFrames
        }
    }

    public static func read(path: String, options: Options = Options()) -> (CaptureAnalysis?, InputReport, [Warning]) {
        let isNG = PcapngReader.isPcapng(path: path)
        let kind = isNG ? "pcapng" : "pcap"
        var warnings: [Warning] = []
        func unreadable(_ msg: String) -> (CaptureAnalysis?, InputReport, [Warning]) {
            let w = Warning(source: Provenance(path: path), message: msg)
            return (nil, InputReport(path: path, kind: kind, status: .unreadable, warnings: 1, detail: msg), [w])
        }
        let name = (path as NSString).lastPathComponent
        var feeder: Feeder
        let end: PcapEnd
        if isNG {
            let reader: PcapngReader
            do { reader = try PcapngReader(path: path) } catch { return unreadable("cannot open the capture: \(error)") }
            feeder = Feeder(analysis: CaptureAnalysis(path: path, linkTypeName: "pcapng", keepCopies: options.keepCopies,
                                                      copyWindowNanos: options.copyWindowNanos, recordFrames: options.recordFrames),
                            progress: options.progress, name: name)
            end = reader.forEach(&feeder) { f, h, b in f.feed(h, b) }
            let types = Set(reader.interfaces.map(\.linkType)).sorted().map(PcapngReader.linkTypeName)
            feeder.analysis.setLinkType("pcapng: \(reader.interfaces.count) interface(s), " + types.joined(separator: "+"))
            for (t, n) in reader.skippedBlocks.sorted(by: { $0.key < $1.key }) where ![4, 5, 10, 0x0BAD, 0x40000BAD].contains(t) {
                warnings.append(Warning(source: Provenance(path: path), message: "\(n) pcapng block(s) of unknown type 0x\(String(t, radix: 16)) skipped"))
            }
        } else {
            let reader: PcapReader
            do { reader = try PcapReader(path: path) } catch { return unreadable("libpcap cannot open the capture: \(error)") }
            guard LinkType.isSupported(reader.linkType) else { return unreadable("link type \(reader.linkTypeName) (\(reader.linkType)) is not supported") }
            feeder = Feeder(analysis: CaptureAnalysis(path: path, linkTypeName: reader.linkTypeName, keepCopies: options.keepCopies,
                                                      copyWindowNanos: options.copyWindowNanos, recordFrames: options.recordFrames),
                            progress: options.progress, name: name)
            end = reader.forEach(&feeder) { f, h, b in f.feed(h, b) }
        }
        if options.progress && feeder.frame >= 0x10000 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var analysis = feeder.analysis
        let frame = feeder.frame
        let unsupported = feeder.unsupported
        for (lt, n) in unsupported {
            warnings.append(Warning(source: Provenance(path: path), message: "\(n) frame(s) of unsupported link type \(lt) not analysed"))
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
        if s.evictedConversations > 0 {
            warnings.append(Warning(source: Provenance(path: path), message: "\(s.evictedConversations) conversations were retired early because more than 100000 were open at once (memory bound); a later packet of one of them starts it afresh"))
        }
        let detail = "\(s.frames) frames, \(s.tcpSegments) TCP, \(s.duplicateCopies) copies, retransmissions \(s.retransmissionsWireshark) as Wireshark shows them / \(s.retransmissionsReal) real"
        return (analysis, InputReport(path: path, kind: kind, status: status, warnings: warnings.count, detail: detail), warnings)
    }
}

/// The per-capture reading state, passed inout through the reader (no captured variables).
private struct Feeder {
    var analysis: CaptureAnalysis
    let progress: Bool
    let name: String
    var frame = 0
    var unsupported: [Int32: Int] = [:]
    var bytesRead = 0

    init(analysis: CaptureAnalysis, progress: Bool, name: String) {
        self.analysis = analysis; self.progress = progress; self.name = name
    }

    mutating func feed(_ hdr: PacketHeader, _ bytes: UnsafeRawBufferPointer) -> Bool {
        frame += 1
        if progress {
            bytesRead += bytes.count + 16
            if frame & 0xFFFF == 0 {
                FileHandle.standardError.write(Data("\r  \(name): \(frame) frames, \(bytesRead >> 20) MB".utf8))
            }
        }
        if !LinkType.isSupported(hdr.linkType) { unsupported[hdr.linkType, default: 0] += 1 }
        analysis.add(frame: frame, time: hdr.timestampNanos, linkType: hdr.linkType, bytes: bytes,
                     originalLength: hdr.originalLength, interfaceID: hdr.interfaceID)
        return true
    }
}
