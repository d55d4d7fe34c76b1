import ForensicModel

/// Decodes the memory part of one OOM record, line by line (pure; fed by `OOMAssembler` with the
/// messages of an open invocation). Which lines each kernel generation prints, and the GFP bit
/// layouts, are in docs/oom-decode.md with their sources.
public struct OOMMemoryDecoder: Sendable {
    private enum Block { case none, memInfo, memcgStat, slab }
    private var block = Block.none
    public private(set) var report = OOMMemoryReport()
    private var nodeAnonKB = 0
    private var sawMemcg = false
    private var sawGlobal = false

    public init() {}

    /// An indented `active_file:140909 inactive_file:149407 …` line (the rest of a `Mem-Info` record).
    public static func isCounterContinuation(_ s: Substring) -> Bool {
        let t = s.trimmedSpaces()
        guard let first = t.splitBytes(separator: " ").first else { return false }
        let kv = first.splitBytes(separator: ":", maxSplits: 1)
        return kv.count == 2 && !kv[0].isEmpty && kv[0].allSatisfy { $0 == "_" || ($0.isASCII && $0.isLowercase) } && Int(kv[1]) != nil
    }

    /// The invoked line's arguments: `gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, …`.
    public mutating func invoked(_ args: Substring) {
        if let g = args.after("gfp_mask=") {
            let hex = g.prefix { $0 != "," && $0 != "(" && $0 != " " }
            report.allocation.gfpMask = hex.isEmpty ? nil : String(hex)
            let rest = g.dropFirst(hex.count)
            if rest.first == "(", let close = rest.firstIndex(of: ")") {
                let names = rest[rest.index(after: rest.startIndex)..<close]
                report.allocation.gfpFlags = names.splitBytes(separator: "|").map(String.init)
                report.allocation.gfpFlagsSource = "printed by the kernel"
            }
        }
        report.allocation.order = intAfter("order=", in: args)
        if let n = args.after("nodemask=") { report.allocation.nodemask = String(n.prefix { $0 != "," && $0 != " " }) }
    }

    /// Every other line of the record (before its kill line).
    public mutating func feed(_ m0: Substring) {
        let m = m0.trimmingLeadingSpaces()
        // task rows, their header and old-style stack frames (`[<ffffffff…>]`): the bulk of a record, nothing here
        if m.utf8.first == UInt8(ascii: "[") { return }
        // CPU: 2 PID: 17011 Comm: node Not tainted 5.4.0-169-generic #187-Ubuntu / Pid: 18429, comm: java Not tainted 2.6.32-431…
        if report.kernelVersion == nil, m.hasPrefix("CPU: ") || m.hasPrefix("Pid: "), let t = m.find("ainted") {
            report.kernelVersion = Self.versionToken(m[t.upperBound...])
            return
        }
        if m.hasPrefix("oom-kill:") {
            block = .none
            if let v = m.after("nodemask=") { report.allocation.nodemask = String(v.prefix { $0 != "," }) }
            if let v = m.after(",cpuset=") { report.allocation.cpuset = String(v.prefix { $0 != "," }) }
            if let v = m.after(",mems_allowed=") { report.allocation.memsAllowed = String(v.prefix { $0 != "," }) }
            return
        }
        // 2.6.2x–4.18: `java cpuset=/ mems_allowed=0`
        if let c = m.find(" cpuset="), let ma = m.find(" mems_allowed=") {
            report.allocation.cpuset = String(m[c.upperBound..<ma.lowerBound])
            report.allocation.memsAllowed = String(m[ma.upperBound...].prefix { $0 != " " })
            return
        }
        for (prefix, key) in [("memory: usage ", 0), ("memory+swap: usage ", 1), ("swap: usage ", 2), ("kmem: usage ", 3)] where m.hasPrefix(prefix) {
            block = .none
            guard let c = Self.counter(m) else { return }
            var g = report.memcg ?? OOMMemoryReport.Memcg()
            switch key {
            case 0: g.memory = c
            case 1: g.memsw = c
            case 2: g.swap = c
            default: g.kmem = c
            }
            report.memcg = g
            return
        }
        // the path ends at `: ` (one-line stats follow) or at the line's last `:`
        if m.hasPrefix("Memory cgroup stats for "), case let rest = m.dropFirst(24),
           let colon = rest.find(": ")?.lowerBound ?? (rest.hasSuffix(":") ? rest.index(before: rest.endIndex) : nil) {
            var g = report.memcg ?? OOMMemoryReport.Memcg()
            // The first block is the memcg that hit its limit; later ones (v1 hierarchy) are its children.
            if g.statPath == nil {
                g.statPath = String(rest[..<colon])
                block = .memcgStat
                // 3.x/4.x: `…: cache:0KB rss:1048576KB rss_huge:0KB …` on the same line
                for tok in rest[rest.index(after: colon)...].splitBytes(separator: " ") {
                    let kv = tok.splitBytes(separator: ":", maxSplits: 1)
                    guard kv.count == 2, kv[1].hasSuffix("KB"), let v = Int(kv[1].dropLast(2)) else { continue }
                    g.stat.append(.init(String(kv[0]), v &* 1024))
                }
            } else {
                block = .none
            }
            report.memcg = g
            return
        }
        if block == .memcgStat {
            // 5.x+: one `name bytes` pair per line
            let f = m.splitBytes(separator: " ")
            if f.count == 2, let v = Int(f[1]), f[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                report.memcg!.stat.append(.init(String(f[0]), v))
                return
            }
            block = .none
        }
        if m.hasPrefix("Mem-Info:") {
            block = .memInfo
            sawGlobal = true
            let rest = m.dropFirst(9)
            if !rest.isEmpty { memInfoTokens(rest) }
            return
        }
        if m.hasPrefix("Unreclaimable slab info:") { block = .slab; return }
        if block == .slab {
            // `Name                      Used          Total` then `kmalloc-64    1234KB   2345KB`
            let f = m.splitBytes(separator: " ")
            if f.count == 3, f[1].hasSuffix("KB"), let used = Int(f[1].dropLast(2)) {
                var g = report.global ?? OOMMemoryReport.Global()
                g.unreclaimableSlab.append(.init(String(f[0]), used))
                report.global = g
                return
            }
            if f.first == "Name" { return }
            block = .none
        }
        if let z = Self.zone(m) {
            var g = report.global ?? OOMMemoryReport.Global()
            g.zones.append(z)
            report.global = g
            block = .none
            return
        }
        if m.hasPrefix("Node "), m.has(" active_anon:"), let v = intAfter(" active_anon:", in: m) {
            nodeAnonKB += v   // 4.8+ per-node line, kB: tells the page size against Mem-Info's pages
            block = .none
            return
        }
        if m.has("hugepages_total="), let total = intAfter("hugepages_total=", in: m), let free = intAfter("hugepages_free=", in: m),
           let size = intAfter("hugepages_size=", in: m) {
            var g = report.global ?? OOMMemoryReport.Global()
            g.hugePages.append(.init(node: m.hasPrefix("Node ") ? intAfter("Node ", in: m) : nil, total: total, free: free, sizeKB: size))
            report.global = g
            return
        }
        if block == .memInfo, memInfoTokens(m) { return }
        if let (n, rest) = m.leadingInt() {
            var g = report.global ?? OOMMemoryReport.Global()
            switch rest {
            case " total pagecache pages": g.pagecachePages = n
            case " pages in swap cache": g.swapCachePages = n
            case " pages RAM": g.ramPages = n
            case " pages reserved": g.reservedPages = n
            default: return
            }
            report.global = g
            block = .none
            return
        }
        if m.hasPrefix("Free swap"), let v = m.after("= ").flatMap({ $0.leadingInt()?.0 }) {
            var g = report.global ?? OOMMemoryReport.Global(); g.freeSwapKB = v; report.global = g; return
        }
        if m.hasPrefix("Total swap"), let v = m.after("= ").flatMap({ $0.leadingInt()?.0 }) {
            var g = report.global ?? OOMMemoryReport.Global(); g.totalSwapKB = v; report.global = g; return
        }
    }

    /// `active_anon:416825 inactive_anon:1538 isolated_anon:0` (rsyslog may join the lines with `#012`).
    /// True when the line was such a line.
    @discardableResult
    private mutating func memInfoTokens(_ m: Substring) -> Bool {
        var figures: [OOMMemoryReport.Figure] = []
        // (a journal entry may hold the whole printk record, its lines joined by newlines)
        for chunk in m.splitBytes(separator: "\n").flatMap({ $0.splitBytes(separator: " ") }) {
            for tok in chunk.components("#012") where !tok.isEmpty {
                let kv = tok.splitBytes(separator: ":", maxSplits: 1)
                guard kv.count == 2, let v = Int(kv[1]), !kv[0].isEmpty else { return false }
                figures.append(.init(String(kv[0]), v))
            }
        }
        guard !figures.isEmpty else { return false }
        var g = report.global ?? OOMMemoryReport.Global()
        for f in figures where !g.memInfo.contains(where: { $0.name == f.name }) { g.memInfo.append(f) }
        report.global = g
        return true
    }

    /// The report with the task table's figures for this victim. `tasks`: the record's rows.
    public func finished(tasks: [(pid: Int, tgid: Int, name: String, rssPages: Int?)], victimPid: Int?) -> OOMMemoryReport {
        var r = report
        if let g = r.global, let pages = g.memInfo("active_anon"), pages > 0, nodeAnonKB > 0 {
            let ratio = Double(nodeAnonKB) / Double(pages)
            for kb in [4, 8, 16, 64] where abs(ratio - Double(kb)) < 0.01 * Double(kb) {
                r.pageKB = kb
                r.pageKBSource = "Mem-Info active_anon pages against the per-node kB figure"
            }
        }
        if var g = r.memcg {
            Self.summarize(&g)
            r.memcg = g
        }
        // Flags from the hex when the kernel printed none (before 4.5).
        if r.allocation.gfpFlags.isEmpty, let hex = r.allocation.gfpMask, let (names, source) = GFPFlags.decode(hex: hex, kernel: r.kernelVersion) {
            r.allocation.gfpFlags = names
            r.allocation.gfpFlagsSource = source
        }
        let rows = tasks.filter { $0.rssPages != nil }
        if !rows.isEmpty {
            var t = OOMMemoryReport.Tasks()
            t.rows = tasks.count
            // One process = the rows of one tgid (old kernels list each thread with the process's rss: count it once).
            var byTgid: [Int: OOMMemoryReport.Task] = [:]
            var order: [Int] = []
            for row in rows {
                if byTgid[row.tgid] == nil {
                    byTgid[row.tgid] = .init(pid: row.tgid, tgid: row.tgid, name: row.name, rssPages: row.rssPages!)
                    order.append(row.tgid)
                } else {
                    byTgid[row.tgid]!.rssPages = max(byTgid[row.tgid]!.rssPages, row.rssPages!)
                }
            }
            let procs = order.map { byTgid[$0]! }
            t.totalRssPages = procs.reduce(0) { $0 &+ $1.rssPages }
            t.top = Array(procs.sorted { ($0.rssPages, -$0.pid) > ($1.rssPages, -$1.pid) }.prefix(5))
            if let v = victimPid {
                let tgid = tasks.first { $0.pid == v }?.tgid ?? v
                if let p = byTgid[tgid] {
                    t.victimRssPages = p.rssPages
                    t.victimShare = t.totalRssPages > 0 ? Double(p.rssPages) / Double(t.totalRssPages) : nil
                }
                let n = tasks.filter { $0.tgid == tgid }.count
                t.victimTgidRows = n > 0 ? n : nil
            }
            r.tasks = t
        }
        return r
    }

    private static func summarize(_ g: inout OOMMemoryReport.Memcg) {
        func v(_ n: String) -> Int? { g.stat.first { $0.name == n }?.value }
        func sum(_ ns: [String]) -> Int? { let xs = ns.compactMap(v); return xs.isEmpty ? nil : xs.reduce(0, &+) }
        g.anonBytes = v("anon") ?? v("rss")              // v2 anon; v1 rss (anonymous + swap cache, with THP)
        g.fileBytes = v("file") ?? v("cache")
        g.shmemBytes = v("shmem")
        g.slabBytes = v("slab") ?? sum(["slab_reclaimable", "slab_unreclaimable"])
        g.kernelBytes = v("kernel") ?? sum(["kernel_stack", "pagetables", "percpu", "sock"]).map { $0 &+ (g.slabBytes ?? 0) }
        g.swapBytes = v("swap")
    }

    /// `memory: usage 786432kB, limit 786432kB, failcnt 311`; a limit of 2^52 kB or more is "none".
    static func counter(_ m: Substring) -> OOMMemoryReport.Counter? {
        guard let u = intAfter("usage ", in: m) else { return nil }
        var limit = intAfter("limit ", in: m)
        if let l = limit, l >= 1 << 52 { limit = nil }
        return .init(usageKB: u, limitKB: limit, failcnt: intAfter("failcnt ", in: m))
    }

    /// `Node 0 Normal free:20564kB min:16524kB low:20652kB high:24780kB …` or 2.6's `Normal free:…`.
    static func zone(_ m: Substring) -> OOMMemoryReport.Zone? {
        guard let r = m.find(" free:"), m.has(" min:") else { return nil }
        let head = m[..<r.lowerBound].splitBytes(separator: " ")
        guard let name = head.last, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        var node: Int?
        if head.count == 3, head[0] == "Node" { node = Int(head[1]) } else if head.count != 1 { return nil }
        func kb(_ key: String) -> Int? {
            guard let v = m.after(key), let (n, rest) = v.leadingInt(), rest.hasPrefix("kB") else { return nil }
            return n
        }
        guard let free = kb(" free:") else { return nil }
        var z = OOMMemoryReport.Zone(node: node, name: String(name), freeKB: free)
        z.minKB = kb(" min:"); z.lowKB = kb(" low:"); z.highKB = kb(" high:")
        z.managedKB = kb(" managed:"); z.presentKB = kb(" present:")
        return z
    }

    /// `5.4.0-169-generic` from the text after `Not tainted` / `Tainted: G        W`.
    static func versionToken(_ s: Substring) -> String? {
        for tok in s.splitBytes(separator: " ") {
            if let (_, rest) = tok.leadingInt(), rest.first == ".", rest.dropFirst().first?.isNumber == true { return String(tok) }
        }
        return nil
    }
}

extension Substring {
    /// Pieces between occurrences of a multi-byte separator (`#012`).
    func components(_ sep: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self
        while let r = rest.find(sep) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}

/// GFP flag names from a hex mask, by the bit layout of the kernel that printed it. Kernels from
/// 4.5 print the names themselves (`%pGg`); before that only the hex, whose bits moved twice:
/// the layout up to 4.3 (`__GFP_WAIT` at 0x10), and 4.4's (`__GFP_DIRECT_RECLAIM` at 0x400000,
/// `__GFP_KSWAPD_RECLAIM` at 0x2000000). Sources: docs/oom-decode.md.
public enum GFPFlags {
    struct Bit { var value: UInt64; var name: String; var from: KernelVersion?; var until: KernelVersion? }

    /// (major, minor, patch) compared in order.
    public struct KernelVersion: Comparable, Sendable {
        public var parts: [Int]
        public init(_ parts: [Int]) { self.parts = parts }
        public init?(_ s: String) {
            var p: [Int] = []
            for piece in s.split(separator: ".", maxSplits: 3).prefix(3) {
                guard let (n, _) = Substring(piece).leadingInt(), n >= 0 else { break }
                p.append(n)
            }
            guard p.count >= 2 else { return nil }
            parts = p
        }
        public static func < (a: Self, b: Self) -> Bool {
            for i in 0..<max(a.parts.count, b.parts.count) {
                let x = i < a.parts.count ? a.parts[i] : 0, y = i < b.parts.count ? b.parts[i] : 0
                if x != y { return x < y }
            }
            return false
        }
    }

    static func v(_ p: Int...) -> KernelVersion { KernelVersion(p) }

    /// include/linux/gfp.h, 2.6.24 – 4.3.
    static let upTo43: [Bit] = [
        Bit(value: 0x01, name: "__GFP_DMA", from: nil, until: nil),
        Bit(value: 0x02, name: "__GFP_HIGHMEM", from: nil, until: nil),
        Bit(value: 0x04, name: "__GFP_DMA32", from: v(2, 6, 15), until: nil),
        Bit(value: 0x08, name: "__GFP_MOVABLE", from: v(2, 6, 24), until: nil),
        Bit(value: 0x10, name: "__GFP_WAIT", from: nil, until: nil),
        Bit(value: 0x20, name: "__GFP_HIGH", from: nil, until: nil),
        Bit(value: 0x40, name: "__GFP_IO", from: nil, until: nil),
        Bit(value: 0x80, name: "__GFP_FS", from: nil, until: nil),
        Bit(value: 0x100, name: "__GFP_COLD", from: nil, until: nil),
        Bit(value: 0x200, name: "__GFP_NOWARN", from: nil, until: nil),
        Bit(value: 0x400, name: "__GFP_REPEAT", from: nil, until: nil),
        Bit(value: 0x800, name: "__GFP_NOFAIL", from: nil, until: nil),
        Bit(value: 0x1000, name: "__GFP_NORETRY", from: nil, until: nil),
        Bit(value: 0x2000, name: "__GFP_MEMALLOC", from: v(3, 6), until: nil),
        Bit(value: 0x4000, name: "__GFP_COMP", from: nil, until: nil),
        Bit(value: 0x8000, name: "__GFP_ZERO", from: nil, until: nil),
        Bit(value: 0x10000, name: "__GFP_NOMEMALLOC", from: nil, until: nil),
        Bit(value: 0x20000, name: "__GFP_HARDWALL", from: nil, until: nil),
        Bit(value: 0x40000, name: "__GFP_THISNODE", from: nil, until: nil),
        Bit(value: 0x80000, name: "__GFP_RECLAIMABLE", from: v(2, 6, 24), until: nil),
        Bit(value: 0x100000, name: "__GFP_KMEMCG", from: v(3, 8), until: v(3, 15)),
        Bit(value: 0x100000, name: "__GFP_NOACCOUNT", from: v(4, 2), until: nil),
        Bit(value: 0x200000, name: "__GFP_NOTRACK", from: v(2, 6, 31), until: nil),
        Bit(value: 0x400000, name: "__GFP_NO_KSWAPD", from: v(2, 6, 38), until: nil),
        Bit(value: 0x800000, name: "__GFP_OTHER_NODE", from: v(2, 6, 39), until: nil),
        Bit(value: 0x1000000, name: "__GFP_WRITE", from: v(3, 2), until: nil),
    ]
    static let upTo43Composite: [(UInt64, String)] = [
        (0x200da, "GFP_HIGHUSER_MOVABLE"), (0x200d2, "GFP_HIGHUSER"), (0x200d0, "GFP_USER"),
        (0xd0, "GFP_KERNEL"), (0x50, "GFP_NOFS"), (0x10, "GFP_NOIO"), (0x20, "GFP_ATOMIC"),
    ]

    /// include/linux/gfp.h, 4.4 (the reclaim bits split; 4.5 prints names).
    static let in44: [Bit] = ([
        (0x01, "__GFP_DMA"), (0x02, "__GFP_HIGHMEM"), (0x04, "__GFP_DMA32"), (0x08, "__GFP_MOVABLE"),
        (0x10, "__GFP_RECLAIMABLE"), (0x20, "__GFP_HIGH"), (0x40, "__GFP_IO"), (0x80, "__GFP_FS"),
        (0x100, "__GFP_COLD"), (0x200, "__GFP_NOWARN"), (0x400, "__GFP_REPEAT"), (0x800, "__GFP_NOFAIL"),
        (0x1000, "__GFP_NORETRY"), (0x2000, "__GFP_MEMALLOC"), (0x4000, "__GFP_COMP"), (0x8000, "__GFP_ZERO"),
        (0x10000, "__GFP_NOMEMALLOC"), (0x20000, "__GFP_HARDWALL"), (0x40000, "__GFP_THISNODE"), (0x80000, "__GFP_ATOMIC"),
        (0x100000, "__GFP_NOACCOUNT"), (0x200000, "__GFP_NOTRACK"), (0x400000, "__GFP_DIRECT_RECLAIM"),
        (0x800000, "__GFP_OTHER_NODE"), (0x1000000, "__GFP_WRITE"), (0x2000000, "__GFP_KSWAPD_RECLAIM"),
    ] as [(UInt64, String)]).map { Bit(value: $0.0, name: $0.1, from: nil, until: nil) }
    static let in44Composite: [(UInt64, String)] = [
        (0x24200ca, "GFP_HIGHUSER_MOVABLE"), (0x24200c2, "GFP_HIGHUSER"), (0x24200c0, "GFP_USER"),
        (0x24000c0, "GFP_KERNEL"), (0x2400040, "GFP_NOFS"), (0x2400000, "GFP_NOIO"), (0x2080020, "GFP_ATOMIC"),
        (0x2000000, "GFP_NOWAIT"),
    ]

    /// Names for `hex` and which layout gave them; nil when the hex does not parse. Kernels from
    /// 4.5 print the names: a hex-only mask from them is decoded with no layout (nil).
    public static func decode(hex: String, kernel: String?) -> (names: [String], source: String)? {
        var h = Substring(hex)
        if h.hasPrefix("0x") || h.hasPrefix("0X") { h = h.dropFirst(2) }
        guard !h.isEmpty, h.count <= 16, var mask = UInt64(h, radix: 16) else { return nil }
        let version = kernel.flatMap(KernelVersion.init)
        let layout: [Bit], composites: [(UInt64, String)], source: String
        if let ver = version {
            if ver >= v(4, 5) { return nil }
            if ver >= v(4, 4) {
                (layout, composites, source) = (in44, in44Composite, "decoded from the hex with the 4.4 bit layout (kernel \(kernel!))")
            } else {
                (layout, composites, source) = (upTo43, upTo43Composite, "decoded from the hex with the 2.6–4.3 bit layout (kernel \(kernel!))")
            }
        } else if mask & 0x2400000 != 0 && mask & 0x10 == 0 && mask & 0xc0 != 0 {
            // direct/kswapd reclaim bits set and no __GFP_WAIT with IO/FS: 4.4's layout
            (layout, composites, source) = (in44, in44Composite, "decoded from the hex with the 4.4 bit layout (kernel version not in the record: guessed from the bits)")
        } else {
            (layout, composites, source) = (upTo43, upTo43Composite, "decoded from the hex with the 2.6–4.3 bit layout (kernel version not in the record: assumed)")
        }
        var names: [String] = []
        if mask == 0 { return (["0"], source) }
        if let c = composites.first(where: { mask & $0.0 == $0.0 }) {
            names.append(c.1)
            mask &= ~c.0
        }
        for b in layout where mask & b.value != 0 {
            if let ver = version {
                if let f = b.from, ver < f { continue }
                if let u = b.until, ver >= u { continue }
            } else if b.from != nil && b.until != nil {
                continue
            }
            names.append(b.name)
            mask &= ~b.value
        }
        if mask != 0 { names.append("0x" + String(mask, radix: 16)) }
        return (names, source)
    }
}
