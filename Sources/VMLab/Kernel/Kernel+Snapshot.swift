extension Kernel {
    /// The kernel's state at one moment: processes, files and shared objects, swap and reclaim
    /// (page tables and frames are in the machine's part of the snapshot).
    struct Image {
        let owner: Int32
        let kernelFrame: UInt64?
        let kernelImageBase: UInt64
        let aslr: ASLRConfiguration?
        let layoutRNG: SeededGenerator
        /// Every live process with its state (the objects of the machine the image was taken of).
        let processes: [(process: Process, image: Process.Image)]
        let files: [String: MemoryObject]
        let sharedObjects: [MemoryObject]
        /// Every memory object that a file name, a VMA or reclaim refers to, with its state.
        let objects: [(object: MemoryObject, image: MemoryObject.Image)]
        let counters: KernelCounters
        let faultTrace: [FaultKind]?
        let lastAccess: MMUResult
        let nextPID: Int
        let ownerIDs: OwnerSet
        let hugePages: HugePageState
        let swap: SwapDevice.Image?
        let reclaimer: Reclaimer.Image?
    }

    /// A copy of the kernel's state. Throws while a fault is being handled by reclaim or when
    /// the replacement policy keeps its state outside the model (see `Reclaimer.capture`).
    func capture() throws(VMError) -> Image {
        let live = processList
        var objects: [(object: MemoryObject, image: MemoryObject.Image)] = []
        var seen = Set<ObjectIdentifier>()
        func note(_ object: MemoryObject) {
            if seen.insert(ObjectIdentifier(object)).inserted { objects.append((object, object.capture())) }
        }
        for name in files.keys.sorted() { note(files[name]!) }
        sharedObjects.forEach(note)
        for p in live { for v in p.vmas { if let object = v.object { note(object) } } }
        reclaimer?.filePages.values.forEach { note($0.object) }
        return Image(owner: owner, kernelFrame: kernelFrame, kernelImageBase: kernelImageBase, aslr: aslr,
                     layoutRNG: layoutRNG, processes: live.map { ($0, $0.capture()) }, files: files,
                     sharedObjects: sharedObjects, objects: objects, counters: counters, faultTrace: faultTrace,
                     lastAccess: lastAccess, nextPID: nextPID, ownerIDs: ownerIDs, hugePages: hugePages, swap: swap?.capture(),
                     reclaimer: try reclaimer?.capture())
    }

    /// For a machine forked from a snapshot: new processes and memory objects standing for
    /// those of `image`, recorded in `remap` (their state comes with `restore`).
    func makeCopies(of image: Image, remap: SnapshotRemap) {
        for (object, _) in image.objects {
            remap.add(object, MemoryObject(name: object.name, anonymous: object.isAnonymous, size: 0, contents: []))
        }
        for (p, saved) in image.processes {
            remap.add(p, Process(pid: p.pid, name: saved.name, parentPID: p.parentPID, space: remap.table(saved.space),
                                 layout: saved.layout))
        }
    }

    /// Puts back `image`, each object found through `remap`. Processes that did not exist
    /// then are gone (as if they had exited: calls on them fail with ESRCH).
    func restore(_ image: Image, remap: SnapshotRemap) throws(VMError) {
        for (object, saved) in image.objects { remap.object(object).restore(saved, kernel: self) }
        let restored = image.processes.map { remap.process($0.process) }
        let kept = Set(restored.map(ObjectIdentifier.init))
        for p in processes.values where !kept.contains(ObjectIdentifier(p)) { p.retire() }
        processes = ProcessTable()
        for (p, (_, saved)) in zip(restored, image.processes) {
            p.restore(saved, remap: remap)
            processes[p.pid] = p
        }
        kernelImageBase = image.kernelImageBase
        aslr = image.aslr
        layoutRNG = image.layoutRNG
        files = image.files.mapValues(remap.object)
        sharedObjects = image.sharedObjects.map(remap.object)
        counters = image.counters
        faultTrace = image.faultTrace
        lastAccess = image.lastAccess
        nextPID = image.nextPID
        ownerIDs = image.ownerIDs
        hugePages = image.hugePages
        swap = image.swap.map(SwapDevice.init)
        if swap != nil { installSwapHooks() } else { swapDuplicateHook = nil; swapFreeHook = nil }
        if let saved = image.reclaimer {
            if reclaimer == nil {
                do {
                    reclaimer = try Reclaimer(frameCount: Int(memory.frameCount), spec: .fifo, low: 0, high: 0)
                } catch {
                    throw .invalidConfiguration(what: "snapshot", reason: "reclaim could not be set up: \(error)")
                }
            }
            reclaimer?.restore(saved, remap: remap)
        } else {
            reclaimer = nil
        }
    }
}
