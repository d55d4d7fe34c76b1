/// What an OOM record says about memory when the kernel chose to kill: the allocation that
/// failed, the memory cgroup's counters (memcg OOMs), the zones and `Mem-Info` counters (global
/// OOMs), and the task table. Decoded from the record's lines by `OOMMemoryDecoder`
/// (KernelEvents); every part is optional because every kernel generation prints a different
/// subset, and a cut or filtered record holds less.
public struct OOMMemoryReport: Sendable, Equatable {
    /// `name value` pair kept in the kernel's order.
    public struct Figure: Sendable, Equatable {
        public var name: String
        public var value: Int
        public init(_ name: String, _ value: Int) { self.name = name; self.value = value }
    }

    public struct Allocation: Sendable, Equatable {
        /// As printed, e.g. `0xcc0`.
        public var gfpMask: String?
        /// Flag names: printed by the kernel (4.5 and later print them beside the hex), or decoded
        /// from the hex with the bit layout of the kernel's generation.
        public var gfpFlags: [String] = []
        /// How `gfpFlags` were found (`printed by the kernel`, or the layout used for the hex).
        public var gfpFlagsSource: String?
        public var order: Int?
        public var nodemask: String?
        public var cpuset: String?
        public var memsAllowed: String?
        public init() {}
    }

    /// `memory: usage 2097152kB, limit 2097152kB, failcnt 1487` and its siblings.
    public struct Counter: Sendable, Equatable {
        public var usageKB: Int
        /// Nil when the kernel printed the "no limit" value (PAGE_COUNTER_MAX pages).
        public var limitKB: Int?
        public var failcnt: Int?
        public init(usageKB: Int, limitKB: Int?, failcnt: Int?) { self.usageKB = usageKB; self.limitKB = limitKB; self.failcnt = failcnt }
    }

    public struct Memcg: Sendable, Equatable {
        public var memory: Counter?
        /// cgroup v2 `swap:` line.
        public var swap: Counter?
        /// cgroup v1 `memory+swap:` line.
        public var memsw: Counter?
        public var kmem: Counter?
        /// The memcg whose `memory.stat` block was printed first.
        public var statPath: String?
        /// The `memory.stat` block as printed, values in bytes (the old one-line `key:NkB` form converted).
        public var stat: [Figure] = []
        /// Summaries of `stat` across the v1/v2 names, bytes.
        public var anonBytes: Int?
        public var fileBytes: Int?
        public var shmemBytes: Int?
        public var kernelBytes: Int?
        public var slabBytes: Int?
        public var swapBytes: Int?
        public init() {}
    }

    public struct Zone: Sendable, Equatable {
        public var node: Int?
        public var name: String
        public var freeKB: Int
        public var minKB: Int?
        public var lowKB: Int?
        public var highKB: Int?
        public var managedKB: Int?
        public var presentKB: Int?
        public init(node: Int?, name: String, freeKB: Int) { self.node = node; self.name = name; self.freeKB = freeKB }
        /// Below which watermark the free pages were: `min`, `low`, `high`, or nil (above all).
        public var belowWatermark: String? {
            if let m = minKB, freeKB < m { return "min" }
            if let l = lowKB, freeKB < l { return "low" }
            if let h = highKB, freeKB < h { return "high" }
            return nil
        }
    }

    public struct HugePages: Sendable, Equatable {
        public var node: Int?
        public var total: Int
        public var free: Int
        public var sizeKB: Int
        public init(node: Int?, total: Int, free: Int, sizeKB: Int) { self.node = node; self.total = total; self.free = free; self.sizeKB = sizeKB }
    }

    public struct Global: Sendable, Equatable {
        public var zones: [Zone] = []
        /// The `Mem-Info:` counters (pages), as printed (`active_anon`, `slab_unreclaimable`, `free`, …).
        public var memInfo: [Figure] = []
        public var freeSwapKB: Int?
        public var totalSwapKB: Int?
        public var pagecachePages: Int?
        public var swapCachePages: Int?
        public var ramPages: Int?
        public var reservedPages: Int?
        public var hugePages: [HugePages] = []
        /// `Unreclaimable slab info:` rows (4.15+ prints them when slab outgrows user memory): name, used kB.
        public var unreclaimableSlab: [Figure] = []
        public init() {}
        public func memInfo(_ name: String) -> Int? { memInfo.first { $0.name == name }?.value }
    }

    public struct Task: Sendable, Equatable {
        public var pid: Int
        public var tgid: Int
        public var name: String
        public var rssPages: Int
        public init(pid: Int, tgid: Int, name: String, rssPages: Int) { self.pid = pid; self.tgid = tgid; self.name = name; self.rssPages = rssPages }
    }

    public struct Tasks: Sendable, Equatable {
        /// Rows in the table (threads count one each on old kernels).
        public var rows: Int = 0
        /// Biggest processes by rss (rows of one tgid summed), at most five.
        public var top: [Task] = []
        public var totalRssPages: Int = 0
        /// The victim's process (its tgid's rows summed), and its share of the table's rss.
        public var victimRssPages: Int?
        public var victimShare: Double?
        /// Rows whose tgid is the victim's pid (one per thread on kernels that list threads).
        public var victimTgidRows: Int?
        public init() {}
    }

    /// From the `CPU: … Comm: … Not tainted 5.4.0-169-generic` line (or `Pid: N, comm: …` on 2.6).
    public var kernelVersion: String?
    /// Page size the page counts were converted with (kB), and how it was known.
    public var pageKB: Int = 4
    public var pageKBSource = "assumed (4 KiB, x86)"
    public var allocation = Allocation()
    public var memcg: Memcg?
    public var global: Global?
    public var tasks: Tasks?
    /// `Tasks in <memcg> are going to be killed due to memory.oom.group set`: every task of it was killed.
    public var oomGroupMemcg: String?

    public init() {}
}
