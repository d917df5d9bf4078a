import LuaKit
import Testing

/// Nested paging from Lua (issue 9): m:guest, g:translate and the 24-reference story.
@Suite struct GuestBindingTests {
    @Test func guestEntriesShareTheHostTLBTaggedWithTheVMID() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", tlb = { { name = "L1", entries = 8, ways = 0 } }, pwc = false }
            local s = m:address_space(); s:map(0x400000, "alloc", { u = true, w = true })
            m.cpus[1]:switch(s); m.cpus[1]:access(0x400000)
            local g = m:guest{ memory = "16 MiB" }
            assert(g.shared_tlb and g.vmid == 1, "shared by default, VMID 1")
            local gs = g.machine:address_space(); gs:map(0x400000, "alloc", { u = true, w = true })
            local c = g.machine.cpus[1]; c:switch(gs); c:access(0x400000)
            local byVMID = {}
            for _, e in ipairs(m:tlb("L1", 0):dump()) do byVMID[e.vmid] = e end
            assert(byVMID[0].vpn == 0x400 and byVMID[1].vpn == 0x400, "one entry per VM for the same page")
            assert(byVMID[1].pa == gs:lookup(0x400000).pa, "the guest's entry holds its guest-physical page")
            assert(c:access(0x400000).source == "L1" and m.cpus[1]:access(0x400000).source == "L1", "no flush on a VM switch")
            c:invlpg(0x400000)
            local left = m:tlb("L1", 0):dump()
            assert(#left == 1 and left[1].vmid == 0, "the guest's invlpg drops its entry only")
            assert(#m:check() == 0 and #g.machine:check() == 0, "consistent")
            local private = m:guest{ memory = "16 MiB", shared_tlb = false }
            assert(not private.shared_tlb and private.vmid == 2, "private structures, still a VMID")
            local ok, err = pcall(m.guest, m, { memory = "16 MiB", cpus = 2, shared_tlb = true })
            assert(not ok and err:find("virtual CPUs") and err:find("1 CPU"), err)
            ok, err = pcall(m.guest, m, { memory = "16 MiB", paging = "sv39", shared_tlb = true })
            assert(not ok and err:find("page sizes or levels"), err)
            assert(not m:guest{ memory = "16 MiB", paging = "sv39" }.shared_tlb, "falls back to private")
            ok, err = pcall(m.guest, m, { memory = "16 MiB", shared_tlb = "yes" })
            assert(not ok and err:find("shared_tlb"), err)
            """)
    }

    @Test func coldX86OnX86WalkReads24EntriesInOrder() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", paging = "x86_64" }
            local free = m.free_frames
            local g = m:guest{ memory = "32 MiB", paging = "x86_64" }
            assert(free - m.free_frames == 1, "an untouched guest costs the EPT root only")
            assert(g.stats.host_frames == 0 and g.stats.ept_violations == 0 and g.stats.ept_table_pages == 1, "no backing yet")
            assert(g.machine.paging == "x86_64" and g.machine.memory == 32 * 1024 * 1024, "the guest is a vm.machine")
            local s = g.machine:address_space()
            s:map(0x400000, "alloc", { u = true, w = true })
            assert(g.stats.ept_violations == 4, "the guest's table writes are EPT violations")
            local r = g:translate(s, 0x400123, "w")
            assert(r.fault == nil, "no fault")
            assert(r.refs == 24 and r.ept_refs == 20 and r.guest_refs == 4, "24 references, got " .. r.refs)
            -- 24 references and one VM exit: the data page's EPT violation.
            assert(r.cycles == 24 * m.costs.memory_reference + g.exit_cycles, "cycles")
            -- Order: per guest level 4 EPT references then the guest PTE; 4 EPT references for the data.
            local i = 0
            for gl = 0, 4 do
              for hl = 0, 3 do
                i = i + 1
                local st = r.steps[i]
                assert(st.what == "ept" and st.guest_level == gl and st.host_level == hl, "step " .. i .. " is EPT " .. gl .. "/" .. hl)
              end
              if gl < 4 then
                i = i + 1
                assert(r.steps[i].what == "guest pte" and r.steps[i].guest_level == gl and r.steps[i].host_level == nil, "step " .. i)
                assert(r.steps[i].pa == g:host_pa(r.steps[i].gpa), "guest PTE read at its host PA")
              end
            end
            assert(#r.steps == 24, "24 steps")
            assert(r.gpa == s:lookup(0x400123).pa, "gpa from the guest's own tables")
            assert(r.pa == g.ept:lookup(r.gpa).pa and r.pa == g:host_pa(r.gpa), "host PA from the EPT")
            -- The guest's own table writes backed root, PDPT, PD and PT; the walk backs the data page.
            assert(r.ept_violations == 1 and g.stats.ept_violations == 5 and g.stats.host_frames == 5, "five pages backed")
            -- Again: the same 24 references, nothing new backed.
            local again = g:translate(s, 0x400123)
            assert(again.refs == 24 and again.ept_violations == 0 and again.pa == r.pa, "second walk")
            assert(g.stats.nested_walks == 2 and g.stats.references == 48, "stats")
            -- Faults.
            local miss = g:translate(s, 0x7f0000000000)
            assert(miss.pa == nil and miss.fault.kind == "guest" and miss.fault.reason == "not present", "guest fault")
            assert(miss.refs == 5, "4 EPT references and the guest root entry")
            assert(g:touch_gpa(0x10000) == g:host_pa(0x10000), "touch_gpa backs a page")
            assert(tostring(g):find("vm.guest") and g.host.memory == m.memory, "tostring and host")
            """)
    }

    @Test func otherModesFollowTheFormula() throws {
        try runLua("""
            local function refs(host, guest)
              local m = vm.machine{ memory = "64 MiB", paging = host }
              local g = m:guest{ memory = "16 MiB", paging = guest }
              local s = g.machine:address_space()
              s:map(0x400000, "alloc", { u = true })
              return g:translate(s, 0x400000).refs
            end
            assert(refs("x86_64_la57", "x86_64_la57") == 35, "5 on 5")
            assert(refs("sv39", "sv39") == 15, "Sv39 on a 3-level G-stage")
            assert(refs("sv48", "sv39") == 19, "Sv39 on a 4-level G-stage")
            """)
    }

    @Test func badGuestsAreErrors() throws {
        try expectLuaErrors([
            ("vm.machine{ memory = '16 MiB' }:guest{ memory = '32 MiB' }", "more than the host"),
            ("vm.machine{ memory = '16 MiB' }:guest{ paging = 'x86_65' }", "x86_65"),
            ("vm.machine{ memory = '16 MiB' }:guest{ memroy = '4 MiB' }", "memroy"),
            ("vm.machine{ memory = '16 MiB' }:guest{ memory = 'lots' }", "memory"),
            ("local m = vm.machine{ memory = '16 MiB' }; m:guest():translate(m:address_space(), 0)", "another machine"),
            ("vm.machine{ memory = '16 MiB' }:guest():touch_gpa(8 * 1024 * 1024)", "beyond"),
        ])
    }
}
