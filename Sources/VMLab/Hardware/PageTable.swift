/// A hardware-level address space: a tree of page-table pages in simulated RAM, rooted at the
/// physical address `root` (what CR3 or satp holds). Entries are raw integers in the mode's
/// layout, read and written at `table + index × pteBytes`.
///
/// The mapping primitives (`map`, `unmap`, `protect`, `lookup`) are in `PageTable+Map.swift`;
/// the walker (`walk`, `translate`) in `PageTable+Walk.swift`.
public final class PageTable {
    /// The machine whose memory holds the tables.
    public let machine: Machine
    /// The paging mode (same as the machine's).
    public let mode: PagingMode
    /// Physical address of the root table (CR3 / satp.PPN × page size).
    public let root: UInt64
    /// Owner id recorded in the metadata of the table frames.
    public let owner: Int32
    /// Number of table pages at each level, root first (the root counts 1 at level 0).
    public internal(set) var tablePages: [Int]
    /// Bytes of virtual memory currently mapped by leaf entries.
    public internal(set) var mappedBytes: UInt64 = 0
    /// False after `release()`: every table page has been freed.
    public internal(set) var isLive = true
    /// CPUs that may hold TLB entries of this space (bit i = CPU i): set when a CPU switches to
    /// it; cleared on a CPU that switches away when PCIDs are off (its TLB was flushed). Shootdowns
    /// send IPIs to these CPUs only.
    public internal(set) var cpuMask: UInt64 = 0
    /// The ASID/PCID of the space (0 until it first runs with PCIDs on).
    public internal(set) var asid = 0
    /// The ASID generation `asid` belongs to (see `Processors`).
    var asidGeneration: UInt64 = 0
    /// With KPTI, the root loaded in user mode (see `enableKPTI`); nil otherwise.
    public internal(set) var userRoot: UInt64?
    /// The machine-wide inverted or hashed table this space lives in (nil: a radix tree of its own).
    public var hashed: HashedPageTable? { hashedTable?.takeUnretainedValue() }
    /// `hashed`, owned by `machine` (which this space keeps alive), held without reference
    /// counting: a retain and release per translation cost more than the search.
    let hashedTable: Unmanaged<HashedPageTable>?
    /// This space's id in the tags of `hashed` (0 for radix spaces).
    public let spaceID: UInt64

    // Hot-path constants, one slot per level, in raw memory (no array bounds checks or retains).
    let levelCount: Int
    let pteBytes: UInt64
    let pageBits: UInt64
    let shifts: UnsafeMutablePointer<UInt64>
    let indexMasks: UnsafeMutablePointer<UInt64>
    let reservedInTable: UnsafeMutablePointer<UInt64>
    let reservedInLeaf: UnsafeMutablePointer<UInt64>
    let leafAllowed: UnsafeMutablePointer<Bool>
    let layout: PTELayout
    let frameFieldMask: UInt64
    let isRISCV: Bool
    let memory: PhysicalMemory
    let counterStorage: UnsafeMutablePointer<CounterValues>
    let costStorage: UnsafeMutablePointer<CostModel>
    let signExtended: Bool
    let vaTopShift: UInt64
    /// True for the 8-byte x86 formats (x86_64, LA57, PAE): the MMU walks them with
    /// `walkX86ForMMU`, whose bit positions are constants.
    let isX86Wide: Bool
    /// The leaf tables the kernel's last walks reached (see `stopEntry`).
    let leafMemo: UnsafeMutablePointer<LeafTableMemo>

    /// A space whose root is a fresh frame (`existingRoot` nil) or the table already at
    /// `existingRoot` (hand-built tables; their pages are not counted in `tablePages` below the root).
    init(machine: Machine, owner: Int32, existingRoot: UInt64? = nil) throws(VMError) {
        self.machine = machine
        self.mode = machine.mode
        self.owner = owner
        self.memory = machine.memory
        self.counterStorage = machine.counters.storage
        self.costStorage = machine.costStorage
        hashedTable = machine.hashedPageTable.map { Unmanaged.passUnretained($0) }
        if let hashed = machine.hashedPageTable {
            guard existingRoot == nil else {
                throw .invalidConfiguration(what: "address space", reason: "a machine with a\(hashed.kind == .inverted ? "n" : "") "
                                            + "\(hashed.kind.rawValue) page table has no per-space root to adopt")
            }
            spaceID = try hashed.takeSpaceID()
            root = hashed.base
        } else if let existingRoot {
            spaceID = 0
            guard existingRoot & (machine.mode.pageBytes - 1) == 0 else {
                throw .unaligned(what: "page-table root", address: existingRoot, alignment: machine.mode.pageBytes)
            }
            try machine.memory.checkRange(existingRoot, width: machine.mode.pageBytes)
            root = existingRoot
        } else {
            spaceID = 0
            let frame = try machine.allocateFrames(order: 0, state: .pageTable, owner: owner, tableLevel: 0,
                                                   purpose: "a page table")
            root = machine.memory.address(frame: frame)
        }
        levelCount = mode.levels
        tablePages = Array(repeating: 0, count: mode.levels)
        tablePages[0] = hashedTable == nil ? 1 : 0
        pteBytes = UInt64(mode.pteBytes)
        pageBits = UInt64(mode.pageBits)
        layout = mode.layout
        frameFieldMask = PTELayout.lowMask(mode.layout.frameBits)
        isRISCV = mode.architecture == .riscv
        signExtended = mode.canonical == .signExtended
        vaTopShift = UInt64(mode.vaBits - 1)
        let x86 = PTELayout.x86(pteBytes: 8, physicalAddressBits: 52, noExecute: true)
        isX86Wide = mode.architecture == .x86 && mode.pteBytes == 8 && layout.present == x86.present
            && layout.writable == x86.writable && layout.user == x86.user && layout.accessed == x86.accessed
            && layout.dirty == x86.dirty && layout.leafBits == x86.leafBits && layout.global == x86.global
            && layout.frameShift == 12 && layout.noExecute & ~x86.noExecute == 0
        shifts = .allocate(capacity: levelCount)
        indexMasks = .allocate(capacity: levelCount)
        reservedInTable = .allocate(capacity: levelCount)
        reservedInLeaf = .allocate(capacity: levelCount)
        leafAllowed = .allocate(capacity: levelCount)
        leafMemo = .allocate(capacity: 1)
        leafMemo.initialize(to: LeafTableMemo())
        for level in 0..<levelCount {
            shifts[level] = UInt64(mode.indexShift(level: level))
            indexMasks[level] = PTELayout.lowMask(mode.levelBits[level])
            leafAllowed[level] = mode.leafAllowed[level]
            var table = layout.reserved
            var leaf = layout.reserved
            if mode.architecture == .x86 {
                if !mode.leafAllowed[level] { table |= layout.huge; leaf |= layout.huge }
                if level < levelCount - 1 {
                    leaf |= PTELayout.lowMask(mode.indexShift(level: level)) & ~PTELayout.lowMask(13)
                }
            } else if mode.architecture == .riscv {
                table |= layout.accessed | layout.dirty | layout.user
            }
            reservedInTable[level] = table
            reservedInLeaf[level] = leaf
        }
        machine.pageTables.add(self)
    }

    deinit {
        machine.pageTables.remove(self)
        machine.processorStorage?.forget(self)
        if isLive { hashed?.release(self) }
        shifts.deallocate(); indexMasks.deallocate(); reservedInTable.deallocate()
        reservedInLeaf.deallocate(); leafAllowed.deallocate(); leafMemo.deallocate()
    }

    /// Table pages per level, table bytes and mapped bytes in one value.
    public var stats: PageTableStats {
        PageTableStats(levelNames: mode.levelNames, tablePages: tablePages, tableBytes: tableBytes, mappedBytes: mappedBytes)
    }

    /// Total bytes of page-table pages (all levels, root included).
    /// With an inverted or hashed table: the machine's whole table, shared by every space.
    public var tableBytes: UInt64 { hashed?.tableBytes ?? UInt64(tablePages.reduce(0, +)) * mode.pageBytes }

    /// The x86 CR3 / RISC-V satp value for this space (RISC-V: MODE field | PPN; ASID 0).
    public var rootRegister: UInt64 {
        let frame = root >> pageBits
        switch mode.name {
        case "sv32": return (1 << 31) | frame
        case "sv39": return (8 << 60) | frame
        case "sv48": return (9 << 60) | frame
        case "sv57": return (10 << 60) | frame
        default: return root
        }
    }

    // MARK: entry helpers

    /// The canonical-address check of the mode, from precomputed constants (hot path).
    @inline(__always)
    func isCanonical(_ va: UInt64) -> Bool {
        let high = va >> vaTopShift                   // bit vaBits-1 and everything above
        if signExtended { return high == 0 || high == ~UInt64(0) >> vaTopShift }
        return high <= 1
    }

    /// Index of `va` in the table of `level`.
    @inline(__always)
    func index(_ va: UInt64, level: Int) -> UInt64 { (va >> shifts[level]) & indexMasks[level] }

    /// Physical address of the frame an entry points to (table or page).
    @inline(__always)
    func frameAddress(_ raw: UInt64) -> UInt64 {
        ((raw >> UInt64(layout.frameShift)) & frameFieldMask) << pageBits
    }

    /// True when the entry is present.
    @inline(__always)
    func isPresent(_ raw: UInt64) -> Bool { raw & layout.present != 0 }

    /// True when a present entry at `level` maps a page rather than pointing to a table.
    @inline(__always)
    func isLeaf(_ raw: UInt64, level: Int) -> Bool { level == levelCount - 1 || raw & layout.leafBits != 0 }

    /// Bytes mapped by a leaf at `level`.
    @inline(__always)
    func pageBytes(level: Int) -> UInt64 { UInt64(1) << shifts[level] }

    /// Reads the entry at physical address `slot` (checked against the end of memory).
    func readEntry(_ slot: UInt64) throws(VMError) -> UInt64 {
        try memory.checkAccess(slot, width: pteBytes)
        return memory.loadAligned(slot, width: Int(pteBytes))
    }

    /// Writes the entry at physical address `slot` (checked against the end of memory). A
    /// user-half entry of the root is written to the user root too (KPTI).
    func writeEntry(_ slot: UInt64, _ raw: UInt64) throws(VMError) {
        try memory.checkAccess(slot, width: pteBytes)
        let generation = memory.tableGeneration
        if !leafMemo.pointee.holds(slot: slot, tableBytes: leafTableBytes, generation: generation.pointee) {
            generation.pointee &+= 1   // maybe an upper-level entry: tables may have moved
        }
        memory.storeAligned(slot, raw, width: Int(pteBytes))
        if let userRoot, slot >= root, slot - root < userHalfBytes {
            memory.storeAligned(userRoot + (slot - root), raw, width: Int(pteBytes))
        }
        if let guest = memory.guestBacking, let shadow = guest.shadow {   // shadow paging traps (ShadowPaging.swift)
            guest.trapTableWrite(shadow, slot: slot, raw: raw, guestMode: mode)
        }
    }

    /// Bytes of one last-level table.
    var leafTableBytes: UInt64 { (indexMasks[levelCount &- 1] &+ 1) &* pteBytes }

    /// Bytes of root entries that map the user half of the address space (the lower half of
    /// the root's entries: the upper half, where the VA's top bit is set, is the kernel's).
    var userHalfBytes: UInt64 { UInt64(mode.entries(level: 0) / 2) * pteBytes }

    /// The entry that points to a next-level table at `tableAddress`: present, and on x86
    /// writable and user so that the leaf alone decides (as Linux does for user tables).
    func tableEntry(_ tableAddress: UInt64) -> UInt64 {
        var raw = ((tableAddress >> pageBits) << UInt64(layout.frameShift)) | layout.present
        if mode.architecture == .x86 { raw |= layout.writable | layout.user }
        return raw
    }

    /// The leaf entry mapping the page at `pa` from `level` with `flags`.
    func leafEntry(_ pa: UInt64, level: Int, flags: MapFlags) -> UInt64 {
        var raw = ((pa >> pageBits) << UInt64(layout.frameShift)) | layout.present
        if flags.writable { raw |= layout.writable }
        if flags.user { raw |= layout.user }
        if flags.global { raw |= layout.global }
        if flags.writeThrough { raw |= layout.writeThrough }
        if flags.cacheDisable { raw |= layout.cacheDisable }
        if flags.executable { raw |= layout.executable } else { raw |= layout.noExecute }
        raw |= layout.readable
        if level < levelCount - 1 { raw |= layout.huge }
        if layout.protectionKeyShift > 0 { raw |= UInt64(flags.protectionKey & 0xf) << UInt64(layout.protectionKeyShift) }
        return raw
    }
}
