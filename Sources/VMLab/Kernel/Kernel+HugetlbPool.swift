/// The hugetlb pool (hugetlbfs's `nr_hugepages`): huge pages reserved at boot that `hugepage`
/// mappings fault from and give back on unmap (see `HugePagePool`).
extension Kernel {
    /// Reserves `pages` more huge pages for `hugepage` mappings (hugetlbfs's nr_hugepages, set
    /// at boot). EINVAL without huge pages or for a negative count; ENOMEM when the buddy
    /// allocator has fewer free aligned blocks (nothing is reserved then).
    public func reserveHugePagePool(pages: Int) throws(KernelError) {
        let call = "hugetlb_pages"
        guard let huge = hugePageBytes else {
            throw .fail(.EINVAL, call, "paging mode \(mode.name) has no huge pages one level above the leaf")
        }
        guard pages >= 0 else { throw .fail(.EINVAL, call, "the pool size must not be negative, got \(pages)") }
        var taken: [UInt64] = []
        for _ in 0..<pages {
            guard let head = try? machine.allocateFrames(order: hugeOrder, state: .allocated, owner: owner,
                                                         purpose: "the hugetlb pool") else {
                for head in taken { try? machine.freeFrames(first: head, order: hugeOrder) }
                throw .fail(.ENOMEM, call, "only \(taken.count) free \(Units.size(huge)) blocks for a pool of \(pages) (\(Units.size(memory.bytes)) of memory)")
            }
            try? memory.updateInfo(frame: head) { $0.refcount = 1 }
            taken.append(head)
        }
        for head in taken { hugePages.pool.add(head) }
    }

    /// ENOMEM when a hugepage mapping of `length` bytes needs more pages than the pool has free
    /// (only when a pool was reserved).
    func checkPool(_ length: UInt64, call: String) throws(KernelError) {
        guard hugePages.pool.total > 0, let huge = hugePageBytes else { return }
        let need = (length + huge - 1) / huge
        guard need <= UInt64(hugePages.pool.freeCount) else {
            throw .fail(.ENOMEM, call, "the hugetlb pool has \(hugePages.pool.freeCount) free pages, the mapping needs \(need)")
        }
    }

    /// A zeroed huge block for a fault in a hugetlb area of `p`: from the pool when one was
    /// reserved, else from the buddy allocator. Nil when none is left.
    func takeHugetlbPage(_ p: Process) -> UInt64? {
        guard hugePages.pool.total > 0 else {
            return try? machine.allocateFrames(order: hugeOrder, state: .user, owner: p.space.owner,
                                               purpose: "a \(Units.size(hugePageBytes ?? pageBytes)) huge page")
        }
        guard let head = hugePages.pool.take() else { return nil }
        for frame in head..<(head + hugeFrames) {
            try? memory.updateInfo(frame: frame) { info in
                info.state = .user
                info.owner = p.space.owner
                if frame == head { info.refcount = 0 }
            }
        }
        return head
    }

    /// Gives a pool page whose last reference went back to the pool (zeroed). False when `head`
    /// is not a pool page.
    func returnToPool(_ head: UInt64) -> Bool {
        guard hugePages.pool.owns(head) else { return false }
        try? memory.zero(memory.address(frame: head), length: hugeFrames * pageBytes)
        for frame in head..<(head + hugeFrames) {
            try? memory.updateInfo(frame: frame) { info in
                info = FrameInfo()
                info.state = .allocated
                info.owner = owner
                if frame == head { info.order = Int8(hugeOrder); info.refcount = 1 }
            }
        }
        hugePages.pool.release(head)
        return true
    }

    /// The pool's free pages for `check()`: one reference each (the pool's), other frames tails.
    func poolReferences(_ refs: inout [UInt64: Int32], _ tails: inout Set<UInt64>) {
        for head in hugePages.pool.free {
            refs[head, default: 0] += 1
            for tail in (head + 1)..<(head + hugeFrames) { tails.insert(tail) }
        }
    }
}
