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
    /// reporting into `scratch` what the TLB and the page-walk caches need.
    @inline(__always)
    func resolveForMMU(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int, table startTable: UInt64,
                       inherited: UInt32, scratch: MMUWalkScratch, pkru: UInt32) -> Translation {
        return resolve(va, access, privilege, start: start, table: startTable, inherited: inherited,
                       scratch: scratch, pkru: pkru, steps: nil)
    }
}

extension PageTable {
    /// The search of the machine's inverted or hashed table in place of the walker (kept out of
    /// line, so that the radix walk inlined into its callers stays as it was).
    @inline(never)
    func searchHashed(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, scratch: MMUWalkScratch?, pkru: UInt32) -> Translation {
        guard let table = hashedTable else { return Translation() }
        return table._withUnsafeGuaranteedRef { $0.resolve(self, va, access, privilege, scratch: scratch, pkru: pkru, search: nil) }
    }
}
