/// The operating-system kernel of a machine: processes with address spaces made of VMAs, the
/// system calls that change them, the fault handler that fills page tables on demand, COW fork,
/// shared memory and memory-mapped files, and an invariant checker.
///
/// Get it from `machine.kernel` (created on first use). Processes run on CPU
/// `processors.kernelCPU`: every access from a process goes through that CPU's MMU (TLBs, walker)
/// and every fault it raises goes to `handleFault`.
///
/// **Layout.** User space is `[0, userTop)`; the kernel half starts at `kernelBase` (x86_64:
/// 0xffff800000000000; 32-bit modes: 0x80000000). Every process maps one kernel page there,
/// supervisor-only (U/S = 0) and global, sharing one frame. Textbook (`custom`) modes have no
/// user bit, so they get no kernel half and user space is the whole VA range.
///
/// **Frame accounting.** For every frame the kernel maps: `mapcount` = number of PTEs pointing
/// at it; `refcount` = mapcount + 1 if the page cache holds it + 1 for the kernel image. A frame
/// whose refcount drops to 0 is freed. `check()` verifies all of it.
///
/// **Errors.** System calls throw `KernelError.errno` (Linux errno and a sentence); accesses
/// throw `KernelError.segv` for an invalid access, after killing the process unless it set
/// `catchSegv`.
public final class Kernel {
    /// The hardware.
    public unowned let machine: Machine
    /// The machine's memory, frame allocator, counters and cost model, held here: reaching them
    /// through the unowned `machine` costs an atomic retain and release each time, and a fault
    /// under memory pressure does so dozens of times.
    let memory: PhysicalMemory
    let frameAllocator: FrameAllocator
    let machineCounters: Counters
    let costModel: UnsafeMutablePointer<CostModel>
    /// The machine's CPUs, once made (`Machine.processorSlot`; see `mappingsChanged`).
    let processorSlot: UnsafeMutablePointer<Unmanaged<Processors>?>
    /// The paging mode.
    public let mode: PagingMode
    /// Bytes per page.
    public let pageBytes: UInt64
    /// One past the highest user address.
    public let userTop: UInt64
    /// First address of the kernel half (equal to `userTop` in zero-extended modes).
    public let kernelBase: UInt64
    /// Size of a huge page processes can map (`mmap` flag `hugepage`): 2 MiB on x86_64 and
    /// Sv39/48/57, 4 MiB on x86_32; nil when the mode has no huge page one level above the leaf.
    public let hugePageBytes: UInt64?
    /// The table level of huge-page leaves (one above the last level).
    let hugeLevel: Int
    /// Where the kernel page is mapped: `kernelBase`, or a random slot above it with KASLR.
    public internal(set) var kernelImageBase: UInt64
    /// The ASLR configuration (`configureASLR`), or nil: every process gets the fixed layout.
    public internal(set) var aslr: ASLRConfiguration?
    /// The generator of layouts and the KASLR slot (seeded from the machine's seed).
    var layoutRNG = SeededGenerator(seed: 0)
    /// The frame of the kernel page mapped in every process (nil in textbook modes).
    public private(set) var kernelFrame: UInt64?
    /// Owner id recorded in the metadata of kernel frames (page cache, kernel image).
    public let owner: Int32
    /// Live processes by pid.
    public internal(set) var processes = ProcessTable()
    /// The simulated file store: name → file.
    public internal(set) var files: [String: MemoryObject] = [:]
    /// Machine-wide kernel counters.
    public internal(set) var counters = KernelCounters()
    /// Called for every event when set (keep it cheap; nil costs nothing).
    public var observer: ((KernelEvent) -> Void)?
    /// A replacement fault handler (e.g. one written in Lua). It gets the fault and the kernel
    /// primitives; after it returns the access is retried. Nil: the built-in handler.
    public var faultHook: ((FaultContext) throws -> Void)?
    /// Swap-in hook for not-present PTEs that carry a swap slot (`swapEntry`) when no swap device
    /// is installed (`enableSwap` handles them itself): returns the frame now holding the page
    /// (refcount 0, mapped by the caller). Nil: such a fault is SIGSEGV "no swap".
    public var swapInHook: ((Process, UInt64, UInt64) throws(KernelError) -> UInt64)?
    /// Called when fork copies a swap entry (the slot gains a user): `enableSwap` counts it.
    public var swapDuplicateHook: ((UInt64) -> Void)?
    /// Called when a swap entry is dropped (munmap, exit, dontneed): the slot loses a user.
    public var swapFreeHook: ((UInt64) -> Void)?
    /// The swap device (`enableSwap`), or nil.
    @exclusivity(unchecked) public internal(set) var swap: SwapDevice? {
        didSet { swapReference = swap.map { Unmanaged.passUnretained($0) } }
    }
    /// `swap`, as every swap-in borrows it (see `reclaimerReference`).
    var swapReference: Unmanaged<SwapDevice>?
    /// Reclaim: the replacement policy, watermarks, reverse map and swap cache (`setPolicy`,
    /// `enableSwap`), or nil. Read on every access and fault: no exclusivity check (it is set
    /// only by `makeReclaimer` and a snapshot restore, never inside a fault: see `borrowers`).
    @exclusivity(unchecked) public internal(set) var reclaimer: Reclaimer? {
        didSet { reclaimerReference = reclaimer.map { Unmanaged.passUnretained($0) } }
    }
    /// `reclaimer`, as every access reads it: borrowing an unmanaged reference costs no retain
    /// and release (the reclaimer lives as long as `reclaimer` holds it).
    var reclaimerReference: Unmanaged<Reclaimer>?
    /// Kernel operations under way that hold `reclaimer` or `swap` borrowed (`borrowing`):
    /// while one is, a Lua handler or policy callback it calls must not restore a snapshot,
    /// which replaces them.
    var borrowers = 0
    /// A slot for the scripting layer (the Lua bindings keep their event handlers here).
    public var attachment: AnyObject?
    /// When not nil, every resolved fault's kind is appended (for `translate`-style tracing).
    public var faultTrace: [FaultKind]?
    /// The MMU result of the latest access through the MMU (of its last try, when it faulted
    /// and was retried), for tracing.
    public internal(set) var lastAccess: MMUResult {
        get { lastAccessStorage.pointee }
        set { lastAccessStorage.pointee = newValue }
    }
    /// Where `lastAccess` lives: each access's MMU result is written there in place
    /// (`CPU.access(into:)`), not copied, and not under the exclusive-access rule of a stored
    /// property (a software refill handler may make another access meanwhile).
    let lastAccessStorage: UnsafeMutablePointer<MMUResult>
    /// Transparent huge pages, khugepaged, the hugetlb pool and their counters (Kernel+HugePages).
    public internal(set) var hugePages = HugePageState()
    /// Shared anonymous objects still alive (they die with their last mapping).
    var sharedObjects: [MemoryObject] = []
    var nextPID = 1
    /// Owner ids of every page table the kernel made (its frames carry them), and its own.
    var ownerIDs = OwnerSet()

    deinit {
        lastAccessStorage.deinitialize(count: 1)
        lastAccessStorage.deallocate()
    }

    /// The kernel of `machine`: takes an owner id and allocates the kernel-image frame, or, for
    /// a machine forked from a snapshot (`adopting`), keeps the ones already in its memory.
    init(machine: Machine, adopting existing: (owner: Int32, kernelFrame: UInt64?)? = nil) throws(VMError) {
        self.machine = machine
        lastAccessStorage = .allocate(capacity: 1)
        lastAccessStorage.initialize(to: MMUResult())
        memory = machine.memory
        frameAllocator = machine.frames
        machineCounters = machine.counters
        costModel = machine.costStorage
        processorSlot = machine.processorSlot
        self.mode = machine.mode
        self.pageBytes = machine.mode.pageBytes
        self.owner = existing?.owner ?? machine.makeOwnerID()
        ownerIDs.insert(owner)
        hugeLevel = mode.levels - 2
        if hugeLevel >= 0, mode.leafAllowed[hugeLevel], mode.architecture != .textbook {
            hugePageBytes = mode.pageBytes(level: hugeLevel)
        } else {
            hugePageBytes = nil
        }
        let half = UInt64(1) << UInt64(mode.vaBits - 1)
        if mode.architecture == .textbook {
            userTop = mode.vaBits >= 64 ? ~UInt64(0) : half << 1
            kernelBase = userTop
        } else {
            userTop = half
            kernelBase = mode.canonical == .signExtended ? ~UInt64(0) << UInt64(mode.vaBits - 1) : half
            if let existing {
                kernelFrame = existing.kernelFrame
            } else {
                let frame = try machine.allocateFrames(order: 0, state: .allocated, owner: owner, purpose: "the kernel image")
                try memory.updateInfo(frame: frame) { $0.refcount = 1; $0.pinned = true }
                kernelFrame = frame
            }
        }
        kernelImageBase = kernelBase
    }

    /// Live processes, by pid.
    public var processList: [Process] { processes.values }

    /// Runs `body`, which borrows `reclaimer` or `swap` without retaining them, counted in
    /// `borrowers` so that nothing it calls can restore a snapshot (see `Machine.restore`).
    @inline(__always)
    func borrowing<T>(_ body: () -> T) -> T {
        borrowers += 1
        defer { borrowers -= 1 }
        return body()
    }

    /// The process with `pid`, or nil when there is none (or it exited).
    public func process(_ pid: Int) -> Process? { processes[pid] }

    /// The CPU processes run on.
    var cpu: CPU { machine.processors.cpus[machine.processors.kernelCPU] }

    /// Default start of the heap: a quarter of the way up user space, page aligned.
    var defaultBrkStart: UInt64 { max(pageBytes, (userTop / 4) & ~(pageBytes - 1)) }

    /// Sends `event` to the observer, building it only when someone listens.
    @inline(__always)
    func emit(_ kind: String, _ fields: @autoclosure () -> [(String, KernelEvent.Value)]) {
        guard let observer else { return }
        observer(KernelEvent(kind, fields()))
    }

    // MARK: processes

    /// A new process with an empty user address space (and the kernel half) named `name`.
    /// Throws ENOMEM when no frame is free for its page tables.
    public func spawn(_ name: String) throws(KernelError) -> Process {
        let space = try makeAddressSpace(call: "spawn")
        let p = Process(pid: nextPID, name: name, parentPID: 0, space: space, layout: newLayout())
        nextPID += 1
        processes[p.pid] = p
        counters.spawns += 1
        return p
    }

    /// A page table with the kernel half mapped (xv6 `kvminit` for one process).
    func makeAddressSpace(call: String) throws(KernelError) -> PageTable {
        do throws(VMError) {
            let space = try machine.makePageTable()
            ownerIDs.insert(space.owner)
            if let kernelFrame {
                do throws(VMError) {
                    try space.map(kernelImageBase, to: memory.address(frame: kernelFrame), pageBytes: pageBytes,
                                  flags: MapFlags(writable: true, user: false, executable: true, global: true))
                } catch {
                    try? space.release()
                    throw error
                }
                try memory.updateInfo(frame: kernelFrame) { $0.mapcount += 1; $0.refcount += 1 }
            }
            return space
        } catch {
            throw .from(error, in: call)
        }
    }

    /// Throws ESRCH when `p` has exited.
    func checkAlive(_ p: Process, _ call: String) throws(KernelError) {
        guard p.isAlive else {
            throw .fail(.ESRCH, call, "process \(p.pid) (\(p.name)) has exited")
        }
    }
}
