extension PageTable {
    /// Translates `va` for an access as the MMU's page walker does, recording every entry read:
    /// level name, index, entry address (table + index × PTE size), raw and decoded entry.
    /// Sets Accessed (and Dirty on a write) like hardware; returns the steps and the result.
    public func walk(_ va: UInt64, access: AccessKind = .read, privilege: Privilege = .user) -> Walk {
        counterStorage.pointee.accesses &+= 1
        if let hashed {
            var search = HashSearch()
            let result = withUnsafeMutablePointer(to: &search) { hashed.resolve(self, va, access, privilege, scratch: nil, pkru: 0, search: $0) }
            return Walk(steps: [], result: result, search: search)
        }
        var steps: [WalkStep] = []
        steps.reserveCapacity(levelCount)
        let result = withUnsafeMutablePointer(to: &steps) { resolve(va, access, privilege, steps: $0) }
        return Walk(steps: steps, result: result)
    }

    /// Translates `va` for an access without recording steps: the hot path (no allocation).
    /// Same semantics, counters and A/D updates as `walk`.
    @inline(__always)
    public func translate(_ va: UInt64, access: AccessKind = .read, privilege: Privilege = .user) -> Translation {
        counterStorage.pointee.accesses &+= 1
        if _slowPath(hashedTable != nil) { return searchHashed(va, access, privilege, scratch: nil, pkru: 0) }
        return resolve(va, access, privilege, steps: nil)
    }

    /// The walker. For each level, root first:
    /// ```
    ///   entry address = table + index(va, level) × PTE size     (one memory reference)
    ///   not present            → fault (P = 0)
    ///   reserved bits set      → fault (P = 1, RSVD = 1)
    ///   x86: AND R/W and U/S, OR NX over all levels; set A in each entry used
    ///   not a leaf             → table = entry's frame, next level
    ///   leaf                   → check user, read (RISC-V R), write, execute; set A (and D on a
    ///                            write); PA = page frame + (va mod page size)
    /// ```
    /// RISC-V: the walker sets A/D itself (the Svadu behaviour) instead of faulting; supervisor
    /// accesses to user pages are allowed (as with SUM = 1); SMEP/SMAP are not modelled.
    ///
    /// The MMU pipeline starts it below the root — at `start`, with the table `startTable` and
    /// the permissions `inherited` that a page-walk-cache hit supplies — and passes `scratch` to
    /// learn what the TLB and the page-walk caches need: for each upper level passed, the next
    /// table and the permissions so far, and the effective permissions of the leaf. Counts a
    /// walk (the caller counts the access), references, their cycles and faults.
    @inline(__always)
    func resolve(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, start: Int = 0,
                 table startTable: UInt64? = nil, inherited: UInt32 = WalkPermissions.root,
                 scratch: MMUWalkScratch? = nil, pkru: UInt32 = 0, steps: UnsafeMutablePointer<[WalkStep]>?) -> Translation {
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
        var table = startTable ?? root
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
            var updated = raw
            if let steps {
                steps.pointee.append(WalkStep(level: level, levelName: mode.levelNames[level], index: Int(index),
                                      tableAddress: table, pteAddress: slot, raw: raw, updated: raw,
                                      pte: mode.decode(raw, level: level), isLeaf: leaf && raw & l.present != 0))
            }
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
                    updated = raw | l.accessed
                    memory.storeAligned(slot, updated, width: width)
                    if let steps { steps.pointee[steps.pointee.count - 1].updated = updated }
                }
                table = ((raw >> UInt64(l.frameShift)) & frameFieldMask) << pageBits
                if let scratch {
                    scratch.tables[level] = table
                    scratch.permissions[level] = (writable ? WalkPermissions.writable : 0)
                        | (user ? WalkPermissions.user : 0) | (noExecute ? WalkPermissions.noExecute : 0)
                }
                level += 1
                continue
            }
            // A leaf.
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
            // x86 PKU: PKRU's AD bit of the page's key denies every data access to a user page,
            // its WD bit every write (instruction fetches are not checked).
            let key = l.protectionKeyShift > 0 ? Int((raw >> UInt64(l.protectionKeyShift)) & 0xf) : 0
            if pkru != 0 && user && access != .execute && ProtectionKeys.denies(pkru, key: key, write: access == .write) {
                return fail(&result, va, access, privilege, .protectionKey, level: level, key: key)
            }
            updated = raw | l.accessed | (access == .write ? l.dirty : 0)
            if updated != raw {
                memory.storeAligned(slot, updated, width: width)
                if let steps { steps.pointee[steps.pointee.count - 1].updated = updated }
            }
            if let scratch {
                // A format without a dirty bit (textbook PTEs) never needs the walker to set one.
                let dirty = l.dirty == 0 || updated & l.dirty != 0
                scratch.leafFlags.pointee = (readable ? TLBMeta.readable : 0) | (writable ? TLBMeta.writable : 0)
                    | (executable ? TLBMeta.executable : 0) | (user ? TLBMeta.user : 0)
                    | (dirty ? TLBMeta.dirty : 0) | (raw & l.global != 0 ? TLBMeta.global : 0)
                    | (UInt32(key) << TLBMeta.keyShift)
            }
            result.physicalAddress = (frameBase & ~pageMask) | (va & pageMask)
            result.pageBytes = pageMask &+ 1
            result.level = level
            counters.pointee.memoryReferences &+= result.references
            counters.pointee.cycles &+= result.references &* costStorage.pointee.memoryReference
            return result
        }
        return fail(&result, va, access, privilege, .notPresent, level: levelCount - 1)  // not reached
    }

    /// Fills `result` with a fault and counts it (through the counter and cost storage the
    /// walker uses: the unowned `machine` costs an atomic retain and release).
    func fail(_ result: inout Translation, _ va: UInt64, _ access: AccessKind, _ privilege: Privilege,
              _ reason: FaultReason, level: Int, key: Int? = nil) -> Translation {
        let counters = counterStorage
        counters.pointee.memoryReferences &+= result.references
        counters.pointee.cycles &+= result.references &* costStorage.pointee.memoryReference
        counters.pointee.pageFaults &+= 1
        switch reason {
        case .notPresent, .nonCanonical, .tableOutsideMemory, .refillRefused: counters.pointee.notPresentFaults &+= 1
        case .reservedBit, .misalignedSuperpage, .noLeaf: counters.pointee.reservedBitFaults &+= 1
        case .writeProtected, .supervisorOnly, .executeDisabled, .notReadable, .protectionKey:
            counters.pointee.protectionFaults &+= 1
        }
        var code: UInt32 = 0
        switch reason {
        case .notPresent, .nonCanonical, .tableOutsideMemory, .refillRefused: break
        default: code |= PageFault.presentBit
        }
        if access == .write { code |= PageFault.writeBit }
        if privilege == .user { code |= PageFault.userBit }
        if reason == .reservedBit { code |= PageFault.reservedBit }
        if reason == .protectionKey { code |= PageFault.protectionKeyBit }
        if access == .execute && (mode.architecture != .x86 || layout.noExecute != 0) { code |= PageFault.instructionBit }
        result.level = level
        result.fault = PageFault(va: va, access: access, privilege: privilege, reason: reason,
                                 level: level, errorCode: code, architecture: mode.architecture, protectionKey: key)
        return result
    }
}
