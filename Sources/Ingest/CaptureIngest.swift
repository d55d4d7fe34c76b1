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
        /// Keep the real view's segment and connection hashes (several captures: both ends).
        public var recordSegmentKeys = false
        /// Each frame of the reported view with flags, or a copy, as decided (see `FrameObserver`).
        public var frameObserver: FrameObserver?
        /// Print progress on stderr (the CLI sets it when stderr is a terminal).
        public var progress = false
        /// Two threads (reading + decoding, then detection + views) where there are two cores; one
        /// thread otherwise (handing batches between threads that share one core only costs).
        public var twoThreads = ProcessInfo.processInfo.activeProcessorCount >= 2
        public init(keepCopies: Bool = false, recordFrames: Bool = false) {
            self.keepCopies = keepCopies; self.recordFrames = recordFrames
        }
    }

    public static func read(path: String, options: Options = Options()) -> (CaptureAnalysis?, InputReport, [Warning]) {
        // a compressed capture (gzip as tshark reads it, or xz/bzip2/zstd/lz4), by its magic
        var compressed: CompressedCapture?
        var compressionFailure: String?
        switch CompressedCapture.open(path: path) {
        case .success(let c): compressed = c
        case .failure(.unreadable(let why)): compressionFailure = why
        case .failure(.notCompressed): break
        }
        let isNG = compressed?.isPcapng ?? PcapngReader.isPcapng(path: path)
        let kind = isNG ? "pcapng" : "pcap"
        var warnings: [Warning] = []
        func unreadable(_ msg: String) -> (CaptureAnalysis?, InputReport, [Warning]) {
            let w = Warning(source: Provenance(path: path), message: msg, code: "capture.unreadable")
            return (nil, InputReport(path: path, kind: kind, status: .unreadable, warnings: 1, detail: msg), [w])
        }
        if let compressionFailure { return unreadable(compressionFailure) }
        let name = (path as NSString).lastPathComponent
        // Two stages on two threads: this one reads (libpcap or the pcapng reader) and decodes;
        // a second one runs the copy detector and both views. Frames go over in batches, in order.
        let pipe = FramePipe()
        var initial = CaptureAnalysis(path: path, linkTypeName: "", keepCopies: options.keepCopies,
                                      copyWindowNanos: options.copyWindowNanos, recordFrames: options.recordFrames)
        initial.recordSegmentKeys = options.recordSegmentKeys
        initial.frameObserver = options.frameObserver
        var feeder = Feeder(pipe: pipe, direct: options.twoThreads ? nil : initial, progress: options.progress, name: name)
        let end: PcapEnd
        var linkTypeName: String
        var pcapngTypes: String?
        /// Runs the reader over the whole capture with the second thread analysing, and waits for it.
        func pump(_ what: String, _ read: (inout Feeder) -> PcapEnd) -> PcapEnd {
            let analyser = pipe.startAnalysing(options.twoThreads ? initial : nil)
            let end = read(&feeder)
            feeder.flush()
            StageTimes.report("reading thread (\(what), decoding)")
            pipe.close()
            analyser.wait()
            return end
        }
        if isNG {
            let reader: PcapngReader
            if let c = compressed { reader = PcapngReader(fd: c.fd, path: path) } else {
                do { reader = try PcapngReader(path: path) } catch { return unreadable("cannot open the capture: \(error)") }
            }
            linkTypeName = "pcapng"
            end = pump("pcapng reader") { reader.forEach(&$0) { f, h, b in f.feed(h, b) } }
            let types = Set(reader.interfaces.map(\.linkType)).sorted().map(PcapngReader.linkTypeName)
            pcapngTypes = "pcapng: \(reader.interfaces.count) interface(s), " + types.joined(separator: "+")
            for (t, n) in reader.skippedBlocks.sorted(by: { $0.key < $1.key }) where ![4, 5, 10, 0x0BAD, 0x40000BAD].contains(t) {
                warnings.append(Warning(source: Provenance(path: path), message: "\(n) pcapng block(s) of unknown type 0x\(String(t, radix: 16)) skipped", code: "capture.pcapng-unknown-block"))
            }
        } else {
            let reader: PcapReader
            do { reader = try compressed.map { try PcapReader(fd: $0.fd, path: path) } ?? PcapReader(path: path) } catch {
                return unreadable("libpcap cannot open the capture: \(error)")
            }
            guard LinkType.isSupported(reader.linkType) else { return unreadable("link type \(reader.linkTypeName) (\(reader.linkType)) is not supported") }
            linkTypeName = reader.linkTypeName
            end = pump("libpcap") { reader.forEach(&$0) { f, h, b in f.feed(h, b) } }
        }
        if options.progress && feeder.frame >= 0x10000 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var analysis = feeder.direct ?? pipe.result!
        analysis.setLinkType(pcapngTypes ?? linkTypeName)
        let frame = feeder.frame
        let unsupported = feeder.unsupported
        for (lt, n) in unsupported {
            warnings.append(Warning(source: Provenance(path: path), message: "\(n) frame(s) of unsupported link type \(lt) not analysed", code: "capture.unsupported-link-type"))
        }
        var truncated: String?
        var status = InputReport.Status.read
        if case .error(let msg) = end {
            truncated = "after frame \(frame): \(msg)"
            warnings.append(Warning(source: Provenance(path: path, frame: frame), message: "capture ends early after frame \(frame): \(msg); every complete packet before it was read", code: "capture.truncated"))
            status = .partial
        }
        analysis.finish(truncatedAt: truncated)
        let s = analysis.summary
        if s.evictedConversations > 0 {
            warnings.append(Warning(source: Provenance(path: path), message: "\(s.evictedConversations) conversations were retired early because more than 100000 were open at once (memory bound); a later packet of one of them starts it afresh", code: "capture.conversations-evicted"))
        }
        let detail = (compressed.map { "\($0.compression), " } ?? "") + "\(s.frames) frames, \(s.tcpSegments) TCP, \(s.duplicateCopies) copies, retransmissions \(s.retransmissionsWireshark) as Wireshark shows them / \(s.retransmissionsReal) real"
        return (analysis, InputReport(path: path, kind: kind, status: status, warnings: warnings.count, detail: detail), warnings)
    }
}

/// The per-capture reading state, passed inout through the reader (no captured variables):
/// decodes each frame into the current batch and hands full batches to the pipe.
private struct Feeder {
    let pipe: FramePipe
    /// The analysis itself when it runs on this thread (one core).
    var direct: CaptureAnalysis?
    let progress: Bool
    let name: String
    var frame = 0
    var unsupported: [Int32: Int] = [:]
    var bytesRead = 0
    var batch = FrameBatch()
    /// IP fragments waiting for the rest of their datagram (Wireshark reassembles them).
    let reassembly = Reassembly()

    init(pipe: FramePipe, direct: CaptureAnalysis?, progress: Bool, name: String) {
        self.pipe = pipe; self.direct = direct; self.progress = progress; self.name = name
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
        if direct != nil {
            direct!.add(frame: frame, time: hdr.timestampNanos, linkType: hdr.linkType, bytes: bytes,
                        originalLength: hdr.originalLength, interfaceID: hdr.interfaceID)
            return true
        }
        // decoded straight into the batch's next slot (no copy of the segment)
        let k = batch.segmentCount
        var skip = PacketDecoder.decode(linkType: hdr.linkType, bytes: bytes, originalLength: hdr.originalLength, frame: frame,
                                        time: hdr.timestampNanos, interfaceID: hdr.interfaceID, into: &batch.segments[k])
        if skip == .fragment {
            skip = reassembly.fragment(bytes: bytes, originalLength: hdr.originalLength, frame: frame, time: hdr.timestampNanos, into: &batch.segments[k])
        }
        let n = batch.count
        batch.times[n] = hdr.timestampNanos
        batch.skips[n] = skip
        batch.count = n + 1
        if skip == nil { batch.segmentCount = k + 1 }
        if n + 1 == FrameBatch.size { flush() }
        return true
    }

    mutating func flush() {
        guard batch.count > 0 else { return }
        pipe.put(batch)
        batch = pipe.emptyBatch()
    }
}

/// Frames decoded on the reading thread: per frame its time and why it is no TCP segment (nil:
/// the next of `segments`). Fixed-size arrays written by index and reused (`count` says how many
/// frames are filled in), so filling one allocates nothing and copies no segment.
struct FrameBatch: Sendable {
    static let size = 1024
    var times = [Int64](repeating: 0, count: size)
    var skips = [DecodeSkip?](repeating: nil, count: size)
    var segments = [TCPSegment](repeating: .empty, count: size)
    var count = 0
    var segmentCount = 0

    mutating func removeAll() { count = 0; segmentCount = 0 }
}

/// The hand-over between the reading and the analysing thread: a bounded FIFO of batches (at
/// most `depth` waiting, so memory stays flat; consumed ones come back to be filled again), and
/// the analysis when the second thread is done. State is guarded by `cond`; nothing else is shared.
final class FramePipe: @unchecked Sendable {
    static let depth = 8
    private let cond = NSCondition()
    private var queue: [FrameBatch] = []
    private var spare: [FrameBatch] = []
    private var closed = false
    private var finished: CaptureAnalysis?

    /// The analysis, once `Analyser.wait()` returned.
    var result: CaptureAnalysis? { cond.lock(); defer { cond.unlock() }; return finished }

    func put(_ b: FrameBatch) {
        cond.lock()
        while queue.count >= Self.depth { cond.wait() }
        queue.append(b)
        cond.broadcast()
        cond.unlock()
    }

    /// A batch to fill: a consumed one when there is one (no allocation, no page faults).
    func emptyBatch() -> FrameBatch {
        cond.lock()
        defer { cond.unlock() }
        return spare.popLast() ?? FrameBatch()
    }

    private func recycle(_ b: consuming FrameBatch) {
        b.removeAll()
        cond.lock()
        if spare.count < Self.depth + 2 { spare.append(b) }
        cond.unlock()
    }

    func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    private func take() -> FrameBatch? {
        cond.lock()
        defer { cond.unlock() }
        while queue.isEmpty && !closed { cond.wait() }
        if queue.isEmpty { return nil }
        let b = queue.removeFirst()
        cond.broadcast()
        return b
    }

    struct Analyser {
        let done: DispatchSemaphore
        func wait() { done.wait() }
    }

    /// Starts the second thread: every batch through `analysis` (copy detection and both views),
    /// in order, until `close()`. Nil: no second thread (the analysis runs on the reading one).
    func startAnalysing(_ analysis: CaptureAnalysis?) -> Analyser {
        let done = DispatchSemaphore(value: 0)
        guard let analysis else {
            done.signal()
            return Analyser(done: done)
        }
        let thread = Thread { [self] in
            var a = analysis
            var frame = 0
            while let b = self.take() {
                var k = 0
                for i in 0..<b.count {
                    frame += 1
                    if let why = b.skips[i] {
                        a.add(frame: frame, time: b.times[i], skipped: why)
                    } else {
                        a.add(frame: frame, time: b.times[i], segment: b.segments[k])
                        k += 1
                    }
                }
                self.recycle(b)
            }
            StageTimes.report("analysing thread (copy detection, both views)")
            self.cond.lock()
            self.finished = a
            self.cond.unlock()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        return Analyser(done: done)
    }
}

/// `NODESLEUTH_STAGE_TIMES=1`: each capture thread prints the CPU time it used on stderr when it
/// is done (to see which of the two limits the rate; scripts/bench_pcap.sh shows it).
enum StageTimes {
    static let enabled = ProcessInfo.processInfo.environment["NODESLEUTH_STAGE_TIMES"] == "1"

    static func report(_ what: String) {
        guard enabled else { return }
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        let cpu = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        FileHandle.standardError.write(Data("stage cpu \(String(format: "%.3f", cpu)) s: \(what)\n".utf8))
    }
}
