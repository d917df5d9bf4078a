/// A machine's whole state at one moment — memory contents and frame metadata, the buddy
/// allocator, every address space, the CPUs with their TLBs and page-walk caches, the kernel
/// with its processes, files, swap device and replacement policy, the counters and costs — so
/// that a script can go back to it (`Machine.restore`) or branch a new machine from it
/// (`forkMachine`).
///
/// ```swift
/// let warm = try machine.snapshot()
/// for policy in [PolicySpec.clock, .lru, .fifo] {
///     try machine.restore(warm)
///     try machine.kernel.setPolicy(policy)
///     … replay the same trace, compare the counters …
/// }
/// ```
///
/// **Cheap.** Memory is shared copy-on-write at 4 KiB granularity (`MemoryImage`): taking a
/// snapshot copies one pointer per written block, and the first write to a shared block after
/// it copies that block. Everything else (metadata, bitmaps, TLB arrays, process tables) is
/// copied; Swift arrays inside (VMAs, swap data, file contents) are themselves copy-on-write.
///
/// **Exact.** Restoring then replaying gives what replaying from the moment of the snapshot
/// gave: random generators, clocks, policy state, ASID generations and counters are part of it.
///
/// **Not in it** (it is the script's, not the model's): event observers, a Lua fault handler,
/// a software-TLB refill handler and other hooks stay as they are on `restore` and are not
/// copied by `forkMachine`. A machine whose replacement policy is written in Lua cannot be
/// snapshotted (the policy's state lives in Lua); neither can one in the middle of a batch of
/// mapping changes or of reclaim.
public final class MachineSnapshot {
    /// The machine it was taken of (only that machine can `restore` it).
    public let origin: Machine
    let memory: MemoryImage
    let frames: FrameAllocator.Image
    let costs: CostModel
    let counters: CounterValues
    let nextOwner: Int32
    let asidGenerationBase: UInt64
    /// Every address space that existed, with its state.
    let tables: [(table: PageTable, image: PageTable.Image)]
    let processors: Processors.Image?
    let kernel: Kernel.Image?

    init(origin: Machine, memory: MemoryImage, frames: FrameAllocator.Image, costs: CostModel, counters: CounterValues,
         nextOwner: Int32, asidGenerationBase: UInt64, tables: [(table: PageTable, image: PageTable.Image)],
         processors: Processors.Image?, kernel: Kernel.Image?) {
        self.origin = origin
        self.memory = memory
        self.frames = frames
        self.costs = costs
        self.counters = counters
        self.nextOwner = nextOwner
        self.asidGenerationBase = asidGenerationBase
        self.tables = tables
        self.processors = processors
        self.kernel = kernel
    }

    /// 4 KiB storage blocks of memory contents the snapshot holds (shared until written).
    public var memoryBlocks: Int { memory.blockCount }
    /// Address spaces in the snapshot.
    public var addressSpaces: Int { tables.count }
    /// Live processes in the snapshot.
    public var processes: Int { kernel?.processes.count ?? 0 }

    /// Puts memory, frames, costs, counters and the owner-id counter of `machine` (the origin or a
    /// new machine of the same size) back to the snapshot's: what `restore` and `forkMachine` share.
    func restoreHardware(of machine: Machine) throws(VMError) {
        try machine.memory.restore(memory)
        machine.frames.restore(frames)
        machine.costs = costs
        machine.counters.values = counters
        machine.nextOwner = nextOwner
    }

    /// A new machine in the state of the snapshot, independent of the original from then on
    /// (they share memory blocks copy-on-write). Hooks and observers are not copied.
    public func forkMachine() throws(VMError) -> Machine {
        let made = try Machine(memoryBytes: memory.bytes, mode: origin.mode, seed: origin.seed, costs: costs)
        try restoreHardware(of: made)
        let remap = SnapshotRemap()
        for (table, image) in tables {
            let copy = try PageTable(machine: made, owner: image.owner, existingRoot: image.root)
            copy.restore(image)
            remap.add(table, copy)
        }
        if let processors {
            let copy = Processors(machine: made, validated: processors.configuration)
            copy.restore(processors, table: remap.table)
            made.processorStorage = copy
        }
        made.asidGenerationBase = asidGenerationBase
        if let kernel {
            let copy = try Kernel(machine: made, adopting: (kernel.owner, kernel.kernelFrame))
            made.kernelStorage = copy
            copy.makeCopies(of: kernel, remap: remap)
            try copy.restore(kernel, remap: remap)
        }
        return made
    }
}
