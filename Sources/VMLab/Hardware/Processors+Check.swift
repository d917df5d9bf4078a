/// The invariant checker of the translation hardware: cached translations agree with the page
/// tables they came from.
extension Processors {
    /// Every violation found (empty when all is well), for each CPU running a space:
    /// - every valid TLB entry with the CPU's current tag (or global) translates its page as the
    ///   space's tables do now: same physical page, same size, and no permission the tables deny;
    /// - every page-walk-cache entry with the current tag names the table the tables lead to.
    /// Entries with other tags belong to other spaces (kept by design with PCIDs) and are skipped,
    /// as are the entries of other virtual machines in structures shared with guests;
    /// so are the user-mode entries of KPTI's second root, and software-TLB entries (a refill
    /// handler may translate from any table it likes).
    public func checkTranslations() -> [String] {
        guard !configuration.softwareTLB else { return [] }
        var problems: [String] = []
        for cpu in cpus {
            guard let space = cpu.space else { continue }
            let tag = cpu.currentTag
            for tlb in cpu.tlbs where !(tlb.isShared && cpu.index > 0) {
                for e in tlb.dump() where e.vmid == cpu.vmid && (e.asid == tag || e.global) {
                    if let why = mismatch(e, in: space) {
                        problems.append("CPU \(cpu.index) \(tlb.name) set \(e.set) way \(e.way): \(why)")
                    }
                }
            }
            for (cache, level) in zip(cpu.pageWalkCaches, cpu.pageWalkCacheLevels) {
                for e in cache.dump() where e.vmid == cpu.vmid && e.asid == tag {
                    let va = space.visibleVA(e.vpn << UInt64(machine.mode.indexShift(level: level)))
                    guard let slot = try? space.walk(va, level: level + 1, create: false) else {
                        problems.append("CPU \(cpu.index) \(cache.name): \(Units.hex(va)) is cached as leading to the table at "
                                        + "\(Units.hex(e.physicalBase)), but the tables have no entry there")
                        continue
                    }
                    let table = slot - UInt64(machine.mode.index(of: va, level: level + 1) * machine.mode.pteBytes)
                    if table != e.physicalBase {
                        problems.append("CPU \(cpu.index) \(cache.name): \(Units.hex(va)) is cached as leading to the table at "
                                        + "\(Units.hex(e.physicalBase)), but the tables lead to \(Units.hex(table))")
                    }
                }
            }
        }
        return problems
    }

    /// Why a TLB entry disagrees with the tables, or nil when it agrees.
    func mismatch(_ e: TLBEntryInfo, in space: PageTable) -> String? {
        let va = space.visibleVA(e.vpn << UInt64(e.pageBytes.trailingZeroBitCount))
        guard let m = try? space.lookup(va) else {
            return "\(Units.hex(va)) is cached → \(Units.hex(e.physicalBase)), but the tables do not map it"
        }
        if m.pagePA != e.physicalBase || m.pageBytes != e.pageBytes {
            return "\(Units.hex(va)) is cached → \(Units.hex(e.physicalBase)) (\(Units.size(e.pageBytes))), but the tables map it to "
                + "\(Units.hex(m.pagePA)) (\(Units.size(m.pageBytes)))"
        }
        if (e.writable && !m.pte.writable) || (e.user && !m.pte.user) || (e.executable && m.pte.noExecute) {
            return "\(Units.hex(va)) is cached with more rights (\(rights(e))) than its entry gives (\(m.pte.flagText(machine.mode.architecture)))"
        }
        return nil
    }

    func rights(_ e: TLBEntryInfo) -> String {
        (e.readable ? "r" : "-") + (e.writable ? "w" : "-") + (e.executable ? "x" : "-") + (e.user ? "u" : "-")
    }
}
