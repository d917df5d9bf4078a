/// Permissions accumulated over the upper levels of a walk (x86 ANDs R/W and U/S and ORs NX
/// over every level; RISC-V only looks at the leaf, so nothing accumulates).
enum WalkPermissions {
    static let writable: UInt32 = 1
    static let user: UInt32 = 2
    static let noExecute: UInt32 = 4
    /// Nothing restricted yet (the state at the root).
    static let root: UInt32 = writable | user
}

/// Scratch space of an MMU walk: for each upper level `l` the walk passed through, the next
/// table's physical address and the permissions accumulated after `l` (what a page-walk cache
/// of level `l` stores).
struct MMUWalkScratch {
    let tables: UnsafeMutablePointer<UInt64>
    let permissions: UnsafeMutablePointer<UInt32>
    /// TLB flag bits of the leaf (TLBMeta readable/writable/executable/user/dirty/global).
    let leafFlags: UnsafeMutablePointer<UInt32>

    init(levels: Int) {
        tables = .allocate(capacity: levels); tables.initialize(repeating: 0, count: levels)
        permissions = .allocate(capacity: levels); permissions.initialize(repeating: 0, count: levels)
        leafFlags = .allocate(capacity: 1); leafFlags.initialize(to: 0)
    }

    func release() { tables.deallocate(); permissions.deallocate(); leafFlags.deallocate() }
}

extension PageTable {
    /// The walker of the MMU pipeline: `resolve` started where a page-walk-cache hit leaves off,
    /// reporting into `scratch` what the TLB and the page-walk caches need. An 8-byte x86 table
    /// is walked by `walkX86ForMMU` first; whatever that walk leaves (a fault, a PKRU check) the
    /// general walker does again from the start.
    @_transparent
    func resolveForMMU(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int, table startTable: UInt64,
                       inherited: UInt32, scratch: MMUWalkScratch, pkru: UInt32) -> Translation {
        var t = Translation()
        if isX86Wide && pkru == 0 && walkX86ForMMU(va, access, privilege, start: start, table: startTable,
                                                   inherited: inherited, scratch: scratch, into: &t) {
            return t
        }
        return resolveForMMUInGeneral(va, access, privilege, start: start, table: startTable, inherited: inherited,
                                      scratch: scratch, pkru: pkru)
    }

    /// `resolveForMMU` by the general walker, out of line: the fast walk above inlines into
    /// the MMU pipeline without the general walker's code.
    @inline(never)
    func resolveForMMUInGeneral(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int, table startTable: UInt64,
                                inherited: UInt32, scratch: MMUWalkScratch, pkru: UInt32) -> Translation {
        resolve(va, access, privilege, start: start, table: startTable, inherited: inherited, scratch: scratch, pkru: pkru, steps: nil)
    }

    /// `resolve` for the 8-byte x86 formats with their bit positions as constants, for a walk
    /// that succeeds or meets a not-present entry: fills `t` (and `scratch`), sets Accessed (and
    /// Dirty) bits, counts the walk, its references and cycles (and the fault), and returns true.
    /// Returns false, having counted nothing, at the first thing it leaves to `resolve` — a
    /// non-canonical address, an entry outside memory, a reserved bit, or an entry denying the
    /// access; the Accessed bits it set on the way are the ones `resolve` sets again.
    /// ```
    ///   63  62..59  51..12   8  7   6  5  2   1   0
    ///   XD  PKEY    frame    G  PS  D  A  US  RW  P
    /// ```
    @_transparent
    func walkX86ForMMU(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int, table startTable: UInt64,
                       inherited: UInt32, scratch: MMUWalkScratch, into t: inout Translation) -> Bool {
        let present: UInt64 = 1, writable: UInt64 = 1 << 1, user: UInt64 = 1 << 2
        let accessed: UInt64 = 1 << 5, dirty: UInt64 = 1 << 6, pageSize: UInt64 = 1 << 7, global: UInt64 = 1 << 8
        guard isCanonical(va) else { return false }
        let memoryBytes = memory.bytes
        let guest = memory.isGuestMemory
        let noExecute = layout.noExecute
        let last = levelCount &- 1
        // RW and US are ANDed over the levels, XD ORed: start from what the page-walk cache gave.
        var rights = (inherited & WalkPermissions.writable != 0 ? writable : 0) | (inherited & WalkPermissions.user != 0 ? user : 0)
        var denyExecute = inherited & WalkPermissions.noExecute != 0 ? noExecute : 0
        var table = startTable
        var level = start
        var references = 0
        while true {
            let slot = table &+ ((va &>> shifts[level]) & indexMasks[level]) &* 8
            guard slot < memoryBytes, memoryBytes &- slot >= 8 else { return false }
            let raw = guest ? memory.load64(slot) : memory.ownLoad64(slot)
            references &+= 1
            let leaf = level == last || raw & pageSize != 0
            if raw & present == 0 {
                // The usual fault (demand paging, swap-in), raised here as `resolve` would raise it.
                counterStorage.pointee.walks &+= 1
                t = notPresent(va, access, privilege, level: level, references: references)
                return true
            }
            if raw & (leaf ? reservedInLeaf[level] : reservedInTable[level]) != 0 { return false }
            rights &= raw
            denyExecute |= raw & noExecute
            if leaf {
                let isWritable = rights & writable != 0, isUser = rights & user != 0, executable = denyExecute == 0
                if privilege == .user && !isUser { return false }
                switch access {
                case .read: break
                case .write: if !isWritable { return false }
                case .execute: if !executable { return false }
                }
                let updated = raw | accessed | (access == .write ? dirty : 0)
                if updated != raw { memory.storeAligned(slot, updated, width: 8) }
                let key = layout.protectionKeyShift > 0 ? UInt32((raw &>> UInt64(layout.protectionKeyShift)) & 0xf) : 0
                scratch.leafFlags.pointee = TLBMeta.readable | (isWritable ? TLBMeta.writable : 0)
                    | (executable ? TLBMeta.executable : 0) | (isUser ? TLBMeta.user : 0)
                    | (updated & dirty != 0 ? TLBMeta.dirty : 0) | (raw & global != 0 ? TLBMeta.global : 0)
                    | (key << TLBMeta.keyShift)
                let pageMask = (UInt64(1) &<< shifts[level]) &- 1
                t.physicalAddress = ((((raw >> 12) & frameFieldMask) << 12) & ~pageMask) | (va & pageMask)
                t.pageBytes = pageMask &+ 1
                t.level = level
                t.references = references
                let counters = counterStorage
                counters.pointee.walks &+= 1
                counters.pointee.memoryReferences &+= references
                counters.pointee.cycles &+= references &* costStorage.pointee.memoryReference
                return true
            }
            if raw & accessed == 0 { memory.storeAligned(slot, raw | accessed, width: 8) }
            table = ((raw >> 12) & frameFieldMask) << 12
            scratch.tables[level] = table
            scratch.permissions[level] = (rights & writable != 0 ? WalkPermissions.writable : 0)
                | (rights & user != 0 ? WalkPermissions.user : 0) | (denyExecute != 0 ? WalkPermissions.noExecute : 0)
            level &+= 1
        }
    }
}

extension PageTable {
    /// The not-present fault of the fast walk at `level` after `references` reads. Out of line
    /// and returning its result, so that the walk's own translation never has its address taken
    /// (it stays in registers).
    @inline(never)
    func notPresent(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, level: Int, references: Int) -> Translation {
        var t = Translation()
        t.references = references
        return fail(&t, va, access, privilege, .notPresent, level: level)
    }

    /// The search of the machine's inverted or hashed table in place of the walker (kept out of
    /// line, so that the radix walk inlined into its callers stays as it was).
    @inline(never)
    func searchHashed(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, scratch: MMUWalkScratch?, pkru: UInt32) -> Translation {
        guard let table = hashedTable else { return Translation() }
        return table._withUnsafeGuaranteedRef { $0.resolve(self, va, access, privilege, scratch: scratch, pkru: pkru, search: nil) }
    }
}
