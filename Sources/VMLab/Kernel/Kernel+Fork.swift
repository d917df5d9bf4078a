/// fork (copy-on-write), exec and exit.
extension Kernel {
    /// True when a PTE can be made read-only while staying present (every mode but 1-byte
    /// textbook PTEs, whose only flag is the valid bit): COW needs it.
    var canWriteProtect: Bool { mode.layout.writable != 0 && mode.layout.writable & mode.layout.present == 0 }

    /// fork: a child with a copy of `p`'s VMAs whose page table maps the same frames. Private
    /// pages become read-only in both (COW: the first write copies, see `breakCOW`); shared
    /// pages stay shared and writable. Each shared frame gets one more mapping and reference.
    /// In a mode without a writable bit (1-byte textbook PTEs) private pages are copied at once.
    /// Throws ENOMEM when a page table cannot be allocated; then the child is torn down and
    /// nothing is left behind (the parent's pages may stay write-protected: harmless, the next
    /// write just makes them writable again).
    public func fork(_ p: Process) throws(KernelError) -> Process {
        try checkAlive(p, "fork")
        let hold = reclaimer?.tableHold
        reclaimer?.tableHold = Reclaimer.holdEveryTable
        defer { reclaimer?.tableHold = hold }
        reclaimForTables(p.space.tablePages.reduce(0, +))
        let space = try makeAddressSpace(call: "fork")
        let child = Process(pid: nextPID, name: p.name, parentPID: p.pid, space: space, layout: p.layout)
        nextPID += 1
        child.brk = p.brk
        child.vmas = p.vmas
        child.catchSegv = p.catchSegv
        processes[child.pid] = child
        let before = space.tablePages.reduce(0, +)
        do {
            for v in p.vmas {
                try copyRange(from: p, to: child, v)
                try copySwappedTables(from: p, to: child, v)
            }
        } catch {
            exit(child, status: 0, quiet: true)
            nextPID -= 1
            throw error
        }
        counters.forks += 1
        counters.forkTablePages += space.tablePages.reduce(0, +) - before
        emit("fork", [("pid", .integer(p.pid)), ("child", .integer(child.pid))])
        return child
    }

    /// Copies the entries of `v` from `parent` to `child` (xv6 `uvmcopy`, without copying data).
    func copyRange(from parent: Process, to child: Process, _ v: VMA) throws(KernelError) {
        let source = parent.space
        var protectedAny = false
        // The child's leaf table for the current span: one walk per leaf table, not per page.
        var lastTable: (parentTable: UInt64, childTable: UInt64)?
        try forEachEntry(source, v.start, v.end) { (va, slot, raw, tables) throws(KernelError) in
            let level = tables.count - 1
            let parentTable = tables[level]
            let childSlot: UInt64
            if level < mode.levels - 1 {
                // A huge page: its entry one level up.
                let made: UInt64?
                do throws(VMError) { made = try child.space.walk(va, level: level, create: true) } catch { throw .from(error, in: "fork") }
                guard let made else { return }
                childSlot = made
            } else if let last = lastTable, last.parentTable == parentTable {
                childSlot = last.childTable + (slot - parentTable)
            } else {
                guard let made = try leafSlot(child.space, va, create: true) else { return }
                childSlot = made
                lastTable = (parentTable, made - (slot - parentTable))
            }
            guard isPresent(raw) else {
                // A swap entry: both processes now refer to the slot.
                try? child.space.writeEntry(childSlot, raw)
                if let swapSlot = swapSlot(raw) { swapDuplicateHook?(swapSlot) }
                return
            }
            var entry = raw & ~(mode.layout.accessed | mode.layout.dirty)
            if !v.isShared && !canWriteProtect {
                // No writable bit to clear (1-byte textbook PTEs): copy the page now, as Unix did before COW.
                // The source is held meanwhile: reclaim must not evict it to make room for its copy.
                let held = entryFrame(source, raw)
                adjustFrame(held, refs: 1, maps: 0)
                defer { adjustFrame(held, refs: -1, maps: 0) }
                let fresh = try allocFrame(owner: child.space.owner, call: "fork")
                try? memory.copy(from: source.frameAddress(raw), to: memory.address(frame: fresh), length: pageBytes)
                try? child.space.writeEntry(childSlot, userEntry(child.space, frame: fresh, writable: true,
                                                                 executable: v.protection.execute))
                child.space.mappedBytes += pageBytes
                adjustFrame(fresh, refs: 1, maps: 1)
                return
            }
            if !v.isShared && isWritable(raw) {
                try? source.writeEntry(slot, raw & ~mode.layout.writable)
                entry &= ~mode.layout.writable
                protectedAny = true
            }
            try? child.space.writeEntry(childSlot, entry)
            child.space.mappedBytes += source.pageBytes(level: level)
            adjustFrame(entryFrame(source, raw), refs: 1, maps: 1)
        }
        if protectedAny { mappingsChanged(source, va: v.start, length: v.length) }
    }

    /// exec: replaces `p`'s address space by a fresh, empty one (kernel half only) and renames
    /// it (with ASLR its layout is drawn again); the old pages are released, and shared objects
    /// nobody maps any more with them (as at exit). ENOMEM (and no change) when no frame is free for the new table.
    public func exec(_ p: Process, name: String) throws(KernelError) {
        try checkAlive(p, "exec")
        let fresh = try makeAddressSpace(call: "exec")
        releaseMemory(p)
        p.space = fresh
        p.name = name
        p.layout = newLayout()
        p.brkStart = p.layout.brkStart
        p.brk = p.brkStart
    }

    /// exit: frees every page and page table of `p` and removes it. Does nothing on a dead process.
    public func exit(_ p: Process, status: Int = 0) {
        exit(p, status: status, quiet: false)
    }

    func exit(_ p: Process, status: Int, quiet: Bool) {
        guard p.isAlive else { return }
        releaseMemory(p)
        p.isAlive = false
        p.exitStatus = status
        processes[p.pid] = nil
        if quiet { return }
        counters.exits += 1
        emit("exit", [("pid", .integer(p.pid)), ("status", .integer(status))])
    }

    /// Unmaps every user page and the kernel page of `p` and releases its page table; shared
    /// objects no process maps any more go with them (exit and exec, as munmap).
    func releaseMemory(_ p: Process) {
        for v in p.vmas { zapRange(p, v.start, v.end) }
        p.vmas = []
        if let kernelFrame, p.space.isLive {
            adjustFrame(kernelFrame, refs: -1, maps: -1)
        }
        try? p.space.release()
        dropUnusedSharedObjects()
    }
}
