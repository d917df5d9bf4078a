extension CPU {
    /// A CPU's registers, counters and private translation structures at one moment.
    struct Image {
        /// The address space it runs (the object of the machine the image was taken of).
        let space: PageTable?
        let currentTag: Int
        let stats: CPUStats
        let privilege: Privilege
        let pkru: UInt32
        let flushedGeneration: UInt64
        let refillFailure: String?
        /// Its TLB levels in order; nil for a level shared by every CPU (kept by `Processors`).
        let tlbs: [TLB.Image?]
        let pageWalkCaches: [TLB.Image]
    }

    /// A copy of this CPU's state.
    func capture() -> Image {
        Image(space: space, currentTag: currentTag, stats: stats.pointee, privilege: privilegeStorage.pointee,
              pkru: pkruStorage.pointee, flushedGeneration: flushedGeneration, refillFailure: refillFailure.pointee,
              tlbs: tlbs.map { $0.isShared ? nil : $0.capture() }, pageWalkCaches: pageWalkCaches.map { $0.capture() })
    }

    /// Puts back `image` (of a CPU configured alike); `table` finds the space to run.
    func restore(_ image: Image, table: (PageTable) -> PageTable) {
        space = image.space.map(table)
        currentTag = image.currentTag
        stats.pointee = image.stats
        privilegeStorage.pointee = image.privilege
        pkruStorage.pointee = image.pkru
        flushedGeneration = image.flushedGeneration
        refillFailure.pointee = image.refillFailure
        levelCostVersion.pointee = .max
        for (tlb, saved) in zip(tlbs, image.tlbs) { if let saved { tlb.restore(saved) } }
        for (cache, saved) in zip(pageWalkCaches, image.pageWalkCaches) { cache.restore(saved) }
    }
}
