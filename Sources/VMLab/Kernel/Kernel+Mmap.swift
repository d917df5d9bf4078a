/// The memory-map system calls: mmap, munmap, mprotect, brk, mlock/munlock, madvise, and the
/// Windows-style reserve/commit/decommit. Linux semantics, errors as `KernelError.errno`.
extension Kernel {
    /// Rounds `length` up to whole pages; nil on overflow.
    func pageRoundUp(_ length: UInt64) -> UInt64? {
        let (sum, overflow) = length.addingReportingOverflow(pageBytes - 1)
        return overflow ? nil : sum & ~(pageBytes - 1)
    }

    /// Checks that `[start, start + length)` is page aligned, non-empty and inside user space;
    /// returns the end (length rounded up to pages).
    func checkUserRange(_ start: UInt64, _ length: UInt64, call: String) throws(KernelError) -> UInt64 {
        guard start & (pageBytes - 1) == 0 else {
            throw .fail(.EINVAL, call, "address \(Units.hex(start)) is not aligned to the page size (\(Units.size(pageBytes)))")
        }
        guard length > 0 else { throw .fail(.EINVAL, call, "length 0 (must be at least one byte)") }
        guard let rounded = pageRoundUp(length), rounded <= userTop, start <= userTop - rounded else {
            throw .fail(.ENOMEM, call, "range \(Units.hex(start)) + \(Units.size(length)) goes beyond user space (ends at \(Units.hex(userTop)))")
        }
        return start + rounded
    }

    /// The highest free range of `length` bytes below `ceiling` (default the process's mmap
    /// base, `userTop` without ASLR: top-down, like Linux's mmap_base), or below `userTop` when
    /// none fits there; at `hint` when a hint fits there. Nil when none.
    func findFreeRange(_ p: Process, length: UInt64, hint: UInt64?, alignment: UInt64? = nil,
                       ceiling: UInt64? = nil) -> UInt64? {
        let align = alignment ?? pageBytes
        let gaps = freeGaps(p)
        if let hint, hint & (align - 1) == 0,
           gaps.contains(where: { hint >= $0.start && hint <= $0.end && $0.end - hint >= length }) {
            return hint
        }
        for top in Set([ceiling ?? p.layout.mmapBase, userTop]).sorted() {
            for gap in gaps.reversed() where min(gap.end, top) > gap.start && min(gap.end, top) - gap.start >= length {
                let start = (min(gap.end, top) - length) & ~(align - 1)
                if start >= gap.start { return start }
            }
        }
        return nil
    }

    /// EINVAL when `start` or `end` falls inside a huge page of a hugepage area (such areas are
    /// only split, unmapped or changed on huge-page boundaries, as with MAP_HUGETLB); a
    /// transparent huge page there is split into base pages (Kernel+HugePages).
    func checkHugeBoundaries(_ p: Process, _ start: UInt64, _ end: UInt64, call: String) throws(KernelError) {
        guard let huge = hugePageBytes else { return }
        for x in [start, end] where x % huge != 0 {
            if let v = p.vma(containing: x), v.flags.contains(.huge), v.start < x {
                throw .fail(.EINVAL, call, "\(Units.hex(x)) is inside a \(Units.size(huge)) page of the hugepage mapping at \(Units.hex(v.start))")
            }
        }
        try splitHugePages(p, start, end, call: call)
    }

    /// The free gaps of user space (page 0 stays unmapped, as on Linux), lowest first.
    func freeGaps(_ p: Process) -> [(start: UInt64, end: UInt64)] {
        var gaps: [(start: UInt64, end: UInt64)] = []
        var cursor = pageBytes
        for v in p.vmas {
            let low = v.layoutStart(pageBytes: pageBytes)
            if low > cursor { gaps.append((cursor, low)) }
            cursor = max(cursor, v.end)
        }
        if userTop > cursor { gaps.append((cursor, userTop)) }
        return gaps
    }

    /// mmap: creates a VMA (no frame is used until a page is touched, unless `populate`/`locked`).
    /// Returns its address. Errors: EINVAL (length 0, unaligned fixed address or offset,
    /// shared+stack…), ENOMEM (no room), EACCES (file mapping beyond the file's end is allowed,
    /// a missing file is the caller's ENOENT).
    public func mmap(_ p: Process, _ r: MmapRequest) throws(KernelError) -> UInt64 {
        let call = "mmap"
        try checkAlive(p, call)
        guard r.length > 0 else { throw .fail(.EINVAL, call, "length 0 (must be at least one byte)") }
        guard let pageLength = pageRoundUp(r.length), pageLength <= userTop else {
            throw .fail(.ENOMEM, call, "length \(Units.size(r.length)) is larger than user space (\(Units.size(userTop)))")
        }
        var alignment = pageBytes
        if r.hugepage {
            guard let huge = hugePageBytes else {
                throw .fail(.EINVAL, call, "paging mode \(mode.name) has no huge pages one level above the leaf")
            }
            guard !r.shared, r.file == nil, !r.stack, !r.reserve, !r.guardRegion else {
                throw .fail(.EINVAL, call, "hugepage mappings must be private anonymous memory")
            }
            alignment = huge
            try checkPool(pageLength, call: call)
        }
        guard pageLength <= userTop - (alignment - 1) else {
            throw .fail(.ENOMEM, call, "length \(Units.size(r.length)) is larger than user space (\(Units.size(userTop)))")
        }
        let length = (pageLength + alignment - 1) & ~(alignment - 1)
        guard r.offset & (pageBytes - 1) == 0 else {
            throw .fail(.EINVAL, call, "offset \(Units.hex(r.offset)) is not a multiple of the page size")
        }
        guard r.offset <= UInt64(Int64.max) - length else {
            throw .fail(.EINVAL, call, "offset \(Units.hex(r.offset)) + length goes beyond the largest file offset")
        }
        if r.stack && (r.shared || r.file != nil) {
            throw .fail(.EINVAL, call, "a stack must be private anonymous memory")
        }
        if r.file != nil && (r.reserve || r.guardRegion) {
            throw .fail(.EINVAL, call, "reserve and guard regions cannot map a file")
        }
        var start: UInt64
        if r.fixed {
            guard let address = r.address else { throw .fail(.EINVAL, call, "fixed needs addr") }
            _ = try checkUserRange(address, length, call: call)
            guard address >= pageBytes else {
                throw .fail(.EPERM, call, "page 0 cannot be mapped (it catches null-pointer accesses)")
            }
            guard address & (alignment - 1) == 0 else {
                throw .fail(.EINVAL, call, "a hugepage mapping must start on a \(Units.size(alignment)) boundary, not \(Units.hex(address))")
            }
            try checkHugeBoundaries(p, address, address + length, call: call)
            start = address
            unmapRange(p, start, start + length)          // MAP_FIXED replaces what is there
        } else {
            let need = length + (r.stack ? pageBytes : 0)   // the stack's guard page
            let hint = r.address.map { $0 & ~(pageBytes - 1) }
            guard let found = findFreeRange(p, length: need, hint: hint, alignment: alignment,
                                            ceiling: r.stack ? p.layout.stackTop : nil) else {
                throw .fail(.ENOMEM, call, "no free range of \(Units.size(need)) in the address space")
            }
            start = found + (r.stack ? pageBytes : 0)
        }
        var flags: VMAFlags = []
        var object = r.file
        if r.shared {
            flags.insert(.shared)
            if object == nil {
                let anon = MemoryObject(name: "[shared]", anonymous: true, size: length, contents: [])
                sharedObjects.append(anon)
                object = anon
            }
        }
        if r.file == nil { flags.insert(.anonymous) }
        if r.hugepage { flags.insert(.huge) }
        if r.reserve { flags.insert(.reserved) }
        if r.guardRegion { flags.insert(.guardRegion) }
        var vma = VMA(start: start, end: start + length, protection: r.reserve || r.guardRegion ? .none : r.protection,
                      flags: flags, object: object, offset: r.file == nil ? 0 : r.offset)
        if r.stack {
            // Growth room [growthLimit, end); the guard page lies just below it (inside the
            // range with `fixed`, just below it otherwise). Only the top page is mapped at first.
            guard length >= (r.fixed ? 2 : 1) * pageBytes else {
                throw .fail(.EINVAL, call, "a fixed stack needs at least two pages (one is its guard page)")
            }
            vma.flags.insert(.stack)
            vma.growthLimit = r.fixed ? start + pageBytes : start
            vma.start = start + length - pageBytes
        }
        p.insert(vma)
        emit("mmap", [("pid", .integer(p.pid)), ("addr", .integer(Int(truncatingIfNeeded: start))),
                      ("size", .integer(Int(length))), ("prot", .text(vma.protection.description)),
                      ("label", .text(vma.label))])
        if r.populate || r.locked {
            do {
                try populate(p, vma.start, vma.end, call: call)
            } catch {
                unmapRange(p, start, start + length)
                throw error
            }
        }
        if r.locked { try mlock(p, vma.start, vma.end - vma.start) }
        return start
    }

    /// Faults in every page of `[start, end)` as a write when the area is writable (MAP_POPULATE).
    func populate(_ p: Process, _ start: UInt64, _ end: UInt64, call: String) throws(KernelError) {
        var va = start
        while va < end {
            if let v = p.vma(containing: va), !v.protection.isNone, !v.flags.contains(.reserved) {
                let access: AccessKind = v.protection.write ? .write : .read
                if !pageAllows(p, va, access) {
                    do {
                        _ = try resolveFault(p, va: va, access: access, privilege: .user)
                    } catch {
                        if case .segv = error { throw .fail(.ENOMEM, call, "cannot populate \(Units.hex(va))") }
                        throw error
                    }
                }
            }
            va += pageBytes
        }
    }

    /// True when the PTE of `va` already allows `access` from user mode (no fault needed).
    func pageAllows(_ p: Process, _ va: UInt64, _ access: AccessKind) -> Bool {
        let raw = readPTE(p.space, va)
        guard isPresent(raw), raw & mode.layout.user != 0 else { return false }
        return access != .write || isWritable(raw)
    }

    /// munmap: removes every mapping in `[addr, addr + length)`; holes are fine (no error, like
    /// Linux). Errors: EINVAL for an unaligned address or length 0.
    public func munmap(_ p: Process, _ addr: UInt64, _ length: UInt64) throws(KernelError) {
        try checkAlive(p, "munmap")
        let end = try checkUserRange(addr, length, call: "munmap")
        try checkHugeBoundaries(p, addr, end, call: "munmap")
        unmapRange(p, addr, end)
        emit("munmap", [("pid", .integer(p.pid)), ("addr", .integer(Int(truncatingIfNeeded: addr))),
                        ("size", .integer(Int(end - addr)))])
    }

    /// Drops VMAs and pages of `[start, end)`; a stack's growth room and guard go with it.
    func unmapRange(_ p: Process, _ start: UInt64, _ end: UInt64) {
        zapRange(p, start, end)
        p.removeRange(start, end)
        for i in p.vmas.indices where p.vmas[i].flags.contains(.stack) && p.vmas[i].growthLimit < end
            && p.vmas[i].start >= end && p.vmas[i].growthLimit - pageBytes < end {
            p.vmas[i].growthLimit = min(p.vmas[i].start, end + pageBytes)
        }
        if p.brk > p.brkStart, start < p.brk, end > p.brkStart, p.vmas.allSatisfy({ !$0.flags.contains(.heap) }) {
            p.brk = p.brkStart
        }
        dropUnusedSharedObjects()
    }

    /// Frees the page cache of shared anonymous objects no VMA maps any more.
    func dropUnusedSharedObjects() {
        guard !sharedObjects.isEmpty else { return }
        var used = Set<ObjectIdentifier>()
        for p in processes.values { for v in p.vmas { if let o = v.object { used.insert(ObjectIdentifier(o)) } } }
        sharedObjects.removeAll { object in
            if used.contains(ObjectIdentifier(object)) { return false }
            for frame in object.cache.values { adjustFrame(frame, refs: -1, maps: 0) }
            object.cache = [:]
            releaseSharedSwap(object)
            return true
        }
    }

    /// Splits VMAs so that `start` and `end` are VMA boundaries (when inside one).
    func splitAt(_ p: Process, _ address: UInt64) {
        guard let i = p.vmaIndex(containing: address), p.vmas[i].start != address else { return }
        let v = p.vmas[i]
        p.vmas[i] = v.slice(v.start, address)
        p.vmas.insert(v.slice(address, v.end), at: i + 1)
    }

    /// Calls `body(index)` for every VMA inside `[start, end)` after splitting at both ends.
    /// Throws ENOMEM (Linux's answer) when part of the range is not mapped.
    func eachVMA(_ p: Process, _ start: UInt64, _ end: UInt64, call: String, split: Bool = true,
                 _ body: (Int) throws(KernelError) -> Void) throws(KernelError) {
        try checkHugeBoundaries(p, start, end, call: call)
        var cursor = start
        for v in p.vmas where v.end > start && v.start < end {
            if v.start > cursor { break }
            cursor = v.end
        }
        guard cursor >= end else {
            throw .fail(.ENOMEM, call, "\(Units.hex(cursor)) in [\(Units.hex(start)), \(Units.hex(end))) is not mapped")
        }
        guard split else {   // a call that changes no attribute looks at the areas as they are
            for i in p.vmas.indices where p.vmas[i].end > start && p.vmas[i].start < end { try body(i) }
            return
        }
        splitAt(p, start)
        splitAt(p, end)
        for i in p.vmas.indices where p.vmas[i].start >= start && p.vmas[i].end <= end { try body(i) }
    }

    /// Merges neighbouring VMAs that became equal.
    func mergeVMAs(_ p: Process) {
        var merged: [VMA] = []
        for v in p.vmas {
            if let last = merged.last, last.canMerge(with: v) { merged[merged.count - 1].end = v.end } else { merged.append(v) }
        }
        p.vmas = merged
    }

    /// mprotect: sets the protection of `[addr, addr + length)`, which must be mapped
    /// entirely (else ENOMEM, nothing changed). Present pages get new PTE permissions; COW pages
    /// stay read-only until written. PROT_NONE keeps the frames (supervisor-only PTEs).
    public func mprotect(_ p: Process, _ addr: UInt64, _ length: UInt64, _ protection: Protection) throws(KernelError) {
        let call = "mprotect"
        try checkAlive(p, call)
        let end = try checkUserRange(addr, length, call: call)
        var shared: [UInt64: Bool] = [:]
        try eachVMA(p, addr, end, call: call) { (i) throws(KernelError) in
            if p.vmas[i].flags.contains(.guardRegion) {
                throw .fail(.EINVAL, call, "cannot change the protection of a guard region")
            }
            if p.vmas[i].isShared && protection.write, let o = p.vmas[i].object, !o.isAnonymous, !o.writable {
                throw .fail(.EACCES, call, "\(o.name) is read-only")
            }
            shared[p.vmas[i].start] = p.vmas[i].isShared
        }
        try eachVMA(p, addr, end, call: call) { (i) throws(KernelError) in
            p.vmas[i].protection = protection
            p.vmas[i].flags.remove(.reserved)
        }
        try refreshPTEs(p, addr, end)
        mergeVMAs(p)
    }

    /// Rewrites the present PTEs of `[start, end)` from their VMA's protection.
    func refreshPTEs(_ p: Process, _ start: UInt64, _ end: UInt64) throws(KernelError) {
        let space = p.space
        var changed = false
        try forEachEntry(space, start, end) { (va, slot, raw, tables) throws(KernelError) in
            guard isPresent(raw), let v = p.vma(containing: va) else { return }
            let frame = entryFrame(space, raw)
            let entry = userEntry(space, frame: frame, writable: mayWrite(v, frame: frame),
                                  executable: v.protection.execute, user: !v.protection.isNone, level: tables.count - 1)
            let keep = raw & (mode.layout.accessed | mode.layout.dirty)
            if isWritable(entry) { dropSwapCache(frame) }
            try? space.writeEntry(slot, entry | keep)
            changed = true
        }
        if changed { mappingsChanged(space, va: start, length: end - start) }
    }

    /// Whether a PTE of `v` mapping `frame` may be writable now: the area is writable, and
    /// either shared or the frame is this mapping's alone (not COW-shared, not page cache).
    func mayWrite(_ v: VMA, frame: UInt64) -> Bool {
        guard v.protection.write else { return false }
        if v.isShared { return true }
        return frameInfo(frame).refcount == 1 && (v.object == nil || !isCached(v, frame: frame))
    }

    /// True when `frame` is the page-cache page of `v`'s object.
    func isCached(_ v: VMA, frame: UInt64) -> Bool {
        guard let o = v.object else { return false }
        return o.cache.values.contains(frame)
    }

    /// brk: moves the program break to `address` (Linux: returns the new break, or the old one
    /// when the move is impossible; `brk(0)` asks for the current break). Growing maps
    /// `[heap]` lazily; shrinking unmaps.
    @discardableResult
    public func brk(_ p: Process, _ address: UInt64) throws(KernelError) -> UInt64 {
        try checkAlive(p, "brk")
        guard address >= p.brkStart, address <= userTop else { return p.brk }
        let oldTop = pageRoundUp(p.brk) ?? p.brk
        guard let newTop = pageRoundUp(address) else { return p.brk }
        if newTop > oldTop {
            let clash = p.vmas.contains { $0.layoutStart(pageBytes: pageBytes) < newTop && $0.end > oldTop }
            if clash { return p.brk }
            p.insert(VMA(start: oldTop, end: newTop, protection: .readWrite, flags: [.anonymous, .heap]))
        } else if newTop < oldTop {
            do { try checkHugeBoundaries(p, newTop, oldTop, call: "brk") } catch { return p.brk }
            unmapRange(p, newTop, oldTop)
        }
        p.brk = address
        return p.brk
    }

    /// sbrk: moves the break by `increment` bytes (may be negative) and returns the old break.
    /// ENOMEM when the break cannot move there.
    public func sbrk(_ p: Process, _ increment: Int) throws(KernelError) -> UInt64 {
        try checkAlive(p, "sbrk")
        let old = p.brk
        let target = increment >= 0 ? old.addingReportingOverflow(UInt64(increment))
                                    : old.subtractingReportingOverflow(UInt64(increment.magnitude))
        guard !target.overflow, try brk(p, target.partialValue) == target.partialValue else {
            throw .fail(.ENOMEM, "sbrk", "cannot move the break from \(Units.hex(old)) by \(increment)")
        }
        return old
    }

    /// mlock: the range (which must be mapped, else ENOMEM) is faulted in and its frames pinned.
    public func mlock(_ p: Process, _ addr: UInt64, _ length: UInt64) throws(KernelError) {
        try checkAlive(p, "mlock")
        let end = try checkUserRange(addr, length, call: "mlock")
        try eachVMA(p, addr, end, call: "mlock") { (i) throws(KernelError) in p.vmas[i].flags.insert(.locked) }
        try populate(p, addr, end, call: "mlock")
        try forEachEntry(p.space, addr, end) { (_, _, raw, _) throws(KernelError) in
            if isPresent(raw) { try? memory.updateInfo(frame: entryFrame(p.space, raw)) { $0.pinned = true } }
        }
    }

    /// munlock: clears the lock (frames stay, no longer pinned unless locked elsewhere).
    public func munlock(_ p: Process, _ addr: UInt64, _ length: UInt64) throws(KernelError) {
        try checkAlive(p, "munlock")
        let end = try checkUserRange(addr, length, call: "munlock")
        try eachVMA(p, addr, end, call: "munlock") { (i) throws(KernelError) in p.vmas[i].flags.remove(.locked) }
        try forEachEntry(p.space, addr, end) { (_, _, raw, _) throws(KernelError) in
            if isPresent(raw) { try? memory.updateInfo(frame: entryFrame(p.space, raw)) { $0.pinned = false } }
        }
        mergeVMAs(p)
    }

    /// madvise on `[addr, addr + length)` (must be mapped, else ENOMEM).
    public func madvise(_ p: Process, _ addr: UInt64, _ length: UInt64, _ advice: Advice) throws(KernelError) {
        try checkAlive(p, "madvise")
        let end = try checkUserRange(addr, length, call: "madvise")
        switch advice {
        case .dontneed:
            var locked = false
            try eachVMA(p, addr, end, call: "madvise", split: false) { (i) throws(KernelError) in
                if p.vmas[i].flags.contains(.locked) { locked = true }
            }
            if locked { throw .fail(.EINVAL, "madvise", "dontneed on locked memory") }
            zapRange(p, addr, end)
        case .willneed:
            try eachVMA(p, addr, end, call: "madvise", split: false) { (_) throws(KernelError) in }
            try populate(p, addr, end, call: "madvise")
        case .hugepage, .nohugepage:
            try eachVMA(p, addr, end, call: "madvise") { (i) throws(KernelError) in
                if advice == .hugepage { p.vmas[i].flags.insert(.hugeAdvised); p.vmas[i].flags.remove(.hugeRefused) }
                else { p.vmas[i].flags.remove(.hugeAdvised); p.vmas[i].flags.insert(.hugeRefused) }
            }
            mergeVMAs(p)
        }
    }

    /// Windows-style VirtualAlloc(MEM_RESERVE): address space only; access is SIGSEGV
    /// "reserved, not committed" until `commit`.
    public func reserve(_ p: Process, length: UInt64, address: UInt64? = nil) throws(KernelError) -> UInt64 {
        var r = MmapRequest(length: length, protection: .none)
        r.reserve = true
        r.address = address
        r.fixed = address != nil
        return try mmap(p, r)
    }

    /// VirtualAlloc(MEM_COMMIT): the range (inside reservations or other mappings) gets
    /// `protection`; pages are still demand-zero (first touch = minor fault).
    public func commit(_ p: Process, _ addr: UInt64, _ length: UInt64, _ protection: Protection = .readWrite) throws(KernelError) {
        try mprotect(p, addr, length, protection)
    }

    /// VirtualFree(MEM_DECOMMIT): frees the pages and makes the range reserved again.
    public func decommit(_ p: Process, _ addr: UInt64, _ length: UInt64) throws(KernelError) {
        try checkAlive(p, "decommit")
        let end = try checkUserRange(addr, length, call: "decommit")
        try eachVMA(p, addr, end, call: "decommit") { (i) throws(KernelError) in
            if !p.vmas[i].flags.contains(.anonymous) || p.vmas[i].isShared {
                throw .fail(.EINVAL, "decommit", "only private anonymous memory can be decommitted")
            }
        }
        zapRange(p, addr, end)
        try eachVMA(p, addr, end, call: "decommit") { (i) throws(KernelError) in
            p.vmas[i].protection = .none
            p.vmas[i].flags.insert(.reserved)
        }
        mergeVMAs(p)
    }
}
