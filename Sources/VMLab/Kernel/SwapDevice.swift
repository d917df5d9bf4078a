#if canImport(Glibc)
import Glibc
#endif

/// A swap device: `slotCount` page-sized slots, each holding one page's bytes, with a use
/// count per slot (the swap entries in PTEs that name it) and read/write latencies in cycles.
///
/// Slots are handed out lowest first at the start, then the most recently freed first
/// (deterministic). A slot is in use while a PTE carries it
/// or a resident page is linked to it (the swap cache, kept by `Reclaimer`). An all-zero page
/// is stored as nothing (it costs the host no memory), like a never-touched frame.
///
/// **Storage.** A slot's bytes live in a page of the device's own store, allocated in chunks
/// of `pagesPerChunk` pages and reused through a free list: a swap-out copies the frame into
/// it and a swap-in copies it back, with no allocation per page.
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
    /// Per slot: the store page holding its bytes (−1: all zero)…
    var pageOfSlot: [Int32]
    /// …and how many bytes were stored there (at most `pageBytes`; reads see exactly those).
    var lengthOfSlot: [Int32]
    /// Free slots; the last is taken next.
    var free: [Int]
    /// Bytes of one store page (the paging mode's page size).
    let pageBytes: Int
    /// The store: chunks of `pagesPerChunk` pages…
    var chunks: [UnsafeMutableRawPointer] = []
    /// …and the store pages no slot uses (the last is taken next).
    var freePages: [Int32] = []
    /// `pageBytes` zero bytes, to tell an all-zero page.
    let zeroPage: UnsafeMutableRawPointer
    /// Store pages allocated at a time.
    static let pagesPerChunk = 256

    /// A device of `slots` slots (at least 0) of `pageBytes` bytes with latencies in cycles.
    public init(slots: Int, pageBytes: Int = 4096, readLatency: Int, writeLatency: Int) {
        slotCount = max(0, slots)
        self.pageBytes = max(1, pageBytes)
        self.readLatency = max(0, readLatency)
        self.writeLatency = max(0, writeLatency)
        users = Array(repeating: 0, count: slotCount)
        allocated = Array(repeating: false, count: slotCount)
        pageOfSlot = Array(repeating: -1, count: slotCount)
        lengthOfSlot = Array(repeating: 0, count: slotCount)
        lastUse = Array(repeating: 0, count: slotCount)
        free = Array((0..<slotCount).reversed())
        zeroPage = .allocate(byteCount: self.pageBytes, alignment: 64)
        zeroPage.initializeMemory(as: UInt8.self, repeating: 0, count: self.pageBytes)
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
        zeroPage.deallocate()
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
        dropBytes(slot)
        usedCount -= 1
        free.append(slot)
    }

    /// Stores `bytes` in `slot` (nil or all zero: stored as nothing; at most `pageBytes` are kept).
    func store(_ slot: Int, _ bytes: [UInt8]?) {
        guard let bytes else { return store(slot, copying: nil, count: 0) }
        bytes.withUnsafeBytes { store(slot, copying: $0.baseAddress, count: $0.count) }
    }

    /// Stores the `count` bytes at `source` in `slot` (nil or all zero: stored as nothing; at
    /// most `pageBytes` are kept).
    func store(_ slot: Int, copying source: UnsafeRawPointer?, count: Int) {
        guard isAllocated(slot) else { return }
        let n = min(max(0, count), pageBytes)
        guard let source, n > 0, memcmp(source, zeroPage, n) != 0 else { return dropBytes(slot) }
        var page = pageOfSlot[slot]
        if page < 0 {
            page = takePage()
            pageOfSlot[slot] = page
        }
        lengthOfSlot[slot] = Int32(n)
        pagePointer(page).copyMemory(from: source, byteCount: n)
    }

    /// The bytes of `slot` (nil: all zero).
    func load(_ slot: Int) -> [UInt8]? {
        guard isAllocated(slot), pageOfSlot[slot] >= 0 else { return nil }
        let source = UnsafeRawPointer(pagePointer(pageOfSlot[slot]))
        return Array(UnsafeRawBufferPointer(start: source, count: Int(lengthOfSlot[slot])))
    }

    /// Copies the bytes of `slot` to the `count` bytes at `destination` (zeros past what it holds).
    func load(_ slot: Int, into destination: UnsafeMutableRawPointer, count: Int) {
        var n = 0
        if isAllocated(slot), pageOfSlot[slot] >= 0 {
            n = min(count, Int(lengthOfSlot[slot]))
            destination.copyMemory(from: pagePointer(pageOfSlot[slot]), byteCount: n)
        }
        if n < count { (destination + n).initializeMemory(as: UInt8.self, repeating: 0, count: count - n) }
    }

    /// True when `slot` holds exactly `bytes` (nil or all zero: a slot stored as nothing).
    func holds(_ slot: Int, _ bytes: [UInt8]?) -> Bool {
        guard isAllocated(slot) else { return false }
        let stored = load(slot)
        guard let bytes else { return stored == nil }
        if let stored { return stored == bytes }
        return bytes.allSatisfy { $0 == 0 }
    }

    /// The first byte of store page `page`.
    @inline(__always)
    func pagePointer(_ page: Int32) -> UnsafeMutableRawPointer {
        let p = Int(page)
        return chunks[p / Self.pagesPerChunk] + (p % Self.pagesPerChunk) * pageBytes
    }

    /// A store page no slot uses (a new chunk when none is free).
    func takePage() -> Int32 {
        if let page = freePages.popLast() { return page }
        let first = chunks.count * Self.pagesPerChunk
        chunks.append(.allocate(byteCount: Self.pagesPerChunk * pageBytes, alignment: 64))
        freePages.append(contentsOf: (first + 1..<first + Self.pagesPerChunk).reversed().map { Int32($0) })
        return Int32(first)
    }

    /// `slot` holds nothing (all zero) from now on; its store page is free again.
    func dropBytes(_ slot: Int) {
        let page = pageOfSlot[slot]
        guard page >= 0 else { return }
        freePages.append(page)
        pageOfSlot[slot] = -1
        lengthOfSlot[slot] = 0
    }
}
