import LuaKit
import VMLab

/// The cost model as a Lua table: `memory_reference`, `tlb_hit` (a list per
/// TLB level), `pwc_hit`, `minor_fault`, `major_fault`, `swap_write`,
/// `zero_fill`, `page_copy`, `ipi`, `context_switch`, `kpti_switch`, `tlb_refill` — all in cycles.
enum LuaCosts {
    static let names = ["memory_reference", "tlb_hit", "pwc_hit", "minor_fault", "major_fault", "swap_write",
                        "zero_fill", "page_copy", "ipi", "context_switch", "kpti_switch", "tlb_refill"]

    static func record(_ c: CostModel) -> LuaRecord {
        LuaRecord([
            ("memory_reference", c.memoryReference), ("tlb_hit", c.tlbHit), ("pwc_hit", c.pageWalkCacheHit),
            ("minor_fault", c.minorFault), ("major_fault", c.majorFault), ("swap_write", c.swapWrite),
            ("zero_fill", c.zeroFill), ("page_copy", c.pageCopy), ("ipi", c.interProcessorInterrupt),
            ("context_switch", c.contextSwitch),
            ("kpti_switch", c.kptiSwitch),
            ("tlb_refill", c.tlbRefill),
        ])
    }

    /// `base` with the costs the table names replaced; unknown names and negative costs are errors.
    static func read(_ t: LuaTableView, base: CostModel, function: String) throws -> CostModel {
        try t.checkOptions(names, function: function)
        var c = base
        func cost(_ key: String, _ slot: inout Int) throws {
            guard let value = try t.integer(key) else { return }
            guard value >= 0 else { throw LuaScriptError("\(function): \(key) must not be negative, got \(value)") }
            slot = value
        }
        try cost("memory_reference", &c.memoryReference)
        try cost("pwc_hit", &c.pageWalkCacheHit)
        try cost("minor_fault", &c.minorFault)
        try cost("major_fault", &c.majorFault)
        try cost("swap_write", &c.swapWrite)
        try cost("zero_fill", &c.zeroFill)
        try cost("page_copy", &c.pageCopy)
        try cost("ipi", &c.interProcessorInterrupt)
        try cost("context_switch", &c.contextSwitch)
        try cost("kpti_switch", &c.kptiSwitch)
        try cost("tlb_refill", &c.tlbRefill)
        switch t.value("tlb_hit") {
        case .nil: break
        case .integer(let single):
            guard single >= 0 else { throw LuaScriptError("\(function): tlb_hit must not be negative") }
            c.tlbHit = [single]
        case .table(let list):
            c.tlbHit = try list.withTable { view in
                try (1...max(1, view.length)).map { i in
                    guard let v = view.element(i).intValue, v >= 0 else { throw LuaScriptError("\(function): tlb_hit[\(i)] must be a non-negative integer") }
                    return v
                }
            }
        default:
            throw LuaScriptError("\(function): tlb_hit must be an integer or a list of integers (one per TLB level)")
        }
        return c
    }
}
