/// The resident frames a replacement policy manages, as a kernel's frame table holds them:
/// slot `0..<capacity` → the page it holds, and per slot the bits a policy may look at.
///
/// The caller (the policy simulator, later the kernel) owns the table: it loads and frees
/// pages, advances the virtual clock `now` once per access and sets the referenced (R) and
/// dirty (D) bits on every access the way hardware sets A/D bits in a PTE. A policy reads the
/// table and may clear R (and D after a write-back), as a kernel does. Flat buffers, no
/// allocation after `init`.
///
/// ```swift
/// let frames = FrameTable(capacity: 3)
/// frames.load(slot: 0, page: 7)        // resident, R = 1, loaded at `now`
/// frames.referenced(0)                 // true
/// frames.clearReferenced(0)
/// ```
public final class FrameTable {
    /// Number of slots (frames); fixed.
    public let capacity: Int
    /// The virtual clock: accesses so far, the current one included (the first access is at 1).
    public var now: UInt64 {
        @inline(__always) get { clock.pointee }
        @inline(__always) set { clock.pointee = newValue }
    }
    /// How many slots hold a page.
    public private(set) var residentCount = 0
    /// Pages whose dirty bit a policy cleared (a write-back it started, e.g. WSClock).
    public var cleanedCount = 0

    private let pages: UnsafeMutablePointer<UInt64>
    private let loadTimes: UnsafeMutablePointer<UInt64>
    private let flags: UnsafeMutablePointer<UInt8>
    private let clock: UnsafeMutablePointer<UInt64>  // `now`, without run-time exclusivity checks

    /// The bits of a slot's flag byte.
    public static let residentBit: UInt8 = 1
    public static let referencedBit: UInt8 = 2
    public static let dirtyBit: UInt8 = 4
    public static let pinnedBit: UInt8 = 8
    /// The flag bytes, one per slot (`…Bit` above), for a binding that reads and clears them
    /// in place (Lua policies' `ctx:referenced`). Valid while the table lives.
    public var flagBytes: UnsafeMutablePointer<UInt8> { flags }
    /// Where `now` is kept, for a binding that reads it in place (Lua policies' `ctx.now`).
    /// Valid while the table lives.
    public var clockPointer: UnsafePointer<UInt64> { UnsafePointer(clock) }

    /// An empty table of `capacity` slots (at least 1; the caller validates user input).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        pages = .allocate(capacity: self.capacity)
        pages.initialize(repeating: 0, count: self.capacity)
        loadTimes = .allocate(capacity: self.capacity)
        loadTimes.initialize(repeating: 0, count: self.capacity)
        flags = .allocate(capacity: self.capacity)
        flags.initialize(repeating: 0, count: self.capacity)
        clock = .allocate(capacity: 1)
        clock.initialize(to: 0)
    }

    deinit {
        pages.deallocate()
        loadTimes.deallocate()
        flags.deallocate()
        clock.deallocate()
    }

    /// A copy of this table (slots, bits, load times and clock), for snapshots.
    func copy() -> FrameTable {
        let made = FrameTable(capacity: capacity)
        made.pages.update(from: pages, count: capacity)
        made.loadTimes.update(from: loadTimes, count: capacity)
        made.flags.update(from: flags, count: capacity)
        made.clock.pointee = clock.pointee
        made.residentCount = residentCount
        made.cleanedCount = cleanedCount
        return made
    }

    /// Whether `slot` is a valid slot number.
    @inline(__always) public func contains(_ slot: Int) -> Bool { slot >= 0 && slot < capacity }
    /// Whether `slot` holds a page.
    @inline(__always) public func isResident(_ slot: Int) -> Bool { flags[slot] & Self.residentBit != 0 }
    /// The page `slot` holds (meaningless when not resident).
    @inline(__always) public func page(_ slot: Int) -> UInt64 { pages[slot] }
    /// The value of `now` when the page in `slot` was loaded.
    @inline(__always) public func loadTime(_ slot: Int) -> UInt64 { loadTimes[slot] }
    /// The referenced (accessed) bit.
    @inline(__always) public func referenced(_ slot: Int) -> Bool { flags[slot] & Self.referencedBit != 0 }
    /// The dirty (modified) bit.
    @inline(__always) public func dirty(_ slot: Int) -> Bool { flags[slot] & Self.dirtyBit != 0 }
    /// Whether the frame is pinned (never a victim).
    @inline(__always) public func pinned(_ slot: Int) -> Bool { flags[slot] & Self.pinnedBit != 0 }

    /// Clears the referenced bit, as a kernel does when it scans.
    @inline(__always) public func clearReferenced(_ slot: Int) { flags[slot] &= ~Self.referencedBit }
    /// Clears the dirty bit (the page was written back); counted in `cleanedCount`.
    public func clearDirty(_ slot: Int) {
        if dirty(slot) { cleanedCount += 1 }
        flags[slot] &= ~Self.dirtyBit
    }
    /// Pins or unpins the frame.
    public func setPinned(_ slot: Int, _ pinned: Bool) {
        if pinned { flags[slot] |= Self.pinnedBit } else { flags[slot] &= ~Self.pinnedBit }
    }

    /// Records an access to the page in `slot`: sets R, and D for a write (hardware A/D bits).
    @inline(__always) public func touch(_ slot: Int, isWrite: Bool) {
        flags[slot] |= Self.referencedBit | (isWrite ? Self.dirtyBit : 0)
    }

    /// Puts `page` in the free `slot`: resident, loaded now, R set, D clear, not pinned.
    public func load(slot: Int, page: UInt64) {
        pages[slot] = page
        loadTimes[slot] = now
        flags[slot] = Self.residentBit | Self.referencedBit
        residentCount += 1
    }

    /// Frees `slot` (its bits are cleared).
    public func free(slot: Int) {
        if isResident(slot) { residentCount -= 1 }
        flags[slot] = 0
    }

    /// Empties the table and resets the clock.
    public func reset() {
        flags.update(repeating: 0, count: capacity)
        residentCount = 0
        cleanedCount = 0
        now = 0
    }
}
