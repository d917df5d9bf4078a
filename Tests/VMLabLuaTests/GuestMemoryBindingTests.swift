import LuaKit
import Testing

/// Guest memory from Lua (issue 9): processes in a guest, double paging under host eviction,
/// the balloon, and the options of m:guest.
@Suite struct GuestMemoryBindingTests {
    @Test func aGuestKernelSwapsBelowWhichTheHostEvicts() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB" }
            local g = m:guest{ memory = "8 MiB", swap = "32 MiB", limit = "3 MiB" }   -- the host may hold 3 MiB of it
            g.machine:set_swap("32 MiB")                                              -- the guest kernel's own swap
            g.machine:set_policy("clock")
            local p = g.machine:spawn("app")
            local n = 3 * g.machine.frames
            local a = p:mmap{ size = n * 4096 }
            for i = 0, n - 1 do p:write(a + i * 4096, i * 7) end
            for i = 0, n - 1 do assert(p:read(a + i * 4096) == i * 7, "page " .. i) end
            assert(g.machine.stats.swap.swap_outs > 0, "the guest kernel swapped its own pages")
            assert(g.stats.host_swap_outs > 0, "and the host evicted guest pages below it (double paging)")
            assert(#g.machine:check() == 0 and #m:check() == 0, "consistent")
            local ok, err = pcall(g.machine.set_swap, g.machine, "1 MiB")
            assert(not ok and err:find("already"), err)
            ok, err = pcall(m.set_swap, m, { size = "1 MiB", speed = 3 })
            assert(not ok and err:find("speed"), err)
            """)
    }

    @Test func guestDataSurvivesHostEvictionFromLua() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local g = m:guest{ memory = "8 MiB", swap = "8 MiB", limit = "128 KiB" }
            assert(g.mode == "nested")
            local p = g.machine:spawn("app")
            local buf = p:mmap{ size = "512 KiB", prot = "rw" }
            for i = 0, 127 do p:write(buf + i * 4096, i * 7 + 1) end
            local s = g.stats
            assert(s.host_frames <= 32, "the limit holds: " .. s.host_frames)
            assert(s.host_swap_outs > 0, "the hypervisor evicted guest pages")
            for i = 0, 127 do assert(p:read(buf + i * 4096) == i * 7 + 1, "page " .. i) end
            assert(g.stats.host_swap_ins > 0, "and read them back")
            -- Force every page out: the guest thinks them resident, the host has them on swap.
            local gpa = p:translate(buf).pa   -- (an access: p:translate goes through the guest's MMU)
            local flushes = g.stats.invept_flushes
            local evicted = g:reclaim()
            assert(evicted > 0 and g.stats.host_frames == 0, "all evicted")
            assert(g.stats.invept_flushes - flushes == evicted, "each eviction flushed the guest's cached translations")
            assert(g:page_state(gpa) == "swapped" and g:host_pa(gpa) == nil, "swapped behind the guest's back")
            assert(g.ept:lookup(gpa) == nil, "its EPT entry is not present")
            local violations = g.stats.ept_violations
            assert(p:read(buf) == 1, "read back")
            assert(g.stats.ept_violations > violations and g:page_state(gpa) == "resident", "through an EPT violation")
            for i = 0, 127 do assert(p:read(buf + i * 4096) == i * 7 + 1, "page " .. i) end
            assert(#g.machine:check() == 0, "guest kernel consistent")
            -- The guest's accesses ran through its nested MMU.
            local st = g.stats
            assert(st.tlb_hits > 0 and st.tlb_misses > 0 and st.ept_references > 0, "nested MMU counters")
            assert(st.vm_exits.ept_violation == st.ept_violations and st.exits == st.ept_violations, "exits by reason")
            """)
    }

    @Test func theBalloonFreesHostFrames() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local g = m:guest{ memory = "4 MiB" }
            local p = g.machine:spawn("app")
            local buf = p:mmap{ size = "256 KiB", prot = "rw" }
            for i = 0, 63 do p:write(buf + i * 4096, i + 1) end
            p:munmap(buf, 256 * 1024)
            local held, free = g.stats.host_frames, m.free_frames
            assert(g:balloon("1 MiB") == 1024 * 1024, "inflated")
            assert(g.stats.balloon_pages == 256, "256 pages in the balloon")
            local freed = g.stats.balloon_freed
            assert(freed > 0 and g.stats.host_frames == held - freed and m.free_frames == free + freed, "host frames freed")
            assert(g:balloon(0) == 0 and g.stats.balloon_pages == 0, "deflated")
            """)
    }

    @Test func badGuestOptionsAreErrors() throws {
        try expectLuaErrors([
            ("vm.machine{ memory = '16 MiB' }:guest{ mode = 'paravirt' }", "unknown mode 'paravirt'"),
            ("vm.machine{ memory = '16 MiB' }:guest{ nested_pwc = 3 }", "power of two"),
            ("vm.machine{ memory = '16 MiB' }:guest().exit_cycles = -1", "negative"),
            ("local m = vm.machine{ memory = '16 MiB' }; m:guest{ mode = 'shadow' }:shadow_table(m:address_space())", "another machine"),
            ("vm.machine{ memory = '16 MiB' }:guest{ cpus = 0 }", "invalid CPU count"),
            ("vm.machine{ memory = '16 MiB' }:guest{ swap = 100 }", "whole number of pages"),
            ("vm.machine{ memory = '16 MiB' }:guest{ limit = 100 }", "at least one host frame"),
            ("vm.machine{ memory = '16 MiB' }:guest{ memory = '1 GiB' }", "more than the host"),
            ("vm.machine{ memory = '16 MiB' }:guest{ swap = 'x' }", "swap"),
            ("vm.machine{ memory = '16 MiB' }:guest():balloon(100)", "balloon"),
            ("vm.machine{ memory = '16 MiB' }:guest():balloon('1 GiB')", "balloon"),
            ("vm.machine{ memory = '16 MiB' }:guest():reclaim(-1)", "negative"),
            ("vm.machine{ memory = '16 MiB' }:guest():page_state(1 << 40)", "beyond"),
            ("""
             local g = vm.machine{ memory = '16 MiB' }:guest{ memory = '8 MiB', limit = '32 KiB' }
             local p = g.machine:spawn('a'); local b = p:mmap{ size = '1 MiB' }
             for i = 0, 255 do p:write(b + i * 4096, 1) end
             """, "limit of 8 host frames"),
        ])
    }
}
