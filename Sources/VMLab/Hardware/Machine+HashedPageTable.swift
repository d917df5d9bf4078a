extension Machine {
    /// Gives the machine an inverted or hashed page table instead of radix tables: allocated
    /// at once from the lowest frames (call it at boot, before anything else is allocated);
    /// every address space made afterwards is a space id in it. Throws `invalidConfiguration`
    /// for bad sizes, a textbook mode or a machine where frames are already allocated, and
    /// `outOfMemory` when the table does not fit.
    public func useHashedPageTable(_ configuration: HashedPageTableConfiguration) throws(VMError) {
        guard hashedPageTable == nil, frames.freeFrames == memory.frameCount, kernelStorage == nil else {
            throw .invalidConfiguration(what: "page_table", reason: "the table is set up at boot, before any frame is allocated")
        }
        hashedPageTable = try HashedPageTable(machine: self, configuration: configuration)
    }

    /// The organization of this machine's page tables.
    public var pageTableKind: PageTableKind { hashedPageTable?.kind ?? .radix }
}
