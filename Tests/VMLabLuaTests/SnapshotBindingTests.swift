import LuaKit
import Testing

/// Snapshots from Lua (issue 10): several policies from one warmed-up state, forks, and the
/// errors a script gets.
@Suite struct SnapshotBindingTests {
    @Test func severalPoliciesFromOneWarmState() throws {
        try runLua("""
            local m = vm.machine{ memory = "1 MiB", swap = "4 MiB", policy = "clock", seed = 3 }
            local p = m:spawn("work")
            local base = p:mmap{ size = "2 MiB" }
            for i = 0, 511 do p:write(base + i * 4096, i) end
            local warm = m:snapshot()
            assert(warm.processes == 1 and warm.address_spaces >= 1 and warm.memory_blocks > 0, tostring(warm))
            assert(warm.machine == m)
            local function replay()
              local sum = 0
              for i = 0, 3999 do
                local page = (i * 7919) % 512
                sum = sum + p:read(base + page * 4096)
                if i % 3 == 0 then p:write(base + page * 4096, page) end
              end
              return sum, m.stats.major_faults, m.stats.swap.swap_outs
            end
            local results = {}
            for _, name in ipairs{ "clock", "fifo", "lru", "clock" } do
              m:restore(warm)
              m:set_policy(name)
              local sum, major, outs = replay()
              results[#results + 1] = { name = name, major = major, outs = outs, sum = sum }
            end
            assert(results[1].major == results[4].major and results[1].outs == results[4].outs, "same policy from the same state: same faults")
            assert(results[1].sum == results[2].sum and results[2].sum == results[3].sum, "every policy reads the same data")
            assert(results[1].major ~= results[2].major or results[2].major ~= results[3].major, "policies differ")
            assert(#m:check() == 0)
            -- A fork goes its own way; the original is untouched.
            m:restore(warm)
            local m2 = warm:fork_machine()
            local p2 = m2:process(p.pid)
            assert(p2 and p2 ~= p and p2:read(base + 5 * 4096) == 5)
            p2:write(base + 5 * 4096, 99)
            assert(p:read(base + 5 * 4096) == 5 and p2:read(base + 5 * 4096) == 99)
            assert(#m2:check() == 0)
            -- What came after the snapshot is gone.
            local q = m:spawn("later")
            m:restore(warm)
            local ok, err = pcall(q.read, q, base)
            assert(not ok and err:find("ESRCH"), err)
            """)
    }

    @Test func errors() throws {
        try runLua("""
            local m = vm.machine{ memory = "1 MiB", swap = "1 MiB" }
            local other = vm.machine{ memory = "1 MiB" }
            local ok, err = pcall(m.restore, m, other:snapshot())
            assert(not ok and err:find("another machine"), err)
            ok, err = pcall(m.restore, m, 42)
            assert(not ok and err:find("vm.snapshot expected"), err)
            m:set_policy(vm.policy{ name = "mine", victim = function(self, ctx) return ctx:resident()[1] end })
            ok, err = pcall(m.snapshot, m)
            assert(not ok and err:find("not built in"), err)
            m:set_policy("clock")
            assert(m:snapshot())
            """)
    }

    /// A handler or policy callback that runs inside a fault or an eviction cannot restore a
    /// snapshot: the fault would go on with the kernel's reclaim state and swap device replaced.
    @Test func noRestoreInsideAFault() throws {
        try runLua("""
            local m = vm.machine{ memory = "1 MiB", swap = "4 MiB", policy = "clock" }
            local p = m:spawn("work")
            local base = p:mmap{ size = "2 MiB" }
            local snap = m:snapshot()
            local fromHandler, fromPolicy
            m:on("evict", function()
              if not fromHandler then fromHandler = select(2, pcall(m.restore, m, snap)) end
            end)
            for i = 0, 511 do p:write(base + i * 4096, i) end
            assert(tostring(fromHandler):find("cannot be restored inside a fault, an eviction or a policy callback"),
                   tostring(fromHandler))
            m:set_policy(vm.policy{ name = "restorer",
              victim = function(self, ctx)
                if not fromPolicy then fromPolicy = select(2, pcall(m.restore, m, snap)) end
                for s = 0, ctx.count - 1 do if ctx:resident(s) and not ctx:pinned(s) then return s end end
              end })
            for i = 0, 511 do p:write(base + i * 4096, i + 1) end
            assert(tostring(fromPolicy):find("cannot be restored inside"), tostring(fromPolicy))
            for i = 0, 511, 37 do assert(p:read(base + i * 4096) == i + 1) end
            assert(#m:check() == 0)
            m:restore(snap)   -- outside any fault it works
            assert(#m:check() == 0)
            """)
    }

    @Test func noRestoreInsideARefillHandler() throws {
        // The refill handler runs in the middle of a translation of the CPU's space.
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", software_tlb = true }
            local snap = m:snapshot()
            local cpu = m.cpus[1]
            local s = m:address_space()
            s:map(0x400000, 0x100000, { w = true, u = true })
            cpu:switch(s)
            local said
            m:set_tlb_refill(function(miss)
              said = select(2, pcall(m.restore, m, snap))
              return false
            end)
            local r = cpu:access(0x400000, "read")
            assert(r.fault and r.fault.reason == "no translation (TLB refill handler)", tostring(r.fault))
            assert(tostring(said):find("cannot be restored inside a TLB refill handler"), tostring(said))
            m:set_tlb_refill(nil)
            m:restore(snap)   -- outside the handler it works
            assert(#m:check() == 0)
            """)
    }
}
