/// A software-managed TLB (MIPS-style, `ProcessorConfiguration.softwareTLB`).
///
/// There is no hardware walker: when every TLB level misses, the CPU takes a **refill
/// exception** (`costs.tlbRefill` cycles) and runs the refill handler:
/// - the built-in one (`Processors.refillHandler == nil`) walks the space's page tables as the
///   hardware walker would, paying `costs.memoryReference` per entry read, and fills every level
///   that holds the page's size; no translation → a page fault;
/// - a custom one (set by a script) gets a `TLBMiss`, may read whatever tables it likes, and
///   writes an entry with `tlbWriteRandom` (MIPS `tlbwr`) or `tlbWriteIndexed` (`tlbwi`); the
///   access is then retried once. Returning `.noTranslation` gives a page fault
///   (`refillRefused`); returning `.installed` without an entry that matches is an error
///   (real hardware would loop on the refill forever).
extension CPU {
    /// The refill exception for a miss everywhere (called by `translate`).
    func refill(_ va: UInt64, _ kind: AccessKind, _ privilege: Privilege, _ space: PageTable,
                root: UInt64, tag: UInt32, pkru: UInt32, cycles startCycles: Int, into r: inout MMUResult) {
        stats.pointee.refills &+= 1
        var cycles = startCycles &+ costs.pointee.tlbRefill
        r.refilled = true
        guard let handler = processors.refillHandler else {
            let t = space.hashedTable == nil
                ? space.resolveForMMU(va, kind, privilege, start: 0, table: root, inherited: WalkPermissions.root, scratch: scratch, pkru: pkru)
                : space.searchHashed(va, kind, privilege, scratch: scratch, pkru: pkru)
            finishMiss(va, kind, t, tag: tag, cycles: cycles, into: &r)
            return
        }
        r.cycles = cycles
        processors.refilling += 1
        let outcome = handler(TLBMiss(cpu: index, va: va, access: kind, privilege: privilege, tag: Int(tag)))
        processors.refilling -= 1
        switch outcome {
        case .failed(let message):
            refillFailure.pointee = message
        case .noTranslation:
            var t = Translation()
            r.fault = space.fail(&t, va, kind, privilege, .refillRefused, level: 0).fault
        case .installed:
            let need = TLBMeta.need(kind, privilege)
            for structure in tlbs where structure.kind.serves(kind) {
                let i = structure.lookup(va, tag: tag, need: need)
                guard i >= 0 else { continue }
                let meta = structure.metas[i], base = structure.bases[i]
                let size = sizeOfIndex[Int((meta & TLBMeta.sizeMask) >> TLBMeta.sizeShift)]
                if pkru != 0 && keyDenies(pkru, meta: meta, kind) {
                    r.fault = keyFault(va, kind, privilege, space, meta: meta, pageBytes: size)
                    return
                }
                r.physicalAddress = base | (va & (size &- 1))
                r.pageBytes = size
                cycles &+= hitCost(1)
                r.cycles = cycles
                return
            }
            refillFailure.pointee = "TLB refill handler returned for \(kind) at \(Units.hex(va)) without writing an entry that "
                + "translates it for ASID \(tag) (\(privilege.rawValue) mode): the access would refill forever"
        }
    }

    /// Throws the failure of the last software refill, if any, and forgets it.
    func throwRefillFailure() throws(VMError) {
        guard softwareTLB, let message = refillFailure.pointee else { return }
        refillFailure.pointee = nil
        throw .refillHandlerFailed(message: message)
    }

    /// MIPS `tlbwr`: writes the translation of the page of `pageBytes` at `va` to physical `pa`
    /// into `structure` (default: the first of this CPU's structures that holds that size),
    /// in a way of its set chosen by the structure's replacement (use `random` for MIPS).
    /// `asid` defaults to the current tag. Throws for a size the structure does not hold,
    /// unaligned addresses or a PA beyond memory.
    public func tlbWriteRandom(va: UInt64, pa: UInt64, pageBytes: UInt64, flags: MapFlags, dirty: Bool = true,
                               asid: Int? = nil, structure: TLB? = nil) throws(VMError) {
        let (target, sizeIndex, meta) = try tlbEntry(va: va, pa: pa, pageBytes: pageBytes, flags: flags, dirty: dirty, structure: structure)
        target.fill(va, sizeIndex: sizeIndex, base: pa, flags: meta, tag: UInt32(truncatingIfNeeded: (asid ?? currentTag) | vmidTag))
    }

    /// MIPS `tlbwi`: writes the entry into slot `slot` (set × ways + way) of `structure`; the
    /// slot must lie in the set the page maps to. Arguments as for `tlbWriteRandom`.
    public func tlbWriteIndexed(slot: Int, va: UInt64, pa: UInt64, pageBytes: UInt64, flags: MapFlags, dirty: Bool = true,
                                asid: Int? = nil, structure: TLB? = nil) throws(VMError) {
        let (target, sizeIndex, meta) = try tlbEntry(va: va, pa: pa, pageBytes: pageBytes, flags: flags, dirty: dirty, structure: structure)
        guard slot >= 0, slot < target.entries else {
            throw .invalidConfiguration(what: "tlbwi", reason: "index \(slot) is outside 0...\(target.entries - 1) of \(target.name)")
        }
        guard let set = target.setIndex(va, pageBytes: pageBytes), slot / target.ways == set else {
            let set = target.setIndex(va, pageBytes: pageBytes) ?? 0
            throw .invalidConfiguration(what: "tlbwi", reason: "index \(slot) is in set \(slot / target.ways) of \(target.name), "
                                        + "but the page at \(Units.hex(va)) belongs to set \(set)")
        }
        target.write(slot: slot, va: va, sizeIndex: sizeIndex, base: pa, flags: meta, tag: UInt32(truncatingIfNeeded: (asid ?? currentTag) | vmidTag))
    }

    /// Checks a software-written entry; the structure, the mode size index and the TLB flag bits.
    func tlbEntry(va: UInt64, pa: UInt64, pageBytes: UInt64, flags: MapFlags, dirty: Bool,
                  structure: TLB?) throws(VMError) -> (TLB, Int, UInt32) {
        let mode = machine.mode
        guard let sizeIndex = mode.supportedPageSizes.firstIndex(of: pageBytes) else {
            throw .unsupportedPageSize(bytes: pageBytes, mode: mode.name, supported: mode.supportedPageSizes)
        }
        guard let target = structure ?? tlbs.first(where: { $0.holds(pageBytes: pageBytes) }), target.holds(pageBytes: pageBytes) else {
            throw .invalidConfiguration(what: "TLB write", reason: "no TLB structure of CPU \(index) holds \(Units.size(pageBytes)) pages")
        }
        guard va & (pageBytes - 1) == 0 else { throw .unaligned(what: "virtual page", address: va, alignment: pageBytes) }
        guard pa & (pageBytes - 1) == 0 else { throw .unaligned(what: "physical page", address: pa, alignment: pageBytes) }
        guard pa < machine.memory.bytes, machine.memory.bytes - pa >= pageBytes else {
            throw .physicalAddressBeyondMemory(pa: pa, width: pageBytes, memoryBytes: machine.memory.bytes)
        }
        let meta = TLBMeta.readable | (flags.writable ? TLBMeta.writable : 0) | (flags.executable ? TLBMeta.executable : 0)
            | (flags.user ? TLBMeta.user : 0) | (dirty ? TLBMeta.dirty : 0) | (flags.global ? TLBMeta.global : 0)
        return (target, sizeIndex, meta)
    }
}
