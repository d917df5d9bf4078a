extension Guest {
    /// The two-dimensional walk of guest virtual address `va` in `space` (a page table of the
    /// guest machine), for an access of `access` with `privilege`:
    /// ```
    ///   for each guest level k, root first:
    ///     gPA of the guest PTE → EPT walk (m host references)      what = ept, guest level k
    ///     read the guest PTE at its host PA (1 reference)          what = guest pte
    ///     not present / not allowed → guest fault (stop)
    ///   gPA of the data → EPT walk (m host references)             what = ept, guest level n
    /// ```
    /// A cold walk of an n-level guest on an m-level EPT reads n(m+1) + m = (n+1)(m+1)−1 entries:
    /// 24 for x86_64 on x86_64, 35 for LA57 on LA57, 15 for Sv39 on a 3-level G-stage.
    /// A guest-physical page without a host frame (never touched, or evicted by the host) is
    /// backed first (an EPT violation, counted in `eptViolations`: a VM exit, whose cycles count in
    /// `cycles`); the steps are those of the retried walk, so the count does not change.
    ///
    /// Guest permissions, faults and Accessed/Dirty updates are exactly the guest walker's
    /// (`PageTable.walk`; it counts on the guest machine's counters); the EPT walks count on the
    /// host's. Throws when `space` is not a live address space of this guest's machine.
    public func translateNested(va: UInt64, access: AccessKind = .read, privilege: Privilege = .user,
                                space: PageTable) throws(VMError) -> NestedWalk {
        guard space.machine === machine else {
            throw .invalidConfiguration(what: "address space", reason: "it belongs to another machine, not to this guest")
        }
        guard space.isLive else { throw .released }
        var result = NestedWalk(va: va, steps: [], guestPhysicalAddress: nil, physicalAddress: nil,
                                eptViolations: 0, cycles: 0, fault: nil)
        result.steps.reserveCapacity((machine.mode.levels + 1) * (host.mode.levels + 1))
        let violationsBefore = stats.eptViolations
        let exitCyclesBefore = stats.exitCycles
        walkBothDimensions(va, access, privilege, space, into: &result)
        result.eptViolations = stats.eptViolations - violationsBefore
        result.cycles = result.references &* host.costs.memoryReference &+ (stats.exitCycles &- exitCyclesBefore)
        backing.walkerExitCycles = 0   // the guest walk's exits are this walk's
        stats.nestedWalks += 1
        stats.references += result.references
        return result
    }

    /// The steps of `translateNested`: the guest walk, each entry's address through the EPT,
    /// then the data page's.
    func walkBothDimensions(_ va: UInt64, _ access: AccessKind, _ privilege: Privilege, _ space: PageTable,
                            into result: inout NestedWalk) {
        let guestWalk = space.walk(va, access: access, privilege: privilege)
        for step in guestWalk.steps {
            guard let hostPTE = eptTranslate(step.pteAddress, guestLevel: step.level, access: .read, into: &result) else {
                return
            }
            result.steps.append(NestedStep(kind: .guestPTE, guestLevel: step.level, hostLevel: nil, physicalAddress: hostPTE,
                                           guestPhysicalAddress: step.pteAddress, raw: step.raw))
        }
        if let fault = guestWalk.result.fault {
            result.fault = .guest(fault)
            return
        }
        let gpa = guestWalk.result.physicalAddress
        result.guestPhysicalAddress = gpa
        result.physicalAddress = eptTranslate(gpa, guestLevel: machine.mode.levels, access: access, into: &result)
    }

    /// Translates guest-physical `gpa` through the EPT, backing its page first if needed, and
    /// appends the host references to `result`. Returns the host-physical address, or nil after
    /// setting `result.fault`.
    func eptTranslate(_ gpa: UInt64, guestLevel: Int, access: AccessKind, into result: inout NestedWalk) -> UInt64? {
        do {
            if try hostAddress(gpa: gpa) == nil { try touch(gpa: gpa) }
        } catch {
            result.fault = .ept(guestPhysicalAddress: gpa, reason: error.description)
            return nil
        }
        let walk = ept.walk(gpa, access: access, privilege: .supervisor)
        for step in walk.steps {
            result.steps.append(NestedStep(kind: .ept, guestLevel: guestLevel, hostLevel: step.level,
                                           physicalAddress: step.pteAddress, guestPhysicalAddress: gpa, raw: step.raw))
        }
        if let fault = walk.result.fault {
            result.fault = .ept(guestPhysicalAddress: gpa, reason: "the host walk of the EPT faulted: \(fault.reason.rawValue)")
            return nil
        }
        return walk.result.physicalAddress
    }
}
