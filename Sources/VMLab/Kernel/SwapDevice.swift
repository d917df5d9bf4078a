/// A swap device: `slotCount` page-sized slots, each holding one page's bytes, with a use
/// count per slot (the swap entries in PTEs that name it) and read/write latencies in cycles.
///
/// Slots are handed out lowest first at the start, then the most recently freed first
/// (deterministic). A slot is in use while a PTE carries it
/// or a resident page is linked to it (the swap cache, kept by `Reclaimer`). An all-zero page
/// is stored as nothing (it costs the host no memory), like a never-touched frame.
public final class SwapDevice {
    /// Number of slots.
    public let slotCount: Int
    /// Cycles to read one page back (a swap-in replaces the major-fault cost by this).
    public var readLatency: Int
    /// Cycles to write one page out.
    public var writeLatency: Int
    /// Swap entries in page tables that name each slot.
    public internal(set) var users: [Int32]
    /// Per slot: when its page was last accessed before it went out (for working-set sizes).
    var lastUse: [UInt64]
    /// Slots in use (`users > 0` or linked to a resident page).
    public internal(set) var usedCount = 0
    /// Per slot: whether it is allocated.
    var allocated: [Bool]
    /// Per slot: the page's bytes (nil: all zero).
    var data: [[UInt8]?]
    /// Free slots; the last is taken next.
    var free: [Int]

    /// A device of `slots` slots (at least 0) with latencies in cycles.
    public init(slots: Int, readLatency: Int, writeLatency: Int) {
        slotCount = max(0, slots)
        self.readLatency = max(0, readLatency)
        self.writeLatency = max(0, writeLatency)
        users = Array(repeating: 0, count: slotCount)
        allocated = Array(repeating: false, count: slotCount)
        data = Array(repeating: nil, count: slotCount)
        lastUse = Array(repeating: 0, count: slotCount)
        free = Array((0..<slotCount).reversed())
    }

    /// Slots not in use.
    public var freeCount: Int { slotCount - usedCount }

    /// Whether `slot` is allocated.
    public func isAllocated(_ slot: Int) -> Bool { slot >= 0 && slot < slotCount && allocated[slot] }

    /// Takes the lowest free slot (no users yet), or nil when the device is full.
    func allocateSlot() -> Int? {
        guard let slot = free.popLast() else { return nil }
        allocated[slot] = true
        usedCount += 1
        return slot
    }

    /// Gives `slot` back (its bytes are dropped).
    func releaseSlot(_ slot: Int) {
        guard isAllocated(slot) else { return }
        allocated[slot] = false
        users[slot] = 0
        data[slot] = nil
        usedCount -= 1
        free.append(slot)
    }

    /// Stores `bytes` in `slot` (nil or all zero: stored as nothing).
    func store(_ slot: Int, _ bytes: [UInt8]?) {
        guard isAllocated(slot) else { return }
        guard let bytes else { data[slot] = nil; return }
        let zero = bytes.withUnsafeBytes { raw -> Bool in
            var i = 0
            while i + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 { return false }
                i += 8
            }
            while i < raw.count { if raw[i] != 0 { return false }; i += 1 }
            return true
        }
        data[slot] = zero ? nil : bytes
    }

    /// The bytes of `slot` (nil: all zero).
    func load(_ slot: Int) -> [UInt8]? { isAllocated(slot) ? data[slot] : nil }

    /// True when `slot` holds exactly `bytes` (nil or all zero: a slot stored as nothing).
    func holds(_ slot: Int, _ bytes: [UInt8]?) -> Bool {
        guard isAllocated(slot) else { return false }
        let stored = data[slot]
        guard let bytes else { return stored == nil }
        if let stored { return stored == bytes }
        return bytes.allSatisfy { $0 == 0 }
    }
}
