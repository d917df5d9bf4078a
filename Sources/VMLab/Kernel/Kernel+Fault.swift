/// The page-fault handler: classifies every fault of a process and either resolves it (minor:
/// demand zero, page-cache hit, COW break, stack growth; major: file read, swap-in) or delivers
/// SIGSEGV with a reason. `faultHook` replaces the built-in policy (e.g. with Lua).
extension Kernel {
    /// Entry from the access path: a fault the MMU raised for `p`. Runs `faultHook` when set,
    /// the built-in handler otherwise. Throws `.segv` (killing `p` unless it catches SIGSEGV).
    func handleFault(_ p: Process, _ fault: PageFault) throws(KernelError) {
        let hold = holdTable(p, fault.va)
        defer { reclaimer?.tableHold = hold }
        prepareFault(p, fault.va)
        if fault.reason != .nonCanonical { try faultInTable(p, fault.va, fault.access) }
        if let hook = faultHook {
            let page = fault.va & ~(pageBytes - 1)
            let context = FaultContext(process: p, fault: fault, vma: p.vma(containing: fault.va),
                                       pte: fault.reason == .nonCanonical ? 0 : readPTE(p.space, page))
            let resolvedBefore = p.counters.minorFaults + p.counters.majorFaults
            do {
                try hook(context)
            } catch let error as KernelError {
                if case .segv = error { throw error }
                throw try segv(p, fault.va, fault.access, .handlerFailed, detail: error.description)
            } catch {
                throw try segv(p, fault.va, fault.access, .handlerFailed, detail: "\(error)")
            }
            // Counted once: as what the built-in did when the hook handed it the fault, else as custom.
            if p.counters.minorFaults + p.counters.majorFaults == resolvedBefore {
                count(p, .custom, va: fault.va, access: fault.access)
            }
            return
        }
        _ = try resolveFault(p, va: fault.va, access: fault.access, privilege: fault.privilege,
                             nonCanonical: fault.reason == .nonCanonical)
    }

    /// Delivers SIGSEGV to `p` for an access at `va` (e.g. from a replacement fault handler
    /// that gives up): kills it unless it catches SIGSEGV. Returns the error to report.
    public func sigsegv(_ p: Process, va: UInt64, access: AccessKind, reason: SegvReason, detail: String = "") -> KernelError {
        (try? segv(p, va, access, reason, detail: detail)) ?? .fail(.EFAULT, "segv", "not delivered")
    }

    /// Delivers SIGSEGV to `p`: counts it, tells observers, kills `p` unless `catchSegv`, and
    /// returns the error to throw.
    func segv(_ p: Process, _ va: UInt64, _ access: AccessKind, _ reason: SegvReason,
              detail: String = "") throws(KernelError) -> KernelError {
        counters.segvs += 1
        let killed = !p.catchSegv
        let fault = Segfault(pid: p.pid, name: p.name, va: va, access: access, reason: reason, detail: detail, killed: killed)
        emit("segv", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: va))),
                      ("op", .text(access.description)), ("reason", .text(reason.rawValue))])
        if killed { exit(p, status: 128 + 11) }
        return .segv(fault)
    }

    /// The SIGSEGV reason of an access a VMA's protection refuses.
    static func protectionReason(_ access: AccessKind) -> SegvReason {
        access == .write ? .writeReadOnly : access == .execute ? .executeNX : .readNoAccess
    }

    /// The built-in handler (Linux's `handle_mm_fault`, simplified). Returns how the fault was
    /// resolved; throws `.segv` for an invalid access.
    @discardableResult
    public func resolveFault(_ p: Process, va: UInt64, access: AccessKind, privilege: Privilege,
                             nonCanonical: Bool = false) throws(KernelError) -> FaultKind {
        if nonCanonical || !mode.isCanonical(va) { throw try segv(p, va, access, .nonCanonical) }
        if va >= userTop {
            throw try segv(p, va, access, privilege == .user ? .kernelAddress : .unmapped)
        }
        var grew = false
        var index = p.vmaIndex(containing: va)
        if index == nil {
            switch stackBelow(p, va) {
            case .grow(let i):
                // Check the access before growing: a refused fetch must not extend the stack.
                if !p.vmas[i].protection.allows(access) { throw try segv(p, va, access, Self.protectionReason(access)) }
                p.vmas[i].start = va & ~(pageBytes - 1)
                index = i
                grew = true
            case .guardPage: throw try segv(p, va, access, .guardPage)
            case .none: throw try segv(p, va, access, .unmapped)
            }
        }
        let v = p.vmas[index ?? 0]
        if v.flags.contains(.guardRegion) { throw try segv(p, va, access, .guardPage) }
        if v.flags.contains(.reserved) || v.protection.isNone { throw try segv(p, va, access, .reservedNotCommitted) }
        if !v.protection.allows(access) { throw try segv(p, va, access, Self.protectionReason(access)) }
        let page = va & ~(pageBytes - 1)
        try faultInTable(p, page, access)
        let space = p.space
        let raw = readPTE(space, page)
        var kind: FaultKind
        if isPresent(raw) {
            if access == .write && !isWritable(raw) {
                kind = try breakCOW(p, v, page)
            } else {
                // The table already allows it: a stale TLB entry. Drop it and retry.
                mappingsChanged(space, va: page, length: pageBytes)
                kind = .spurious
            }
        } else if let slot = swapSlot(raw) {
            kind = try swapIn(p, v, page, slot: slot, access: access)
        } else if v.object != nil {
            kind = try objectFault(p, v, page, access: access)
        } else if v.flags.contains(.huge), let huge = hugePageBytes {
            // A hugepage area: one zeroed, contiguous block of a huge page, mapped by one entry.
            // From the hugetlb pool when one was reserved (empty pool: Linux's SIGBUS, here SIGSEGV "out of memory").
            guard let head = takeHugetlbPage(p) else { throw try segv(p, va, access, .outOfMemory) }
            try installHugePage(p, va & ~(huge - 1), head: head, writable: v.protection.write, executable: v.protection.execute)
            machineCounters.cycles &+= costModel.pointee.zeroFill &* Int(huge / pageBytes)
            kind = .demandZero
        } else if try faultHugePage(p, v, va) {
            kind = .demandZero
        } else {
            let frame: UInt64
            do { frame = try allocFrame(owner: space.owner, call: "demand-zero fault") } catch {
                throw try segv(p, va, access, .outOfMemory)
            }
            try installPage(p, page, frame: frame, writable: v.protection.write, executable: v.protection.execute,
                            call: "demand-zero fault")
            machineCounters.cycles &+= costModel.pointee.zeroFill
            promoteIfFull(p, v, page)
            kind = .demandZero
        }
        if grew && kind == .demandZero { kind = .stackGrowth }
        count(p, kind, va: va, access: access)
        return kind
    }

    /// Counts a resolved fault for `p` and the machine, charges its cycles, tells observers.
    func count(_ p: Process, _ kind: FaultKind, va: UInt64, access: AccessKind) {
        faultTrace?.append(kind)
        if kind == .spurious { return }
        trackFault(p, va: va, access: access)
        if kind.isMajor {
            p.counters.majorFaults += 1
            machineCounters.majorFaults &+= 1
            machineCounters.cycles &+= costModel.pointee.majorFault
        } else {
            p.counters.minorFaults += 1
            machineCounters.minorFaults &+= 1
            machineCounters.cycles &+= costModel.pointee.minorFault
        }
        switch kind {
        case .demandZero: p.counters.demandZeroFaults += 1
        case .stackGrowth: p.counters.stackGrowths += 1; p.counters.demandZeroFaults += 1
        case .cowCopy: p.counters.cowCopies += 1; counters.cowCopies += 1
        case .cowReuse: p.counters.cowReuses += 1; counters.cowReuses += 1
        case .pageCache: p.counters.pageCacheHits += 1
        default: break
        }
        emit("fault", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: va))),
                       ("op", .text(access.description)), ("kind", .text(kind.rawValue)),
                       ("major", .flag(kind.isMajor))])
    }

    /// If `va` lies in the growth room of a stack, the stack's index; if in its guard page, `.guardPage`.
    func stackBelow(_ p: Process, _ va: UInt64) -> StackProbe {
        for (i, v) in p.vmas.enumerated() where v.flags.contains(.stack) && va < v.start {
            if va >= v.growthLimit {
                // Nothing else may sit between va and the stack (the layout keeps the room free).
                let blocked = p.vmas.contains { $0.end > va && $0.start < v.start && $0.start != v.start }
                return blocked ? .none : .grow(i)
            }
            if va >= v.growthLimit &- pageBytes { return .guardPage }
        }
        return .none
    }

    /// A write to a present read-only page of a writable area: copy-on-write. When the frame has
    /// other references (another process, or the page cache of a private file mapping), copy it
    /// to a new frame; when this mapping is its only reference, make it writable again.
    func breakCOW(_ p: Process, _ v: VMA, _ page: UInt64) throws(KernelError) -> FaultKind {
        let space = p.space
        guard let leaf = leafOf(space, page), isPresent(leaf.raw) else {
            throw try segv(p, page, .write, .unmapped)
        }
        let (slot, raw, level) = leaf
        let size = space.pageBytes(level: level)             // a huge page is copied whole
        let base = page & ~(size - 1)
        let old = entryFrame(space, raw)
        if v.isShared || frameInfo(old).refcount == 1 && !isCached(v, frame: old) {
            dropSwapCache(old)
            rewritePTE(p, slot: slot, va: base, raw: raw | mode.layout.writable, bytes: size)
            return .cowReuse
        }
        let fresh: UInt64
        do {
            fresh = try machine.allocateFrames(order: size.trailingZeroBitCount - mode.pageBits, state: .user,
                                               owner: p.space.owner, purpose: "a page of COW fault")
        } catch {
            // A transparent huge page with no free huge block: split it into private copies instead.
            guard level == hugeLevel, !v.flags.contains(.huge) else { throw try segv(p, page, .write, .outOfMemory) }
            do { try splitHugePage(p, base, call: "COW fault") } catch { throw try segv(p, page, .write, .outOfMemory) }
            return .cowCopy
        }
        try? memory.copy(from: memory.address(frame: old), to: memory.address(frame: fresh),
                                 length: size)
        let keep = raw & mode.layout.accessed
        rewritePTE(p, slot: slot, va: base,
                   raw: userEntry(space, frame: fresh, writable: true, executable: v.protection.execute, level: level) | keep,
                   bytes: size)
        adjustFrame(fresh, refs: 1, maps: 1)
        adjustFrame(old, refs: -1, maps: -1)
        machineCounters.cycles &+= costModel.pointee.pageCopy &* Int(size / pageBytes)
        emit("cow", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: page))),
                     ("old_pa", .integer(Int(memory.address(frame: old)))),
                     ("new_pa", .integer(Int(memory.address(frame: fresh))))])
        return .cowCopy
    }

    /// A not-present PTE carrying a swap slot: asks `swapInHook` for the frame and maps it.
    func swapIn(_ p: Process, _ v: VMA, _ page: UInt64, slot: UInt64, access: AccessKind) throws(KernelError) -> FaultKind {
        if let swapReference, let reclaimerReference {
            // Borrowed, not retained: a swap-in is most faults under memory pressure.
            let result = borrowing {
                swapReference._withUnsafeGuaranteedRef { swap in
                    reclaimerReference._withUnsafeGuaranteedRef { r in
                        Result { () throws(KernelError) in try swapInPage(p, v, page, slot: slot, access: access, swap, r) }
                    }
                }
            }
            return try result.get()
        }
        guard let hook = swapInHook else { throw try segv(p, page, access, .noSwap) }
        let frame = try hook(p, page, slot)
        if let s = try leafSlot(p.space, page, create: false) { try? p.space.writeEntry(s, 0) }
        try installPage(p, page, frame: frame, writable: v.protection.write && (v.isShared || frameInfo(frame).refcount == 0),
                        executable: v.protection.execute, call: "swap-in")
        return .swapIn
    }

    /// A fault on a page of a file or shared-memory area: find the page in the object's page
    /// cache (minor) or read it in (major for a file or a swapped-out shared page, zero-fill for
    /// shared anonymous memory never evicted),
    /// then map it: shared areas map the cache page itself; private areas map it read-only and
    /// copy it on a write.
    func objectFault(_ p: Process, _ v: VMA, _ page: UInt64, access: AccessKind) throws(KernelError) -> FaultKind {
        guard let object = v.object else { return .spurious }
        let pageIndex = (v.offset + (page - v.start)) / pageBytes
        var kind: FaultKind = .pageCache
        let cached: UInt64
        if let frame = object.cache[pageIndex] {
            cached = frame
        } else if object.isAnonymous, let frame = try swapInSharedPage(p, object, pageIndex, page: page) {
            cached = frame
            kind = .swapIn
        } else {
            do { cached = try pageIn(object, pageIndex) } catch { throw try segv(p, page, access, .outOfMemory) }
            kind = object.isAnonymous ? .demandZero : .fileRead
        }
        // Without a writable bit (1-byte textbook PTEs) a read-only mapping of the cache page
        // cannot be enforced: a private mapping gets its copy at once.
        if v.isShared || (access != .write && canWriteProtect) {
            try installPage(p, page, frame: cached, writable: v.isShared && v.protection.write,
                            executable: v.protection.execute, call: "file fault")
            return kind
        }
        // A write to a private file mapping: a private copy of the cached page (COW from the cache).
        let fresh: UInt64
        do { fresh = try allocFrame(owner: p.space.owner, call: "private file page") } catch {
            throw try segv(p, page, access, .outOfMemory)
        }
        try? memory.copy(from: memory.address(frame: cached), to: memory.address(frame: fresh),
                                 length: pageBytes)
        try installPage(p, page, frame: fresh, writable: true, executable: v.protection.execute, call: "file fault")
        machineCounters.cycles &+= costModel.pointee.pageCopy
        return kind == .pageCache ? .cowCopy : kind
    }

    /// Brings page `index` of `object` into the page cache (one reference held by the cache);
    /// a file page is filled from the backing bytes, counting one read.
    func pageIn(_ object: MemoryObject, _ index: UInt64) throws(KernelError) -> UInt64 {
        let frame = try allocFrame(owner: owner, call: "page cache")
        adjustFrame(frame, refs: 1, maps: 0)
        let from = index * pageBytes
        if !object.isAnonymous && from < UInt64(object.contents.count) {
            let upTo = min(UInt64(object.contents.count), from + pageBytes)
            try? memory.writeBytes(memory.address(frame: frame), Array(object.contents[Int(from)..<Int(upTo)]))
            object.reads += 1
        }
        object.cache[index] = frame
        return frame
    }
}
