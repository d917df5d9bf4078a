extension Reclaimer {
    /// Reclaim's state at one moment: the frame table and the policy's own state (copies), the
    /// watermarks, the reverse map and the swap cache.
    struct Image {
        let frames: FrameTable
        let policy: BuiltinPolicy
        let low: Int
        let high: Int
        let counters: SwapCounters
        let untilTick: Int
        let pageVA: [UInt64]
        let cacheSlot: [Int32]
        let lastUse: [UInt64]
        let machineFaults: FaultLog
        let filePages: [UInt64: (object: MemoryObject, index: UInt64)]
        let slotFrame: SwapCacheLinks
        let swapsPageTables: Bool
        let swappedTables: Int
    }

    /// A copy of reclaim's state. Throws when the policy is not a built-in one (a policy written
    /// in Lua keeps its state in Lua, out of reach) or while reclaim runs.
    func capture() throws(VMError) -> Image {
        guard case .builtin(let builtin) = policy else {
            throw .invalidConfiguration(what: "snapshot", reason:
                "the replacement policy '\(policyName)' is not built in: its state lives outside the model (take the snapshot under a built-in policy and set yours after restoring)")
        }
        guard !busy else { throw .invalidConfiguration(what: "snapshot", reason: "reclaim is running") }
        let table = frames.copy()
        return Image(frames: table, policy: builtin.copy(over: table), low: low, high: high, counters: counters,
                     untilTick: untilTick, pageVA: pageVA, cacheSlot: cacheSlot, lastUse: Array(lastUse),
                     machineFaults: machineFaults, filePages: filePages, slotFrame: slotFrame,
                     swapsPageTables: swapsPageTables, swappedTables: swappedTables)
    }

    /// Puts back `image` (of a machine with as many frames), with fresh copies of its frame
    /// table and policy, so that the image can be put back again later.
    func restore(_ image: Image, remap: SnapshotRemap) {
        let table = image.frames.copy()
        let made = image.policy.copy(over: table)
        frames = table
        policy = .builtin(made)
        policyName = made.name
        needsEveryAccess = made.needsEveryAccess
        tickInterval = made.tickInterval
        low = image.low
        high = image.high
        counters = image.counters
        untilTick = image.untilTick
        pageVA = image.pageVA
        cacheSlot = image.cacheSlot
        _ = lastUse.update(fromContentsOf: image.lastUse)
        machineFaults = image.machineFaults
        filePages = image.filePages.mapValues { (object: remap.object($0.object), index: $0.index) }
        slotFrame = image.slotFrame
        swapsPageTables = image.swapsPageTables
        swappedTables = image.swappedTables
        tableHold = nil
        incoming = 0
        currentPID = 0
        faultingFrame = -1
        policyError = nil
        busy = false
    }
}
