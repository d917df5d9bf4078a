extension Machine {
    /// The machine's whole state now (see `MachineSnapshot`). Throws `invalidConfiguration`
    /// inside a batch of mapping changes, during reclaim, or when the replacement policy is
    /// not a built-in one.
    public func snapshot() throws(VMError) -> MachineSnapshot {
        try checkNoDevices()
        let processors = try processorStorage?.capture()
        let kernel = try kernelStorage?.capture()
        return MachineSnapshot(origin: self, memory: memory.capture(), frames: frames.capture(), costs: costs,
                               counters: counters.values, nextOwner: nextOwner, asidGenerationBase: asidGenerationBase,
                               tables: pageTables.all.map { ($0, $0.capture()) }, processors: processors, kernel: kernel)
    }

    /// Puts this machine back in the state of `snapshot` (taken of this machine). Every object
    /// that existed then — address spaces, processes, CPUs — is itself again; spaces and
    /// processes made since are gone (using them is an error: released / ESRCH). Hooks and
    /// observers stay as they are. Throws `invalidConfiguration` for a snapshot of another
    /// machine (use `forkMachine` to branch from it), inside a fault, an eviction or a policy
    /// callback (the kernel holds its reclaim state and swap device there), and inside a TLB
    /// refill handler (the CPU is in the middle of translating an access of its space).
    public func restore(_ snapshot: MachineSnapshot) throws(VMError) {
        guard snapshot.origin === self else {
            throw .invalidConfiguration(what: "snapshot", reason: "it was taken of another machine (fork a machine from it instead)")
        }
        try checkNoDevices()
        if let kernel = kernelStorage, kernel.borrowers > 0 {
            throw .invalidConfiguration(what: "snapshot", reason: "a machine cannot be restored inside a fault, an eviction or a policy callback")
        }
        if let processors = processorStorage, processors.refilling > 0 {
            throw .invalidConfiguration(what: "snapshot", reason: "a machine cannot be restored inside a TLB refill handler (the access is half translated)")
        }
        try snapshot.restoreHardware(of: self)
        let kept = Set(snapshot.tables.map { ObjectIdentifier($0.table) })
        for table in pageTables.all where !kept.contains(ObjectIdentifier(table)) { table.retire() }
        for (table, image) in snapshot.tables { table.restore(image) }
        let remap = SnapshotRemap()
        if let saved = snapshot.processors {
            let handler = processorStorage?.refillHandler
            if processorStorage?.configuration != saved.configuration {
                processorStorage = Processors(machine: self, validated: saved.configuration)
            }
            processorStorage?.refillHandler = handler
            processorStorage?.restore(saved, table: remap.table)
        } else {
            processorStorage = nil
        }
        asidGenerationBase = snapshot.asidGenerationBase
        if let saved = snapshot.kernel {
            let kernel = try self.kernel
            try kernel.restore(saved, remap: remap)
        } else if let kernel = kernelStorage {
            for p in kernel.processes.values { p.retire() }
            kernelStorage = nil
        }
    }

    /// Throws while devices are open (their I/O tables, IOTLBs and pins are not part of a
    /// snapshot), for a machine that hosts guests or is one, and for a machine with an inverted
    /// or hashed page table.
    func checkNoDevices() throws(VMError) {
        guard hashedPageTable == nil else {
            throw .invalidConfiguration(what: "snapshot", reason:
                "this machine has an inverted or hashed page table, whose software state (overflow table, aliases) is not part of a snapshot")
        }
        guard hostedGuests == 0, memory.guestBacking == nil else {
            throw .invalidConfiguration(what: "snapshot", reason: memory.guestBacking != nil
                ? "this is a guest: its memory lives in its host's frames, which a snapshot of the guest cannot hold"
                : "\(hostedGuests) guest(s) run on this machine: their machines and backing are not part of a snapshot")
        }
        guard openDevices == 0 else {
            throw .invalidConfiguration(what: "snapshot", reason:
                "\(openDevices) device(s) are open (m:device): their mappings are not part of a snapshot; close them first (dev:close())")
        }
    }
}
