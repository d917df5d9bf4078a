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
    /// The walker of the MMU pipeline: like `translate`, but it may start below the root — at
    /// `start` with the table at `table` and the permissions `inherited` that a page-walk-cache
    /// hit supplies — and it reports what the TLB and the page-walk caches need: the effective
    /// permissions of the leaf (in `scratch.leafFlags`) and, for each upper level passed, the
    /// next table and the permissions so far. Counts a walk (not an access), references, cycles
    /// of references and faults, and sets A/D bits, exactly as `translate` does.
    @inline(__always)
    func resolveForMMU(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int, table startTable: UInt64,
                       inherited: UInt32, scratch: MMUWalkScratch) -> Translation {
        let counters = counterStorage
        counters.pointee.walks &+= 1
        var result = Translation()
        guard isCanonical(va) else {
            return fail(&result, va, access, privilege, .nonCanonical, level: 0)
        }
        let width = Int(pteBytes)
        let memoryBytes = memory.bytes
        let l = layout
        let everyLevel = l.permissionsAtEveryLevel
        var writable = inherited & WalkPermissions.writable != 0
        var user = inherited & WalkPermissions.user != 0
        var noExecute = inherited & WalkPermissions.noExecute != 0
        var table = startTable
        var level = start
        while level < levelCount {
            let index = (va >> shifts[level]) & indexMasks[level]
            let slot = table &+ index &* pteBytes
            guard slot < memoryBytes, memoryBytes - slot >= pteBytes else {
                return fail(&result, va, access, privilege, .tableOutsideMemory, level: level)
            }
            let raw = width == 8 ? memory.load64(slot) : memory.loadAligned(slot, width: width)
            result.references &+= 1
            let leaf = level == levelCount - 1 || raw & l.leafBits != 0
            if raw & l.present == 0 {
                return fail(&result, va, access, privilege, .notPresent, level: level)
            }
            if raw & (leaf ? reservedInLeaf[level] : reservedInTable[level]) != 0 {
                return fail(&result, va, access, privilege, .reservedBit, level: level)
            }
            if everyLevel {
                writable = writable && raw & l.writable != 0
                user = user && raw & l.user != 0
                noExecute = noExecute || raw & l.noExecute != 0
            }
            if !leaf {
                if l.accessedAtEveryLevel && raw & l.accessed == 0 {
                    memory.storeAligned(slot, raw | l.accessed, width: width)
                }
                table = ((raw >> UInt64(l.frameShift)) & frameFieldMask) << pageBits
                scratch.tables[level] = table
                scratch.permissions[level] = (writable ? WalkPermissions.writable : 0)
                    | (user ? WalkPermissions.user : 0) | (noExecute ? WalkPermissions.noExecute : 0)
                level += 1
                continue
            }
            let pageMask = (UInt64(1) << shifts[level]) &- 1
            let frameBase = ((raw >> UInt64(l.frameShift)) & frameFieldMask) << pageBits
            if isRISCV {
                if raw & l.leafBits == 0 {
                    return fail(&result, va, access, privilege, .noLeaf, level: level)
                }
                if raw & l.writable != 0 && raw & l.readable == 0 {
                    return fail(&result, va, access, privilege, .reservedBit, level: level)
                }
                if frameBase & pageMask != 0 {
                    return fail(&result, va, access, privilege, .misalignedSuperpage, level: level)
                }
            }
            if !everyLevel {
                writable = raw & l.writable != 0
                user = raw & l.user != 0
            }
            let readable = l.readable == 0 || raw & l.readable != 0
            let executable = !noExecute && (l.executable == 0 || raw & l.executable != 0)
            if privilege == .user && !user {
                return fail(&result, va, access, privilege, .supervisorOnly, level: level)
            }
            switch access {
            case .read:
                if !readable { return fail(&result, va, access, privilege, .notReadable, level: level) }
            case .write:
                if !writable { return fail(&result, va, access, privilege, .writeProtected, level: level) }
            case .execute:
                if !executable { return fail(&result, va, access, privilege, .executeDisabled, level: level) }
            }
            let updated = raw | l.accessed | (access == .write ? l.dirty : 0)
            if updated != raw { memory.storeAligned(slot, updated, width: width) }
            // A format without a dirty bit (textbook PTEs) never needs the walker to set one.
            let dirty = l.dirty == 0 || updated & l.dirty != 0
            scratch.leafFlags.pointee = (readable ? TLBMeta.readable : 0) | (writable ? TLBMeta.writable : 0)
                | (executable ? TLBMeta.executable : 0) | (user ? TLBMeta.user : 0)
                | (dirty ? TLBMeta.dirty : 0) | (raw & l.global != 0 ? TLBMeta.global : 0)
            result.physicalAddress = (frameBase & ~pageMask) | (va & pageMask)
            result.pageBytes = pageMask &+ 1
            result.level = level
            counters.pointee.memoryReferences &+= result.references
            counters.pointee.cycles &+= result.references &* costStorage.pointee.memoryReference
            return result
        }
        return fail(&result, va, access, privilege, .notPresent, level: levelCount - 1)  // not reached
    }
}
