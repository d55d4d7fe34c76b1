#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The retransmission events of a run, in time order, with memory bounded whatever their number.
///
/// Events are appended as the capture stage decides them. Up to `chunkLimit` of them wait in
/// memory; a full chunk is sorted and written as one *run* to an unlinked temporary file (in
/// `$TMPDIR`, else `/tmp`: never beside the input, and gone with the process, even on a crash).
/// Reading walks all runs at once (a k-way merge), so every pass sees the events ordered by
/// (time, frame, capture) and holds one small buffer per run. A capture with a few thousand
/// retransmissions never touches the disk.
///
/// What later stages change is kept beside the events and applied as they are read: a clock
/// shift (`--pcap-offset`), a time window (`--since/--until`), "this one is a copy of frame N
/// of another capture" marks, and path rewrites. No event is ever rewritten in place.
///
/// When the temporary file cannot be written (full disk), events stay in memory and
/// `spillError` says why (the caller warns).
public struct RetransmissionLog: Sendable, Sequence, ExpressibleByArrayLiteral {
    /// Events held in memory before a run is written (~130 bytes each: ~34 MB).
    public static let defaultChunkLimit = 262_144

    private var storage: Storage

    public init() { self.init(chunkLimit: Self.defaultChunkLimit, spillDirectory: nil) }
    /// `spillDirectory`: where the temporary file goes (default `$TMPDIR`, else `/tmp`).
    public init(chunkLimit: Int, spillDirectory: String? = nil) {
        storage = Storage(chunkLimit: Swift.max(chunkLimit, 1), directory: spillDirectory)
    }
    public init(_ events: [RetransmissionEvent]) {
        self.init()
        for e in events { append(e) }
    }
    public init(arrayLiteral elements: RetransmissionEvent...) { self.init(elements) }

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    // MARK: - writing

    public mutating func append(_ e: RetransmissionEvent) {
        unique()
        storage.append(e)
    }

    /// Adds another log's events (its runs are shared, not copied).
    public mutating func append(contentsOf other: RetransmissionLog) {
        unique()
        storage.absorb(other.storage)
    }

    public static func += (l: inout RetransmissionLog, r: RetransmissionLog) { l.append(contentsOf: r) }

    // MARK: - later stages

    /// Shifts every time by `seconds` (applied on reading; adds to earlier shifts).
    public mutating func shift(by seconds: Double) {
        unique()
        storage.shiftNanos &+= Timestamp(seconds: seconds).nanos
    }

    /// Keeps only events whose (shifted) time lies in `[lo, hi]` (narrows earlier windows).
    public mutating func limit(to lo: Timestamp, _ hi: Timestamp) {
        unique()
        storage.window = storage.window.map { (Swift.max($0.0, lo.nanos), Swift.min($0.1, hi.nanos)) } ?? (lo.nanos, hi.nanos)
    }

    /// Marks the event `frame` of `capturePath` (as read) as a copy of frame `original` in `copyIn`.
    public mutating func markCopy(capturePath: String, frame: Int, of original: Int, in copyIn: String) {
        unique()
        let stored = storage.renames.first(where: { $0.value == capturePath })?.key ?? capturePath
        storage.marks[Storage.MarkKey(path: stored, frame: frame)] = (original, copyIn)
    }

    /// Rewrites capture paths (reports show paths relative to the input); applied on reading.
    public mutating func rewritePaths(_ fix: (String) -> String) {
        unique()
        for p in storage.allPaths() { storage.renames[p] = fix(storage.renames[p] ?? p) }
        for (k, v) in storage.marks { storage.marks[k] = (v.0, fix(v.1)) }
    }

    // MARK: - reading

    /// Events inside the window (a pass over the runs when a window is set: reading never
    /// changes the storage, so logs shared between threads need no lock).
    public var count: Int { storage.count() }
    public var isEmpty: Bool { count == 0 }
    /// Why events could not be written to the temporary file (they stayed in memory).
    public var spillError: String? { storage.spillError }
    /// How many events went to the temporary file (0: all in memory).
    public var spilled: Int { storage.runs.reduce(0) { $0 + $1.count } }

    public func makeIterator() -> Iterator { Iterator(storage) }

    public struct Iterator: IteratorProtocol {
        private let storage: Storage
        private var heads: [(RetransmissionEvent, Int)] = []   // (event, source) min-heap by order
        private var readers: [RunReader]
        private var memory: [RetransmissionEvent]
        private var memoryAt = 0

        init(_ s: Storage) {
            storage = s
            memory = s.sortedPending()
            readers = s.runs.map { RunReader($0) }
            for i in readers.indices { if let e = readers[i].next() { push((e, i)) } }
            if !memory.isEmpty { push((memory[0], -1)); memoryAt = 1 }
        }

        public mutating func next() -> RetransmissionEvent? {
            while let (e0, src) = pop() {
                if src < 0 {
                    if memoryAt < memory.count { push((memory[memoryAt], -1)); memoryAt += 1 }
                } else if let n = readers[src].next() {
                    push((n, src))
                }
                if let e = storage.present(e0) { return e }
            }
            return nil
        }

        private static func less(_ a: (RetransmissionEvent, Int), _ b: (RetransmissionEvent, Int)) -> Bool {
            Storage.ordered(a.0, b.0)
        }

        private mutating func push(_ x: (RetransmissionEvent, Int)) {
            heads.append(x)
            var i = heads.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard Self.less(heads[i], heads[p]) else { break }
                heads.swapAt(i, p)
                i = p
            }
        }

        private mutating func pop() -> (RetransmissionEvent, Int)? {
            guard !heads.isEmpty else { return nil }
            heads.swapAt(0, heads.count - 1)
            let top = heads.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heads.count, Self.less(heads[l], heads[m]) { m = l }
                if r < heads.count, Self.less(heads[r], heads[m]) { m = r }
                if m == i { break }
                heads.swapAt(i, m)
                i = m
            }
            return top
        }
    }
}

// MARK: - storage

/// An unlinked temporary file holding sorted runs; closed when the last log using it goes.
final class SpillFile: @unchecked Sendable {
    let fd: Int32
    /// Bytes written so far (only the writing log appends, before it is shared).
    var size: Int = 0

    init?(directory: String?) {
        let env = getenv("TMPDIR").map { String(cString: $0) }
        let dir = directory ?? (env?.isEmpty == false ? env! : "/tmp")
        var template = Array((dir + "/nodesleuth-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends `bytes`; false (with errno) when they could not all be written.
    func append(_ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(size + done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { if n == 0 { errno = ENOSPC }; return false }
            done += n
        }
        size += done
        return true
    }
}

/// One sorted run in a spill file.
struct Run: Sendable {
    let file: SpillFile
    /// The capture paths its records name by index.
    let paths: [String]
    let offset: Int
    let length: Int
    let count: Int
}

/// Reads one run's records back, 256 KiB at a time.
struct RunReader {
    private let run: Run
    private var buffer: [UInt8] = []
    private var at = 0
    private var fileAt: Int
    private var left: Int

    init(_ run: Run) {
        self.run = run
        fileAt = run.offset
        left = run.count
    }

    private mutating func refill(need: Int) -> Bool {
        let keep = buffer.count - at
        var b = [UInt8](repeating: 0, count: max(need, 256 << 10))
        if keep > 0 { b.withUnsafeMutableBytes { dst in buffer.withUnsafeBytes { src in dst.baseAddress!.copyMemory(from: src.baseAddress! + at, byteCount: keep) } } }
        let end = run.offset + run.length
        var filled = keep
        while filled < b.count && fileAt < end {
            let want = min(b.count - filled, end - fileAt)
            let n = b.withUnsafeMutableBytes { pread(run.file.fd, $0.baseAddress! + filled, want, off_t(fileAt)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n; fileAt += n
        }
        b.removeLast(b.count - filled)
        buffer = b; at = 0
        return filled >= need
    }

    mutating func next() -> RetransmissionEvent? {
        guard left > 0 else { return nil }
        if buffer.count - at < 4, !refill(need: 4) { left = 0; return nil }
        let len = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) })
        if buffer.count - at < 4 + len, !refill(need: 4 + len) { left = 0; return nil }
        let e = buffer.withUnsafeBytes { RecordCodec.decode(UnsafeRawBufferPointer(rebasing: $0[(at + 4)..<(at + 4 + len)]), paths: run.paths) }
        at += 4 + len
        left -= 1
        return e
    }
}

/// A record: fixed fields, then the flow and kind texts (length-prefixed).
enum RecordCodec {
    static func encode(_ e: RetransmissionEvent, path: Int, copyIn: Int?, into out: inout [UInt8]) {
        var rec: [UInt8] = []
        rec.reserveCapacity(96 + e.flow.utf8.count)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { rec.append(contentsOf: $0) } }
        put(Int64(e.frame)); put(e.time.nanos); put(UInt32(path)); put(Int32(copyIn ?? -1))
        var flags: UInt8 = 0
        if e.isSYN { flags |= 1 }
        if e.seq != nil { flags |= 2 }
        if e.rto != nil { flags |= 4 }
        if e.copyOf != nil { flags |= 8 }
        if e.directedHash != nil { flags |= 16 }
        if e.conversationHash != nil { flags |= 32 }
        rec.append(flags)
        put(e.seq ?? 0); put((e.rto ?? 0).bitPattern); put(Int64(e.copyOf ?? 0))
        put(e.directedHash ?? 0); put(e.conversationHash ?? 0)
        for s in [e.flow, e.kind] { put(UInt32(s.utf8.count)); rec.append(contentsOf: s.utf8) }
        withUnsafeBytes(of: UInt32(rec.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: rec)
    }

    static func decode(_ b: UnsafeRawBufferPointer, paths: [String]) -> RetransmissionEvent {
        var at = 0
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            let v = T(littleEndian: b.loadUnaligned(fromByteOffset: at, as: T.self)); at += MemoryLayout<T>.size; return v
        }
        let frame = Int(get(Int64.self)), time = get(Int64.self), path = Int(get(UInt32.self)), copyIn = Int(get(Int32.self))
        let flags = b[at]; at += 1
        let seq = get(UInt32.self), rto = Double(bitPattern: get(UInt64.self)), copyOf = Int(get(Int64.self))
        let directed = get(UInt64.self), conversation = get(UInt64.self)
        func text() -> String {
            let n = Int(get(UInt32.self))
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<(at + n)]), as: UTF8.self)
            at += n
            return s
        }
        let flow = text(), kind = text()
        var e = RetransmissionEvent(frame: frame, time: Timestamp(nanos: time), flow: flow, kind: kind,
                                    copyOf: flags & 8 != 0 ? copyOf : nil, isSYN: flags & 1 != 0, rto: flags & 4 != 0 ? rto : nil,
                                    capturePath: path < paths.count ? paths[path] : "", seq: flags & 2 != 0 ? seq : nil)
        if copyIn >= 0, copyIn < paths.count { e.copyIn = paths[copyIn] }
        if flags & 16 != 0 { e.directedHash = directed }
        if flags & 32 != 0 { e.conversationHash = conversation }
        return e
    }
}

final class Storage: @unchecked Sendable {
    struct MarkKey: Hashable { var path: String; var frame: Int }

    let chunkLimit: Int
    let directory: String?
    var pending: [RetransmissionEvent] = []
    var runs: [Run] = []
    var file: SpillFile?
    var spillError: String?
    var shiftNanos: Int64 = 0
    var window: (Int64, Int64)?
    /// (stored capture path, frame) → (original frame, capture holding it).
    var marks: [MarkKey: (Int, String)] = [:]
    /// Stored path → path as reported.
    var renames: [String: String] = [:]
    var total = 0

    init(chunkLimit: Int, directory: String?) { self.chunkLimit = chunkLimit; self.directory = directory }

    func copy() -> Storage {
        let s = Storage(chunkLimit: chunkLimit, directory: directory)
        s.pending = pending; s.runs = runs; s.spillError = spillError
        s.shiftNanos = shiftNanos; s.window = window
        s.marks = marks; s.renames = renames; s.total = total
        // the runs are shared for reading; the copy writes its own runs to a file of its own
        return s
    }

    func allPaths() -> Set<String> {
        var s = Set(runs.flatMap(\.paths))
        for e in pending { s.insert(e.capturePath); if let c = e.copyIn { s.insert(c) } }
        return s
    }

    static func ordered(_ a: RetransmissionEvent, _ b: RetransmissionEvent) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.frame != b.frame { return a.frame < b.frame }
        return a.capturePath < b.capturePath
    }

    /// Events are stored as appended; `present` applies what came later (shift, window, marks,
    /// renames). An event appended after a shift is taken as shifted already.
    func append(_ e: RetransmissionEvent) {
        var e = e
        if shiftNanos != 0 { e.time = Timestamp(nanos: e.time.nanos &- shiftNanos) }
        pending.append(e)
        total += 1
        if pending.count >= chunkLimit, spillError == nil { spill() }
    }

    func absorb(_ o: Storage) {
        if o.shiftNanos != 0 || o.window != nil || !o.marks.isEmpty || !o.renames.isEmpty || shiftNanos != 0 || window != nil {
            // either side already shifted, windowed, marked or renamed: take the events as they read
            var it = RetransmissionLog.Iterator(o)
            while let e = it.next() { append(e) }
            return
        }
        runs += o.runs
        total += o.runs.reduce(0) { $0 + $1.count }
        if o.spillError != nil { spillError = o.spillError }
        for e in o.pending { append(e) }
    }

    private func spill() {
        if file == nil {
            file = SpillFile(directory: directory)
            if file == nil { spillError = "cannot create a temporary file for retransmission events: \(String(cString: strerror(errno)))"; return }
        }
        pending.sort(by: Self.ordered)
        var paths: [String] = []
        var index: [String: Int] = [:]
        func intern(_ p: String) -> Int {
            if let i = index[p] { return i }
            paths.append(p); index[p] = paths.count - 1
            return paths.count - 1
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pending.count * 110)
        for e in pending { RecordCodec.encode(e, path: intern(e.capturePath), copyIn: e.copyIn.map(intern), into: &bytes) }
        let offset = file!.size
        guard file!.append(bytes) else {
            spillError = "cannot write retransmission events to a temporary file (\(String(cString: strerror(errno)))): they are kept in memory"
            return
        }
        runs.append(Run(file: file!, paths: paths, offset: offset, length: bytes.count, count: pending.count))
        pending.removeAll(keepingCapacity: true)
    }

    func sortedPending() -> [RetransmissionEvent] {
        // usually in order already (captures are written in time order)
        var p = pending
        if !zip(p, p.dropFirst()).allSatisfy({ !Self.ordered($1, $0) }) { p.sort(by: Self.ordered) }
        return p
    }

    /// The event as later stages see it (shifted, marked, renamed), or nil outside the window.
    func present(_ e0: RetransmissionEvent) -> RetransmissionEvent? {
        var e = e0
        if shiftNanos != 0 { e.time = Timestamp(nanos: e.time.nanos &+ shiftNanos) }
        if let (lo, hi) = window, e.time.nanos < lo || e.time.nanos > hi { return nil }
        if !marks.isEmpty, let (orig, inPath) = marks[MarkKey(path: e.capturePath, frame: e.frame)] {
            e.copyOf = orig
            e.copyIn = inPath
        }
        if !renames.isEmpty {
            if let r = renames[e.capturePath] { e.capturePath = r }
            if let c = e.copyIn, let r = renames[c] { e.copyIn = r }
        }
        return e
    }

    func count() -> Int {
        if window == nil { return total }
        var n = 0
        var it = RetransmissionLog.Iterator(self)
        while it.next() != nil { n += 1 }
        return n
    }
}

