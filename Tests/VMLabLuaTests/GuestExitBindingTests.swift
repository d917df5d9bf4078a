import LuaKit
import Testing

/// VM exits from Lua (issue 9): g.stats.vm_exits by reason, exit cycles of every exit, EPT
/// violations included; shadow paging's Accessed/Dirty emulation; splintering.
@Suite struct GuestExitBindingTests {
    /// A nested guest: the 4 guest tables and the data page are 5 EPT violations, 5 exits of
    /// g.exit_cycles (here 300); the access that backs the data page pays its exit.
    @Test func eptViolationsAreCostedExits() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", paging = "x86_64" }
            local g = m:guest{ memory = "32 MiB" }
            g.exit_cycles = 300
            local s = g.machine:address_space()
            s:map(0x400000, "alloc", { u = true, w = true })
            local st = g.stats
            assert(st.vm_exits.ept_violation == 4 and st.exits == 4 and st.exit_cycles == 1200, "4 table pages: 4 exits")
            local cpu = g.machine.cpus[1]
            cpu:switch(s)
            local before = g.machine.stats.cycles
            local r = cpu:access(0x400000)
            local tlb = m.costs.tlb_hit[1] + m.costs.tlb_hit[2]
            assert(r.refs == 24 and r.cycles == 24 * m.costs.memory_reference + tlb + 300, "24 refs and one exit: " .. r.cycles)
            assert(g.machine.stats.cycles - before == r.cycles, "counted once on the guest machine")
            st = g.stats
            assert(st.vm_exits.ept_violation == 5 and st.exits == 5 and st.exit_cycles == 1500, "the data page's exit")
            assert(st.vm_exits.shadow_fault == 0 and st.vm_exits.pte_write == 0 and st.vm_exits.ad_update == 0, "nested: no others")
            """)
    }

    /// Shadow paging: read, then write a clean page: one shadow fault, then one ad_update exit
    /// that sets D in the guest PTE; a second write: no exit.
    @Test func shadowWritesToCleanPagesTrapOnce() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", paging = "x86_64" }
            local g = m:guest{ memory = "32 MiB", mode = "shadow" }
            local s = g.machine:address_space()
            s:map(0x400000, "alloc", { u = true, w = true })
            local cpu = g.machine.cpus[1]
            cpu:switch(s)
            cpu:access(0x400000)
            assert(g.stats.vm_exits.shadow_fault == 1 and g.stats.vm_exits.ad_update == 0, "a shadow fault")
            assert(s:lookup(0x400000).pte.accessed and not s:lookup(0x400000).pte.dirty, "A set, D clear")
            assert(g:shadow_table(s):lookup(0x400000).pte.writable == false, "write-protected while clean")
            local exits = g.stats.exits
            cpu:access(0x400000, "w")
            assert(g.stats.vm_exits.ad_update == 1 and g.stats.exits == exits + 1, "the first write traps")
            assert(s:lookup(0x400000).pte.dirty and g:shadow_table(s):lookup(0x400000).pte.writable, "D set, writable")
            cpu:flush()
            cpu:access(0x400000, "w")
            assert(g.stats.vm_exits.ad_update == 1 and g.stats.exits == exits + 1, "the second write does not")
            assert(g.stats.exit_cycles == g.stats.exits * g.exit_cycles, "every exit costed")
            """)
    }

    /// A guest's CPUs cannot have a software-managed TLB: its refill would skip the nested MMU.
    @Test func aGuestWithASoftwareTLBIsAnError() throws {
        let message = try luaError("vm.machine{ memory = '64 MiB' }:guest{ memory = '16 MiB', software_tlb = true }")
        #expect(message?.contains("software-managed TLB") == true, "\(message ?? "no error")")
    }
}
