import LuaKit
import Testing

/// Swap and reclaim from Lua (issue 7): vm.machine{swap=, policy=, watermarks=}, m:set_policy
/// with a name, an options table or a vm.policy, m.stats.swap, the events. Every script ends
/// with m:check() returning no violation.
@Suite struct SwapBindingTests {
    /// Lua helpers prepended to each script (after KernelBindingTests' `consistent(m)`).
    static let prelude = """
        -- Writes a distinct value to each of n pages, reads them all back (twice, two orders).
        local function roundtrip(m, n)
          local p = m:spawn("big")
          local heap = assert(p:mmap{ size = n * 4096, prot = "rw-" })
          for i = 0, n - 1 do p:write(heap + i * 4096 + (i % 512) * 8, 1000003 * i + 17) end
          for i = n - 1, 0, -1 do
            assert(p:read(heap + i * 4096 + (i % 512) * 8) == 1000003 * i + 17, "page " .. i)
          end
          for i = 0, n - 1, 7 do assert(p:read(heap + i * 4096 + (i % 512) * 8) == 1000003 * i + 17) end
          consistent(m)
          return p
        end
        local lua_clock = vm.policy{ name = "lua-clock",
          init = function(self, ctx) self.hand = 0 end,
          victim = function(self, ctx, page)
            for _ = 1, 2 * ctx.count + 1 do
              local s = self.hand
              self.hand = (self.hand + 1) % ctx.count
              if ctx:resident(s) and not ctx:pinned(s) then
                if ctx:referenced(s) then ctx:clear_referenced(s) else return s end
              end
            end
          end }
        """

    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try runLua(KernelBindingTests.prelude + "\n" + Self.prelude + "\n" + code, sourceLocation: sourceLocation)
    }

    @Test func dataSurvivesSwapWithALuaPolicy() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", swap = { size = "4 MiB", read_latency = 1000, write_latency = 2000 },
                                  policy = lua_clock, watermarks = { low = 4, high = 8 } }
            local p = roundtrip(m, 4 * m.frames)
            local s = m.stats.swap
            assert(s.policy == "lua-clock", s.policy)
            assert(s.slots == 1024 and s.used > 0 and s.used + s.free == s.slots)
            assert(s.swap_outs > 3 * m.frames, "swap-outs " .. s.swap_outs)
            assert(s.swap_ins > 0 and s.swap_outs == s.writebacks + s.clean_drops)
            assert(s.low == 4 and s.high == 8 and s.read_latency == 1000 and s.write_latency == 2000)
            assert(p.stats.swapped > 0 and p.stats.major_faults == s.swap_ins)
            assert(p.stats.swap_ins == s.swap_ins and p.stats.swap_outs == s.swap_outs, "one process: its counts are the machine's")
            p:exit()
            assert(m.stats.swap.used == 0)
            m:reset_stats()
            assert(m.stats.swap.swap_outs == 0 and m.stats.swap.writebacks == 0)
            consistent(m)
            """)
    }

    /// Every kind of page table: textbook modes (1-byte PTEs without a writable or dirty bit:
    /// fork copies, every eviction writes; 2-byte PTEs), 2- and 3-level x86, Sv32, Sv39. Data
    /// survives swap, fork and the child's writes.
    @Test func dataSurvivesSwapInEveryKindOfPageTable() throws {
        try run("""
            for _, paging in ipairs{ {va_bits=15, page_bits=5, levels={5,5}, pte_bytes=1},
                                     {va_bits=16, page_bits=8, levels={4,4}, pte_bytes=2}, "sv32", "x86_32", "x86_pae", "sv39" } do
              local custom = type(paging) == "table"
              local ps = custom and 2^paging.page_bits or 4096
              local m = vm.machine{ paging = paging, memory = (custom and 48 or 128) * ps,
                                    swap = custom and 120 * ps or 1024 * 4096 }
              local name = custom and ("custom " .. paging.pte_bytes) or paging
              local p = m:spawn("x")
              local n = custom and 70 or 100
              local a = assert(p:mmap{ size = n * ps, prot = "rw-" })
              for i = 0, n - 1 do p:write(a + i * ps, i + 1, 1) end
              for i = 0, n - 1 do assert(p:read(a + i * ps, 1) == i + 1, name .. ": page " .. i) end
              local c = assert(p:fork())
              for i = 0, n - 1, 3 do c:write(a + i * ps, 200, 1) end
              for i = 0, n - 1 do assert(p:read(a + i * ps, 1) == i + 1, name .. ": parent page " .. i) end
              for i = 0, n - 1 do assert(c:read(a + i * ps, 1) == (i % 3 == 0 and 200 or i + 1), name .. ": child page " .. i) end
              assert(m.stats.swap.swap_outs > 50, name .. ": swapped " .. m.stats.swap.swap_outs)
              if custom and paging.pte_bytes == 1 then assert(m.stats.swap.clean_drops == 0, "no dirty bit: every eviction writes") end
              consistent(m)
            end
            """)
    }

    @Test func setPolicyTakesANameATableOrAPolicy() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB" }
            assert(m.stats.swap.policy == "clock", "clock by default")
            roundtrip(m, 2 * m.frames)
            for _, choice in ipairs{ "arc", { name = "aging", bits = 4, tick = 50 }, lua_clock, "lru", "sieve" } do
              m:set_policy(choice)
              roundtrip(m, 2 * m.frames)
            end
            assert(m.stats.swap.policy == "sieve")
            consistent(m)
            """)
    }

    /// A Lua policy with on_access is told of every access the kernel makes for a process
    /// (here an LRU by time stamps), and evicts the least recently used page.
    @Test func aLuaPolicyWithOnAccessSeesEveryAccess() throws {
        try run("""
            local accesses = 0
            local lru = vm.policy{ name = "lua-lru",
              init = function(self, ctx) self.stamp = {} end,
              on_fault = function(self, ctx, slot) self.stamp[slot] = ctx.now end,
              on_access = function(self, ctx, slot) accesses = accesses + 1; self.stamp[slot] = ctx.now end,
              on_evict = function(self, ctx, slot) self.stamp[slot] = nil end,
              victim = function(self, ctx)
                local best, when
                for slot, t in pairs(self.stamp) do
                  if not ctx:pinned(slot) and (when == nil or t < when or (t == when and slot < best)) then best, when = slot, t end
                end
                return best
              end }
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB", policy = lru }
            local p = roundtrip(m, 3 * m.frames)
            assert(accesses > 0, "on_access ran")
            -- Touch page 0 again and again: LRU keeps it while others go.
            local a = p:vmas()[1].start
            for i = 1, 100 do p:read(a); p:write(a + (i % 150 + 1) * 4096, i) end
            assert(p.stats.swapped > 0)
            local before = m.stats.swap.swap_ins
            p:read(a)
            assert(m.stats.swap.swap_ins == before, "the hot page stayed in memory")
            consistent(m)
            """)
    }

    @Test func eventsTellEvictionsSwapInsWriteBacksAndOOM() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", swap = "64 KiB", policy = "fifo" }
            local seen = { evict = 0, swap_out = 0, swap_in = 0, writeback = 0, oom = 0 }
            local killed
            for kind in pairs(seen) do
              m:on(kind, function(ev) seen[kind] = seen[kind] + 1; if kind == "oom" then killed = ev.pid end end)
            end
            local idle = m:spawn("idle")
            local a = idle:mmap{ size = 60 * 4096, prot = "rw-" }
            for i = 0, 59 do idle:write(a + i * 4096, i + 1) end
            assert(seen.evict > 0 and seen.swap_out == seen.evict and seen.writeback == seen.evict)
            assert(idle:read(a) == 1 and seen.swap_in == 1)
            local small = m:spawn("small")
            local b = small:mmap{ size = 40 * 4096, prot = "rw-" }
            for i = 0, 39 do small:write(b + i * 4096, 100 + i) end
            assert(killed == idle.pid and not idle.alive and idle.exit_status == 137, "the OOM killer took idle")
            assert(seen.oom == 1 and m.stats.swap.ooms == 1)
            for i = 0, 39 do assert(small:read(b + i * 4096) == 100 + i) end
            consistent(m)
            """)
    }

    /// Thrashing from Lua: a loop over W pages; once W crosses the memory left for data the
    /// fault rate (m.stats) and the page-fault frequency (p:pff) jump to 1 while the working set
    /// (p:wss over one loop) is W.
    @Test func thrashingShowsInTheStats() throws {
        try run("""
            local rates = {}
            for _, w in ipairs{ 24, 40, 80, 120 } do
              local m = vm.machine{ memory = "256 KiB", swap = "1 MiB" }
              local p = m:spawn("loop")
              local a = p:mmap{ size = w * 4096, prot = "rw-" }
              for i = 0, w - 1 do p:write(a + i * 4096, i) end
              local before = m.stats
              for _ = 1, 3 do for i = 0, w - 1 do assert(p:read(a + i * 4096) == i) end end
              local after = m.stats
              rates[w] = (after.minor_faults + after.major_faults - before.minor_faults - before.major_faults) / (3 * w)
              assert(p:wss(w) == w, "W=" .. w .. ": wss " .. tostring(p:wss(w)))
              assert(math.abs(p:pff(3 * w) - rates[w]) < 0.01, "W=" .. w .. ": pff " .. p:pff(3 * w))
              local s = p.stats
              assert(s.wss == w and s.pff >= 0)
              -- The machine's window (10000) holds every access: the first loop (all faults) and the 3 others.
              local rate = (w + 3 * w * rates[w]) / (4 * w)
              assert(math.abs(m.stats.swap.fault_rate - rate) < 0.01, "machine fault rate " .. m.stats.swap.fault_rate)
              consistent(m)
            end
            assert(rates[24] == 0 and rates[40] == 0, "fits: no faults")
            assert(rates[80] == 1 and rates[120] == 1, "thrashes: every access faults")
            """)
    }

    @Test func aLuaPolicyCannotReplaceItselfWhileChoosing() throws {
        let message = try luaError("""
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB" }
            m:set_policy(vm.policy{ name = "fickle", victim = function() m:set_policy("fifo") end })
            local p = m:spawn("x")
            local a = p:mmap{ size = 200 * 4096, prot = "rw-" }
            for i = 0, 199 do p:write(a + i * 4096, i) end
            """)
        #expect(message?.contains("cannot change while it chooses") == true, "\(message ?? "no error")")
    }

    /// Event handlers run when the kernel is consistent again: one that kills the process whose
    /// page is being evicted, or that reads another's memory, leaves m:check() clean.
    @Test func eventHandlersMayDoAnything() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB" }
            local victim = m:spawn("victim")
            local a = victim:mmap{ size = 100 * 4096, prot = "rw-" }
            for i = 0, 99 do victim:write(a + i * 4096, i + 1) end
            local other = m:spawn("other")
            local b = other:mmap{ size = 100 * 4096, prot = "rw-" }
            local reads = 0
            m:on("swap_in", function(ev) if victim.alive then reads = reads + victim:read(a) end end)
            m:on("evict", function(ev) if ev.pid == victim.pid and victim.alive then victim:exit() end end)
            for i = 0, 99 do other:write(b + i * 4096, i + 7) end
            for i = 0, 99 do assert(other:read(b + i * 4096) == i + 7) end
            assert(not victim.alive)
            consistent(m)
            assert(m.stats.swap.used <= 100)
            """)
    }

    /// Without swap, a policy still reclaims file pages: a file of 4× RAM mapped shared and
    /// written page by page is written back as pages go, and reads back whole.
    @Test func filePagesGoWithoutSwap() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", policy = "clock" }
            local f = m:file("data.bin", 256 * 4096)
            local p = m:spawn("w")
            local a = assert(p:mmap{ size = 256 * 4096, prot = "rw-", flags = { "shared" }, file = f })
            for i = 0, 255 do p:write(a + i * 4096, i + 1) end
            local s = m.stats.swap
            assert(s.slots == 0 and s.file_writebacks > 150 and s.swap_outs == 0, "file pages went back to the file")
            for i = 0, 255 do assert(p:read(a + i * 4096) == i + 1) end
            local bytes = f:read()
            for i = 0, 255 do assert(string.unpack("<i8", bytes, i * 4096 + 1) == i + 1) end
            assert(m.stats.swap.file_drops > 0, "pages read back and evicted clean are dropped")
            consistent(m)
            """)
    }

    @Test func withoutReclaimWssAndPffAreNil() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB" }
            local p = m:spawn("x")
            assert(p:wss() == nil and p:pff() == nil and p.stats.wss == nil and m.stats.swap == nil)
            """)
    }

    @Test func badSettingsAreLuaErrors() throws {
        let cases: [(String, String)] = [
            ("vm.machine{ memory = '256 KiB', swap = '3 KiB' }", "whole number"),
            ("vm.machine{ memory = '256 KiB', swap = { sise = '1 MiB' } }", "sise"),
            ("vm.machine{ memory = '256 KiB', swap = {} }", "needs a size"),
            ("vm.machine{ memory = '256 KiB', policy = 'clok' }", "did you mean 'clock'"),
            ("vm.machine{ memory = '256 KiB', policy = 'opt' }", "future"),
            ("vm.machine{ memory = '256 KiB', watermarks = { low = 9, high = 3 } }", "low"),
            ("vm.machine{ memory = '256 KiB', watermarks = 3 }", "table"),
            ("vm.machine{ memory = '256 KiB' }:set_policy(42)", "policy must be"),
            ("vm.machine{ memory = '256 KiB' }:set_policy{ name = 'aging', bitz = 3 }", "bitz"),
            ("vm.machine{ memory = '256 KiB' }:set_watermarks{ low = -1 }", "low"),
            ("vm.machine{ memory = '256 KiB', swap = '1 MiB' }:spawn('x'):wss(0)", "tau"),
            ("vm.machine{ memory = '256 KiB', swap = '1 MiB' }:spawn('x'):pff(-3)", "window"),
        ]
        for (code, fragment) in cases {
            let message = try luaError(code)
            #expect(message?.contains(fragment) == true, "\(code): \(message ?? "no error")")
        }
    }

    @Test func aFailingLuaPolicyIsAnErrorNamingIt() throws {
        let message = try luaError("""
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB",
                                  policy = vm.policy{ name = "broken", victim = function() error("no idea") end } }
            local p = m:spawn("x")
            local a = p:mmap{ size = 200 * 4096, prot = "rw-" }
            for i = 0, 199 do p:write(a + i * 4096, i) end
            """)
        #expect(message?.contains("broken") == true && message?.contains("no idea") == true, "\(message ?? "no error")")
    }
}
