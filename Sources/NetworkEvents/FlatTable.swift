/// A hash table for the per-packet lookups (conversations, copy groups): open addressing with
/// linear probing over an index array, entries stored densely and inline, keyed by a 64-bit hash
/// the caller computes once (`mix64`). Swift's Dictionary costs a seeded SipHash per lookup and
/// a class per conversation costs retain/release and exclusivity checks; this does neither, and
/// an entry's value is mutated in place (`self[i]` is `_modify`).
///
/// Removal moves the last entry into the hole, so entry indices are stable only until the next
/// removal. Iteration order is a function of the operations alone (deterministic output).
struct FlatTable<Key: Equatable, Value> {
    private var slots: [Int32]          // entry index, or -1
    private var mask: Int
    private(set) var hashes: [UInt64] = []
    private(set) var keys: [Key] = []
    private var values: [Value] = []

    init(capacity: Int = 64) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: -1, count: n)
        mask = n - 1
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    /// The entry of `key`, or nil.
    @inline(__always) func find(_ key: Key, hash: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { return nil }
            if hashes[e] == hash && keys[e] == key { return e }
            s = (s + 1) & mask
        }
    }

    /// Adds `key` (which must be absent); returns its entry index.
    @discardableResult
    mutating func insert(_ key: Key, hash: UInt64, value: Value) -> Int {
        if (keys.count + 1) * 2 > slots.count { grow() }
        let e = keys.count
        hashes.append(hash); keys.append(key); values.append(value)
        var s = Int(truncatingIfNeeded: hash) & mask
        while slots[s] >= 0 { s = (s + 1) & mask }
        slots[s] = Int32(e)
        return e
    }

    /// The entry of `key`, added with `value` first when absent.
    mutating func entry(_ key: Key, hash: UInt64, orAdd value: @autoclosure () -> Value) -> Int {
        find(key, hash: hash) ?? insert(key, hash: hash, value: value())
    }

    subscript(entry: Int) -> Value {
        _read { yield values[entry] }
        _modify { yield &values[entry] }
    }

    /// Removes entry `e`; the last entry takes its index.
    mutating func remove(entry e: Int) {
        var s = slot(of: e)
        // backward-shift deletion keeps every probe chain unbroken
        var j = s
        while true {
            j = (j + 1) & mask
            let o = Int(slots[j])
            if o < 0 { break }
            let home = Int(truncatingIfNeeded: hashes[o]) & mask
            // move o back into s if its home is not in (s, j]
            if (j > s && (home <= s || home > j)) || (j < s && (home <= s && home > j)) {
                slots[s] = slots[j]
                s = j
            }
        }
        slots[s] = -1
        let last = keys.count - 1
        if e != last {
            slots[slot(of: last)] = Int32(e)
            hashes.swapAt(e, last); keys.swapAt(e, last); values.swapAt(e, last)
        }
        hashes.removeLast(); keys.removeLast(); values.removeLast()
    }

    /// Removes every entry for which `drop` (given the value in place, no copy) is true, calling
    /// it once per entry; each removed entry's place is taken by the last one, as `remove(entry:)`
    /// does (no shifting of the entries behind it). One pass and a rebuild of the index.
    mutating func removeAll(where drop: (Key, inout Value) -> Bool) {
        var e = 0
        var n = keys.count
        var removed = false
        while e < n {
            if drop(keys[e], &values[e]) {
                removed = true
                n -= 1
                if e != n { hashes.swapAt(e, n); keys.swapAt(e, n); values.swapAt(e, n) }
            } else {
                e += 1
            }
        }
        guard removed else { return }
        hashes.removeLast(keys.count - n); values.removeLast(keys.count - n); keys.removeLast(keys.count - n)
        for s in slots.indices { slots[s] = -1 }
        for e in hashes.indices {
            var s = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }

    mutating func removeAll() {
        self = FlatTable()
    }

    private func slot(of e: Int) -> Int {
        var s = Int(truncatingIfNeeded: hashes[e]) & mask
        while Int(slots[s]) != e { s = (s + 1) & mask }
        return s
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = Array(repeating: -1, count: n)
        mask = n - 1
        for e in hashes.indices {
            var s = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }

    /// Every value (entry order).
    var allValues: [Value] { values }
}

extension FlatTable: Sendable where Key: Sendable, Value: Sendable {}

/// A 64-bit finaliser (MurmurHash3's fmix64): spreads every input bit over the result.
@inline(__always) func mix64(_ x: UInt64) -> UInt64 {
    var k = x
    k ^= k >> 33; k &*= 0xff51_afd7_ed55_8ccd
    k ^= k >> 33; k &*= 0xc4ce_b9fe_1a85_ec53
    k ^= k >> 33
    return k
}
