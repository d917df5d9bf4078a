/// Kernel page-table isolation (KPTI, after Meltdown): a second root per address space.
///
///     root (kernel mode)             userRoot (user mode)
///     [0 ..< n/2]  user half    ==   [0 ..< n/2]  same entries, same lower tables
///     [n/2 ..< n]  kernel half       [n/2 ..< n]  empty: kernel addresses are not present
///
/// Every later write of a user-half root entry goes to both roots (`writeEntry`), so the two
/// share every table below the root. No entry trampoline is modelled: in user mode the whole
/// kernel half is absent, and a user access to it faults as "not present" instead of as a
/// protection fault.
extension PageTable {
    /// Gives the space its user-mode root (once): a fresh table page holding a copy of the
    /// user half of `root`. Throws `outOfMemory` when no frame is free.
    public func enableKPTI() throws(VMError) {
        guard userRoot == nil else { return }
        guard isLive else { throw .released }
        if hashed != nil { throw .invalidConfiguration(what: "kpti", reason: "an inverted or hashed page table has no root to split") }
        let frame = try machine.allocateFrames(order: 0, state: .pageTable, owner: owner, tableLevel: 0,
                                               purpose: "KPTI user root table")
        let copy = machine.memory.address(frame: frame)
        var offset: UInt64 = 0
        while offset < userHalfBytes {
            let raw = machine.memory.loadAligned(root + offset, width: Int(pteBytes))
            if raw != 0 { machine.memory.storeAligned(copy + offset, raw, width: Int(pteBytes)) }
            offset += pteBytes
        }
        userRoot = copy
        tablePages[0] += 1
    }

    /// The root the MMU walks for an access at `privilege`.
    @inline(__always)
    func root(for privilege: Privilege) -> UInt64 {
        privilege == .user ? (userRoot ?? root) : root
    }
}
