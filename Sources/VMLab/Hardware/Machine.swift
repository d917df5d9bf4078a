/// The hardware of a simulated computer: physical memory, its frame allocator, the paging mode,
/// the cost model, counters and the seed. The kernel layer builds processes on top of it;
/// `makePageTable()` creates hardware-level address spaces (a root table in RAM).
public final class Machine {
    /// The paging mode of every address space of this machine.
    public let mode: PagingMode
    /// Simulated RAM.
    public let memory: PhysicalMemory
    /// The buddy allocator over the frames of `memory`.
    public let frames: FrameAllocator
    /// Cycle costs (changeable at any time).
    public var costs: CostModel {
        get { costStorage.pointee }
        set {
            costStorage.pointee = newValue
            costsVersion.pointee &+= 1
        }
    }
    /// Where `costs` lives: one heap block read by the walker without exclusivity checks.
    let costStorage: UnsafeMutablePointer<CostModel>
    /// Bumped at every change of `costs`: CPUs recompute their per-level table only then.
    let costsVersion: UnsafeMutablePointer<UInt64>
    /// Event counters.
    public let counters = Counters()
    /// The seed from which every random choice derives.
    public let seed: UInt64
    var nextOwner: Int32 = 1
    /// The CPUs and their translation hardware, once created (see `processors`).
    var processorStorage: Processors? {
        didSet { processorSlot.pointee = processorStorage.map { Unmanaged.passUnretained($0) } }
    }
    /// `processorStorage`, unmanaged, in memory the kernel holds a pointer to: every eviction
    /// tells the CPUs, and reaching them through the kernel's unowned `machine` cost four atomic
    /// reference-count operations a time.
    let processorSlot: UnsafeMutablePointer<Unmanaged<Processors>?>
    /// ASID generations already used by earlier `Processors` of this machine.
    var asidGenerationBase: UInt64 = 0
    /// The kernel, once created (see `kernel` in Kernel/Machine+Kernel.swift).
    var kernelStorage: Kernel?
    /// Every address space of this machine that still exists (for snapshots).
    let pageTables = PageTableRegistry()
    /// Frames held by device (DMA) mappings: references and pins (IO/DMAPins.swift).
    public let dmaPins = DMAPins()
    /// Devices made on this machine and not closed (a snapshot cannot hold their mappings).
    public internal(set) var openDevices = 0
    /// Guests hosted by this machine that still exist (a snapshot cannot hold their state).
    public internal(set) var hostedGuests = 0
    /// The machine-wide inverted or hashed page table, when the machine has one (see
    /// `useHashedPageTable` in Machine+HashedPageTable.swift); nil: radix tables per space.
    public internal(set) var hashedPageTable: HashedPageTable?

    /// A machine with `memoryBytes` of RAM (a multiple of the mode's page size, at most 1 TiB).
    /// The allocator's largest block is 1 GiB (order 18 for 4 KiB pages) or the memory size.
    public init(memoryBytes: UInt64, mode: PagingMode = .x86_64, seed: UInt64 = 0,
                costs: CostModel = CostModel()) throws(VMError) {
        self.mode = mode
        self.memory = try PhysicalMemory(bytes: memoryBytes, frameBytes: mode.pageBytes)
        self.frames = FrameAllocator(frameCount: memory.frameCount, maxOrder: max(0, 30 - mode.pageBits))
        self.costStorage = .allocate(capacity: 1)
        self.costStorage.initialize(to: costs)
        self.costsVersion = .allocate(capacity: 1)
        self.costsVersion.initialize(to: 0)
        self.processorSlot = .allocate(capacity: 1)
        self.processorSlot.initialize(to: nil)
        self.seed = seed
    }

    deinit {
        costStorage.deinitialize(count: 1)
        costStorage.deallocate()
        costsVersion.deallocate()
        processorSlot.deallocate()
    }

    /// The CPUs with their TLBs, page-walk caches and ASIDs (CPU.swift, Processors.swift).
    /// Created on first use with `ProcessorConfiguration()` (one CPU, the default hierarchy)
    /// unless `configureProcessors` was called.
    public var processors: Processors {
        if let existing = processorStorage { return existing }
        let made = Processors(machine: self, validated: ProcessorConfiguration())
        processorStorage = made
        return made
    }

    /// The CPUs (`processors.cpus`).
    public var cpus: [CPU] { processors.cpus }

    /// CPU `index`, or `cpuOutOfRange`.
    public func cpu(_ index: Int) throws(VMError) -> CPU {
        let all = processors.cpus
        guard index >= 0, index < all.count else { throw .cpuOutOfRange(index: index, count: all.count) }
        return all[index]
    }

    /// Replaces the CPUs and their translation hardware (every TLB and page-walk cache starts
    /// empty; ASIDs handed out before are not reused). Throws `invalidConfiguration`,
    /// `unsupportedPageSize` for a bad configuration, and while guests run on this machine (their
    /// virtual CPUs may use these CPUs' structures); the old processors stay then.
    @discardableResult
    public func configureProcessors(_ configuration: ProcessorConfiguration) throws(VMError) -> Processors {
        guard hostedGuests == 0 else {
            throw .invalidConfiguration(what: "processors", reason: "\(hostedGuests) guest(s) run on this machine: configure its CPUs before creating guests")
        }
        try configuration.validate(mode: mode)
        if configuration.softwareTLB && memory.guestBacking != nil { throw Guest.softwareTLBRefused }
        let made = Processors(machine: self, validated: configuration)
        processorStorage = made
        return made
    }

    /// Gives a guest's machine processors whose CPUs use the structures of `host`'s CPUs, tagged
    /// with `vmid` (see `Processors`). The configuration's `tlb` and `pageWalkCache` must be the
    /// host's (the caller copies them).
    func configureProcessors(_ configuration: ProcessorConfiguration, sharingWith host: Processors, vmid: Int) throws(VMError) {
        try configuration.validate(mode: mode)
        processorStorage = Processors(machine: self, validated: configuration, borrowing: host, vmid: vmid)
    }

    /// A new owner id for an address space, process or device (1, 2, 3 …).
    public func makeOwnerID() -> Int32 {
        defer { nextOwner += 1 }
        return nextOwner
    }

    /// The allocation order of a block of `bytes` (a power-of-two multiple of the page size).
    public func order(bytes: UInt64) throws(VMError) -> Int {
        guard bytes >= mode.pageBytes, bytes & (bytes - 1) == 0 else {
            throw .invalidLength(what: "block", bytes: bytes, multipleOf: mode.pageBytes)
        }
        return bytes.trailingZeroBitCount - mode.pageBits
    }

    /// Allocates 2^order zeroed, contiguous frames, records `state`, `owner` (and the table
    /// level for page tables) in their metadata and returns the first frame number.
    /// Throws `outOfMemory` naming `purpose` when no block is free.
    public func allocateFrames(order: Int, state: FrameState, owner: Int32 = 0, tableLevel: Int = -1,
                               purpose: @autoclosure () -> String) throws(VMError) -> UInt64 {
        guard order >= 0, order <= frames.maxOrder else {
            if order > frames.maxOrder && order < 64 {
                throw .outOfMemory(purpose: purpose(), bytes: mode.pageBytes << UInt64(order))
            }
            throw .invalidOrder(order: order, maxOrder: frames.maxOrder)
        }
        guard let first = frames.allocate(order: order) else {
            throw .outOfMemory(purpose: purpose(), bytes: mode.pageBytes << UInt64(order))
        }
        for frame in first..<(first + FrameAllocator.blockFrames(order)) {
            try memory.updateInfo(frame: frame) { info in
                info = FrameInfo()
                info.state = state
                info.owner = owner
                info.tableLevel = Int8(clamping: tableLevel)
                if frame == first { info.order = Int8(order) }
            }
        }
        return first
    }

    /// Frees a block from `allocateFrames`: zeroes its contents (releasing host storage) and
    /// resets its metadata. Throws `badFree` on a double free or wrong order.
    public func freeFrames(first: UInt64, order: Int) throws(VMError) {
        try frames.free(frame: first, order: order)
        let count = FrameAllocator.blockFrames(order)
        if try memory.info(frame: first).state == .pageTable { memory.tablesMayHaveChanged() }
        try memory.clear(memory.address(frame: first), length: count * mode.pageBytes)
        for frame in first..<(first + count) {
            try memory.updateInfo(frame: frame) { $0 = FrameInfo() }
        }
    }

    /// A new, empty address space (root table allocated and zeroed).
    /// Throws `outOfMemory` when no frame is free for the root table.
    public func makePageTable() throws(VMError) -> PageTable {
        try PageTable(machine: self, owner: makeOwnerID())
    }

    /// An address space over tables already in memory, rooted at physical address `root` (as if
    /// CR3/satp were loaded with it): for walking hand-built tables. The root is not allocated;
    /// `release()` would free it, so reserve it with `allocateFrames` first if you release.
    public func makePageTable(root: UInt64) throws(VMError) -> PageTable {
        try PageTable(machine: self, owner: makeOwnerID(), existingRoot: root)
    }
}
