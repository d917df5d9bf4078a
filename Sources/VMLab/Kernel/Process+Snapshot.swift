extension Process {
    /// A process's state at one moment (its memory is in the memory image).
    struct Image {
        let name: String
        let space: PageTable
        let vmas: [VMA]
        let brkStart: UInt64
        let layout: AddressSpaceLayout
        let brk: UInt64
        let isAlive: Bool
        let exitStatus: Int
        let catchSegv: Bool
        let counters: ProcessCounters
        let faultLog: FaultLog
    }

    /// A copy of this process's state.
    func capture() -> Image {
        Image(name: name, space: space, vmas: vmas, brkStart: brkStart, layout: layout, brk: brk, isAlive: isAlive,
              exitStatus: exitStatus, catchSegv: catchSegv, counters: counters, faultLog: faultLog)
    }

    /// Puts back `image`, with its space and the objects its VMAs map found through `remap`.
    func restore(_ image: Image, remap: SnapshotRemap) {
        name = image.name
        space = remap.table(image.space)
        vmas = image.vmas.map { v in
            var copy = v
            copy.object = v.object.map(remap.object)
            return copy
        }
        brkStart = image.brkStart
        layout = image.layout
        brk = image.brk
        isAlive = image.isAlive
        exitStatus = image.exitStatus
        catchSegv = image.catchSegv
        counters = image.counters
        faultLog = image.faultLog
    }
}

extension Process {
    /// Ends a process that did not exist when the snapshot being restored was taken: its memory
    /// went with the machine's, so it is dead without an exit of its own.
    func retire() {
        isAlive = false
        vmas = []
    }
}
