import LuaKit
import Testing

/// The TLB/CPU Lua API (issue 5) against known answers.
@Suite struct TranslationBindingTests {
    @Test func pagesOfOneSetConflictAsTheIndexRuleSays() throws {
        // 64 entries, 4 ways: 16 sets, set = VPN mod 16. Five pages of set 0 cycled under LRU
        // miss every time; five pages of five sets miss once each.
        try runLua("""
            local m = vm.machine{ memory = "16 MiB", tlb = { {name = "T", entries = 64, ways = 4} }, pwc = false }
            local s = m:address_space()
            for i = 0, 80 do s:map(i * 4096, "alloc", { u = true }) end
            local cpu = m.cpus[1]
            cpu:switch(s)
            local t = m:tlb("T")
            assert(t.sets == 16 and t.ways == 4, "geometry")
            for _, vpn in ipairs{0, 16, 32, 48, 64} do assert(t:set_index(vpn * 4096) == 0, "set of " .. vpn) end
            for round = 1, 2 do
              for _, vpn in ipairs{0, 16, 32, 48, 64} do
                assert(cpu:access(vpn * 4096).source == "walk", "round " .. round .. " page " .. vpn .. " conflicts")
              end
            end
            assert(t.stats.misses == 10 and t.stats.hits == 0 and t.stats.evictions == 6, "10 misses, 6 evictions")
            t:reset_stats(); t:flush{global = true}
            for round = 1, 2 do
              for vpn = 1, 5 do cpu:access(vpn * 4096) end
            end
            assert(t.stats.misses == 5 and t.stats.hits == 5, "distinct sets: 5 misses then 5 hits")
            for _, e in ipairs(t:dump()) do
              assert(e.set == e.vpn % 16 and e.pfn * 4096 == e.pa and e.page_size == 4096, "dump fields")
            end
            """)
    }

    @Test func pcidsKeepEntriesAcrossSwitchesAndSmallASIDsRollOver() throws {
        try runLua("""
            local function alternate(pcid)
              local m = vm.machine{ memory = "16 MiB", pcid = pcid, pwc = false }
              local a, b = m:address_space(), m:address_space()
              a:map(0x1000, "alloc", { u = true }); b:map(0x1000, "alloc", { u = true })
              local cpu = m.cpus[1]
              cpu:switch(a); cpu:access(0x1000)
              cpu:switch(b); cpu:access(0x1000)
              cpu:switch(a); return cpu:access(0x1000).source
            end
            assert(alternate(false) == "walk", "a flush on every switch: the entry is gone")
            assert(alternate(true) == "L1d", "PCIDs: the entry survives")

            -- asid_bits = 2 (ASIDs 1, 2, 3), five processes round-robin: P0→1, P1→2, P2→3, P3 rolls
            -- over →1, P4→2, P0→3, P1 rolls over →1, P2→2, P3→3, P4 rolls over →1.
            local m = vm.machine{ memory = "16 MiB", pcid = true, asid_bits = 2 }
            local spaces = {}
            for i = 1, 5 do spaces[i] = m:address_space() end
            local cpu, asids = m.cpus[1], {}
            for round = 1, 2 do
              for i = 1, 5 do cpu:switch(spaces[i]); asids[#asids + 1] = cpu.asid end
            end
            assert(table.concat(asids, ",") == "1,2,3,1,2,3,1,2,3,1", table.concat(asids, ","))
            assert(m.stats.asid_rollovers == 3, "3 rollovers, got " .. m.stats.asid_rollovers)
            assert(m.stats.context_switches == 10)
            """)
    }

    @Test func unmapSendsIPIsOnlyToCPUsThatRanTheSpaceAndABatchSendsOneRound() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", cpus = 4 }
            local s = m:address_space()
            for i = 0, 199 do s:map(0x10000000 + i * 4096, "alloc", { w = true, u = true }) end
            m.cpus[1]:switch(s); m.cpus[1]:access(0x10000000)
            m.cpus[3]:switch(s); m.cpus[3]:access(0x10000000)
            assert(m.kernel_cpu == 0)
            s:unmap(0x10000000)
            local st = m.stats
            assert(st.shootdowns == 1 and st.ipis == 1, "one IPI, to CPU 2 only: " .. st.ipis)
            assert(st.cpus[3].ipis_received == 1 and st.cpus[2].ipis_received == 0 and st.cpus[1].ipis_sent == 1)
            assert(m.cpus[3]:access(0x10000000).fault, "CPU 2 no longer translates the page")
            local r = m:batch(function()
              for i = 1, 100 do s:unmap(0x10000000 + i * 4096) end
              return "done"
            end)
            assert(r == "done")
            st = m.stats
            assert(st.shootdowns == 2 and st.ipis == 2, "a batch of 100 unmaps: one more round, one IPI")
            m.kernel_cpu = 2
            s:unmap(0x10000000 + 150 * 4096)
            assert(m.stats.ipis == 3 and m.stats.cpus[1].ipis_received == 1, "from CPU 2, CPU 0 gets the IPI")
            """)
    }

    @Test func runReplaysPartOfATraceAndReportsProgress() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local s = m:address_space()
            for i = 0, 9 do s:map(i * 4096, "alloc", { u = true }) end
            local cpu = m.cpus[1]
            cpu:switch(s)
            local t = vm.trace.list{0, 1, 2, 3, 0, 1, 2, 3, 42}
            local seen = {}
            local r = m:run(cpu, t, { limit = 5, every = 2, progress = function(n) seen[#seen + 1] = n end })
            assert(r.accesses == 5 and r.walks == 4 and r.tlb_hits == 1, "5 accesses: 4 cold walks, 1 hit")
            assert(table.concat(seen, ",") == "2,4,5", table.concat(seen, ","))
            r = cpu:run(t, { progress = function(n) return n < 2 end, every = 2 })
            assert(r.accesses == 2, "progress returning false stops the run")
            r = m:run(cpu, t)
            assert(r.accesses == 2 and r.faults == 1 and r.first_fault.reason == "not present" and r.first_fault.va == 42 * 4096,
                   "the rest of the trace, with its fault")
            assert(m:run(cpu, t).accesses == 0, "the trace is used up")
            t:rewind()
            assert(m:run(s, t).accesses == 9, "an address space target walks every access")
            assert(m.stats.tlb.L1d.hits + m.stats.tlb.L1d.misses > 0)
            """)
    }

    @Test func kptiHidesTheKernelAndChargesEachSystemCall() throws {
        try runLua("""
            local kernel = -0x800000000000 + 0x1000      -- 0xffff800000001000
            local function run(pcid)
              local m = vm.machine{ memory = "64 MiB", kpti = true, pcid = pcid, costs = { kpti_switch = 150 } }
              local s = m:address_space()
              s:map(0x400000, "alloc", { u = true, w = true })
              s:map(kernel, "alloc", { w = true })
              local cpu = m.cpus[1]
              cpu:switch(s)
              assert(cpu.privilege == "kernel" and cpu:access(kernel, "r", "kernel").pa, "the kernel sees its half")
              assert(cpu:access(kernel, "r", "user").fault.reason == "not present", "user mode does not")
              cpu:access(0x400000, "r", "user")
              local before = cpu.stats
              cpu:syscall(5)
              local after = cpu.stats
              assert(after.kpti_switches - before.kpti_switches == 10 and after.cycles - before.cycles == 10 * 150)
              return cpu:access(0x400000, "r", "user").source
            end
            assert(run(false) == "walk", "without PCIDs each system call flushed the user entries")
            assert(run(true) == "L1d", "with PCIDs they survive")
            """)
    }

    @Test func softwareManagedTLBWithARefillHandlerInLua() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB", software_tlb = true, costs = { tlb_refill = 40 },
                                  tlb = { { name = "TLB", entries = 8, ways = 2, replacement = "random" } } }
            local s = m:address_space()
            s:map(0x400000, "alloc", { u = true })
            local cpu = m.cpus[1]; cpu:switch(s)
            local r = cpu:access(0x400010)
            assert(r.source == "refill" and r.refs == 4 and r.cycles == 1 + 40 + 4 * m.costs.memory_reference, "built-in refill")
            assert(cpu:access(0x400020).source == "TLB" and cpu.stats.refills == 1)
            -- A handler with its own table (no radix tree at all) writing with tlbwr and tlbwi.
            local frames, calls = { [0x10] = 0x100, [0x11] = 0x101 }, 0
            m:set_tlb_refill(function(miss)
              calls = calls + 1
              local f = frames[miss.vpn]
              if not f then return false end
              if miss.vpn == 0x11 then
                local set = m:tlb("TLB"):set_index(miss.va)
                miss.cpu:tlbwi(set * 2 + 1, { va = miss.vpn * 4096, pa = f * 4096, u = true })
              else
                miss.cpu:tlbwr{ va = miss.vpn * 4096, pa = f * 4096, u = true, w = true }
              end
            end)
            assert(cpu:access(0x10008, "w").pa == 0x100008 and cpu:access(0x11ff0).pa == 0x101ff0 and calls == 2)
            assert(cpu:access(0x10010).source == "TLB" and calls == 2, "entries serve later accesses")
            assert(cpu:access(0x99000).fault.reason == "no translation (TLB refill handler)")
            m:set_tlb_refill(function() end)
            local ok, err = pcall(cpu.access, cpu, 0x12000)
            assert(not ok and err:find("without writing an entry", 1, true), err)
            m:set_tlb_refill(function() error("oops") end)
            ok, err = pcall(m.run, m, cpu, vm.trace.list{0x13})
            assert(not ok and err:find("TLB refill handler: .*oops"), err)
            m:set_tlb_refill(nil)
            assert(cpu:access(0x400040).pa, "the built-in handler again")
            """)
        try expectLuaErrors([
            ("vm.machine{}:set_tlb_refill(print)", "refilled by hardware"),
            ("vm.machine{ software_tlb = true, pwc = { entries = 8 } }", "no page-walk caches"),
            ("local m = vm.machine{ software_tlb = true }; m.cpus[1]:tlbwr{ va = 0x1234, pa = 0 }", "aligned"),
            ("local m = vm.machine{ software_tlb = true }; m.cpus[1]:tlbwr{ va = 0x1000 }", "va and pa are required"),
            ("local m = vm.machine{ software_tlb = true, tlb = { {name = 'T', entries = 8, ways = 2} } }; m.cpus[1]:tlbwi(0, { va = 0x1000, pa = 0 })", "belongs to set 1"),
        ])
    }

    @Test func aRefillHandlerMaySwitchItsCPUAway() throws {
        // The access goes on with the space it started in, even if the handler switched the CPU
        // to another and nothing else holds the first (checked under valgrind: no read of freed memory).
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", software_tlb = true }
            local cpu = m.cpus[1]
            do
              local s = m:address_space()
              s:map(0x400000, 0x100000, { w = true, u = true })
              cpu:switch(s)
            end
            local other = m:address_space()
            other:map(0x400000, 0x200000, { w = true, u = true })
            m:set_tlb_refill(function(miss)
              cpu:switch(other)
              collectgarbage(); collectgarbage()
              return false
            end)
            local r = cpu:access(0x400000, "read")
            assert(r.fault and r.fault.reason == "no translation (TLB refill handler)", tostring(r.fault))
            m:set_tlb_refill(nil)
            assert(cpu:access(0x400000).pa == 0x200000, "the CPU runs the other space now")
            """)
    }

    @Test func protectionKeysFromLua() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local s = m:address_space()
            s:map(0x400000, "alloc", { u = true, w = true, pkey = 3 })
            assert(s:lookup(0x400000).pte.pkey == 3)
            local cpu = m.cpus[1]; cpu:switch(s)
            cpu:access(0x400000, "w")
            local flushes = cpu.stats.flushes
            cpu:pkey_set(3, "r")
            assert(cpu.pkru == 0x80, string.format("WD of key 3 is bit 7: %x", cpu.pkru))
            local r = cpu:access(0x400000, "w")
            assert(r.fault.reason == "protection key denies the access" and r.fault.pkey == 3 and r.fault.error_code == "P W U PK")
            assert(cpu:access(0x400000, "r").source == "L1d" and cpu.stats.flushes == flushes, "no flush")
            cpu.pkru = 0
            assert(cpu:access(0x400000, "w").pa)
            """)
        try expectLuaErrors([
            ("vm.machine{}:address_space():map(0x1000, 'alloc', { pkey = 16 })", "keys are 0…15"),
            ("vm.machine{ paging = 'sv39' }:address_space():map(0x1000, 'alloc', { pkey = 1 })", "has no protection keys"),
            ("vm.machine{}.cpus[1]:pkey_set(3, 'w')", "\"rw\", \"r\" or \"none\""),
            ("vm.machine{}.cpus[1].pkru = -1", "PKRU is 32 bits"),
        ])
    }

    @Test func badConfigurationsAndArgumentsAreClearErrors() throws {
        let cases: [(String, String)] = [
            ("vm.machine{ tlb = { {name = 'x', entries = 6, ways = 4} } }", "ways = 4 does not divide entries = 6"),
            ("vm.machine{ tlb = { {name = 'x', entries = 0} } }", "entries must be at least 1"),
            ("vm.machine{ tlb = { {name = 'x', entries = 8, replacement = 'lfu'} } }", "unknown TLB replacement 'lfu'"),
            ("vm.machine{ tlb = { {name = 'x', entries = 8, wayz = 2} } }", "unknown option 'wayz' (did you mean 'ways'?)"),
            ("vm.machine{ cpus = 65 }", "65 is outside 1...64"),
            ("vm.machine{ asid_bits = 0 }", "asid_bits = 0 is outside 1...16"),
            ("vm.machine{ pwc = { levels = {3} } }", "level 3 is not an upper level of x86_64"),
            ("vm.machine{}:cpu(1)", "CPU 1 does not exist"),
            ("vm.machine{}:tlb('L3')", "no TLB named 'L3'"),
            ("local m = vm.machine{}; local s = m:address_space(); s:release(); m.cpus[1]:switch(s)", "released"),
            ("local m = vm.machine{}; m.cpus[1]:access(0)", "no address space"),
            ("local m = vm.machine{}; m:run(m.cpus[1], vm.trace.list{1}, {limit = -1})", "must not be negative"),
            ("local m = vm.machine{}; m:run(5, vm.trace.list{1})", "vm.cpu or vm.address_space expected, got number"),
            ("local m = vm.machine{}; m:tlb('L1d'):flush{asid = 1, global = true}", "give asid or global, not both"),
            ("local m = vm.machine{}; m.kernel_cpu = 3", "CPU 3 does not exist"),
            ("vm.machine{ kpti = true, pcid = true, asid_bits = 16 }", "asid_bits must be at most 15"),
            ("vm.machine{}.cpus[1]:enter('root')", "privilege must be"),
        ]
        try expectLuaErrors(cases)
    }

    @Test func cpusAndTLBsKeepTheirMachineAlive() throws {
        try runLua("""
            local cpu = vm.machine{ memory = "16 MiB", cpus = 2 }.cpus[2]
            local tlb = vm.machine{}:tlb("L2")
            collectgarbage(); collectgarbage()
            assert(cpu.id == 1 and cpu.stats.accesses == 0 and tlb.entries == 1536)
            assert(cpu == cpu and m == nil)
            """)
    }
}
