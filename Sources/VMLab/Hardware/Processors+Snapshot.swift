extension Processors {
    /// The CPUs, shared structures and ASID allocator at one moment.
    struct Image {
        let configuration: ProcessorConfiguration
        let kernelCPU: Int
        let generation: UInt64
        let stats: ProcessorStats
        let asidUsed: [Bool]
        let nextASID: Int
        let cpus: [CPU.Image]
        let sharedTLBs: [TLB.Image]
    }

    /// A copy of the processors' state. Throws inside `batch` (a shootdown is pending).
    func capture() throws(VMError) -> Image {
        guard batchDepth == 0 else {
            throw .invalidConfiguration(what: "snapshot", reason: "a batch of mapping changes is open (its shootdown is pending)")
        }
        return Image(configuration: configuration, kernelCPU: kernelCPU, generation: generation, stats: stats,
                     asidUsed: asidUsed, nextASID: nextASID, cpus: cpus.map { $0.capture() },
                     sharedTLBs: sharedTLBs.map { $0.capture() })
    }

    /// Puts back `image` (taken with the same configuration); `table` finds each CPU's space.
    func restore(_ image: Image, table: (PageTable) -> PageTable) {
        kernelCPU = image.kernelCPU
        generation = image.generation
        stats = image.stats
        asidUsed = image.asidUsed
        nextASID = image.nextASID
        pending = []
        pendingMask = 0
        for (cpu, saved) in zip(cpus, image.cpus) { cpu.restore(saved, table: table) }
        for (tlb, saved) in zip(sharedTLBs, image.sharedTLBs) { tlb.restore(saved) }
    }
}
