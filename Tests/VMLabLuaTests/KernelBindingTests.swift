import LuaKit
import Testing

/// The kernel's Lua API (issue 6). Every script ends with m:check() returning no violation.
@Suite struct KernelBindingTests {
    /// Lua helper prepended to each script: fails with the violations when m:check() finds any.
    static let prelude = """
        local function consistent(m)
          local v = m:check()
          assert(#v == 0, "check: " .. table.concat(v, "; "))
        end
        """

    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try runLua(Self.prelude + "\n" + code, sourceLocation: sourceLocation)
    }

    @Test func mallocStory() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("malloc")
            local free0 = m.free_frames
            local heap = assert(p:mmap{ size = "1 MiB", prot = "rw-" })
            assert(m.free_frames == free0, "mmap uses no frame")
            for i = 0, 2 do p:write(heap + i * 4096 * 7 + 3, 0x41 + i, 1) end
            local s = p.stats
            assert(s.minor_faults == 3 and s.demand_zero_faults == 3, "3 minor faults")
            assert(s.rss == 3 * 4096, "RSS follows: " .. s.rss)
            assert(p:read(heap + 7 * 4096 + 3, 1) == 0x42)
            assert(p:read_bytes(heap + 3, 1) == "A")
            assert(p.stats.minor_faults == 3)
            assert(p:maps():match("^%x+%-%x+ rw%-p 00000000 00:00 0"), p:maps())
            consistent(m)
            """)
    }

    @Test func syscallErrorsReturnNilAndErrno() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("e")
            local a, err = p:mmap{ size = 0 }
            assert(a == nil and err:match("^EINVAL: mmap: length 0"), err)
            a, err = p:mmap{ size = 4096, addr = 0x10001, flags = {"fixed"} }
            assert(a == nil and err:match("^EINVAL"), err)
            local x = assert(p:mmap{ size = 8192 })
            a, err = p:mprotect(x, 3 * 4096, "r--")
            assert(a == nil and err:match("^ENOMEM: mprotect"), err)
            assert(p:munmap(0x40000000, 4096) == true, "munmap of a hole is not an error")
            local ok, msg = pcall(p.mmap, p, { size = 4096, flgas = {} })
            assert(not ok and msg:match("did you mean 'flags'"), msg)
            ok, msg = pcall(p.mmap, p, { size = 4096, flags = {"shraed"} })
            assert(not ok and msg:match("did you mean 'shared'"), msg)
            p:exit()
            a, err = p:mmap{ size = 4096 }
            assert(a == nil and err:match("^ESRCH"), err)
            ok, msg = pcall(p.write, p, x, 1)
            assert(not ok and msg:match("ESRCH"), msg)
            consistent(m)
            """)
    }

    @Test func segvReasonsAndKilling() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("victim")
            local ro = assert(p:mmap{ size = 4096, prot = "r--" })
            p.catch_segv = true
            local ok, msg = pcall(p.write, p, ro, 1)
            assert(not ok and msg:match("SIGSEGV: pid %d+ %(victim%) write at 0x%x+: write to a read%-only page"), msg)
            ok, msg = pcall(p.exec, p, ro)
            assert(not ok and msg:match("non%-executable"), msg)
            ok, msg = pcall(p.read, p, -0x800000000000)
            assert(not ok and msg:match("user access to a kernel address"), msg)
            local t = p:translate(0x5000, "r")
            assert(t.segv == "unmapped address" and t.killed == false)
            assert(p.alive)
            p.catch_segv = false
            ok, msg = pcall(p.write, p, ro, 1)
            assert(not ok and msg:match("process killed"), msg)
            assert(not p.alive and p.exit_status == 139)
            assert(m:kernel_stats().segvs == 5)
            consistent(m)
            """)
    }

    @Test func translateTellsTheStory() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("t")
            local a = assert(p:mmap{ size = 4096 })
            local t = p:translate(a + 8, "w")
            assert(t.faults[1] == "demand-zero" and #t.faults == 1, "first touch: a demand-zero fault")
            assert(t.pa and t.pte and t.pte.flags:match("W") and t.vma.prot == "rw-")
            assert(#t.steps == 4 and t.steps[4].leaf and t.steps[4].pte_addr == t.pte.addr, "the walk's entries")
            local x = assert(p:mmap{ size = 4096, prot = "r-x" })
            assert(p:exec(x + 4) == p:fetch(x + 4) and p:touch(x + 4, "x") == p:exec(x + 4), "instruction fetches")
            local t2 = p:translate(a + 16, "r")
            assert(#t2.faults == 0 and t2.tlb ~= "walk", "second access hits the TLB: " .. tostring(t2.tlb))
            consistent(m)
            """)
    }

    @Test func cowForkAfterXv6() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("parent")
            local n = m.frames * 2 // 3
            local a = assert(p:mmap{ size = n * 4096 })
            for i = 0, n - 1 do p:write(a + i * 4096, i) end
            local c = assert(p:fork())
            p:write(a, 111); c:write(a, 222)
            assert(p:read(a) == 111 and c:read(a) == 222, "each reads its own")
            assert(c:read(a + 4096 * 9) == 9)
            consistent(m)
            c:exit(); p:exit()
            consistent(m)
            local free0 = m.free_frames
            local q = m:spawn("loop")
            local b = assert(q:mmap{ size = 4096 })
            q:write(b, 1)
            local before = m.free_frames
            for i = 1, 1000 do
              local k = assert(q:fork())
              if i % 2 == 0 then k:write(b, i) end
              k:exit()
            end
            assert(m.free_frames == before, "1000 forks and exits leave the frame count")
            assert(q:read(b) == 1)
            q:exit()
            assert(m.free_frames == free0 + 0, "exit frees everything")
            consistent(m)
            """)
    }

    @Test func kernelWriteBreaksCOW() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("p")
            local a = assert(p:mmap{ size = 4096 })
            p:write(a, 5)
            local c = p:fork()
            assert(c:copy_to_user(a, "\\9"))
            assert(p:read(a, 1) == 5 and c:read(a, 1) == 9)
            assert(c.stats.cow_copies == 1)
            local ok, err = c:copy_to_user(0x1000, "x")
            assert(ok == nil and err:match("^EFAULT"), err)
            consistent(m)
            """)
    }

    @Test func reserveCommitAndProtNone() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("win")
            p.catch_segv = true
            local r = assert(p:reserve("64 KiB"))
            local ok, msg = pcall(p.write, p, r, 1)
            assert(not ok and msg:match("reserved, not committed"), msg)
            assert(p:commit(r, 4096))
            p:write(r, 1)
            assert(p.stats.minor_faults == 1)
            p:write(r + 8, 2)
            assert(p.stats.minor_faults == 1, "then no fault")
            local n = assert(p:mmap{ size = 8192, prot = "---" })
            ok, msg = pcall(p.read, p, n)
            assert(not ok and msg:match("reserved, not committed"), msg)
            assert(p:mprotect(n, 4096, "rw-"))
            p:write(n, 3)
            assert(p.stats.minor_faults == 2 and p:read(n) == 3 and p.stats.minor_faults == 2)
            assert(p:decommit(r, 4096))
            ok, msg = pcall(p.read, p, r)
            assert(not ok and msg:match("reserved, not committed"), msg)
            consistent(m)
            """)
    }

    @Test func stackGrowthAndGuardPage() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("s")
            p.catch_segv = true
            local base = assert(p:mmap{ size = "64 KiB", flags = {"stack"} })
            local top = base + 65536
            p:write(top - 8, 1)
            p:write(base + 16, 2)
            assert(p.stats.stack_growths == 1)
            assert(p:maps():match("%[stack%]"))
            local ok, msg = pcall(p.write, p, base - 16, 3)
            assert(not ok and msg:match("guard page"), msg)
            consistent(m)
            """)
    }

    @Test func sharedFileMappingReachesOtherProcessesAndTheFile() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local f = m:file("data.bin", "hello, world")
            local a, b = m:spawn("a"), m:spawn("b")
            local x = assert(a:mmap{ size = 4096, file = f, flags = {"shared"} })
            local y = assert(b:mmap{ size = 4096, file = "data.bin", flags = {"shared"} })
            assert(b:read_bytes(y, 5) == "hello")
            assert(b.stats.major_faults == 1 and f.reads == 1, "the first reader reads the file")
            a:write_bytes(x, "HELLO")
            assert(a.stats.minor_faults == 1, "the second is a page-cache hit")
            assert(b:read_bytes(y, 12) == "HELLO, world", "b sees a's write")
            assert(f:read() == "HELLO, world", "and so does the file")
            local c = m:spawn("c")
            local z = assert(c:mmap{ size = 4096, file = f })   -- private: COW from the page cache
            c:write_bytes(z, "J")
            assert(c:read_bytes(z, 5) == "JELLO" and f:read() == "HELLO, world")
            consistent(m)
            a:exit(); b:exit(); c:exit()
            consistent(m)
            """)
    }

    @Test func sharedAnonymousMemoryBetweenParentAndChild() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            consistent(m)   -- the kernel exists from its first use on (it holds the kernel-image frame)
            local free0 = m.free_frames
            local p = m:spawn("p")
            local s = assert(p:mmap{ size = 8192, flags = {"shared", "anonymous"} })
            local c = p:fork()
            c:write(s, 42)
            assert(p:read(s) == 42)
            local g = c:fork()
            g:write(s + 4096, 7)
            assert(p:read(s + 4096) == 7 and c:read(s + 4096) == 7)
            g:exit(); c:exit(); p:exit()
            assert(m.free_frames == free0, "every frame freed")
            consistent(m)
            """)
    }

    @Test func luaFaultHandlerDoesDemandPagingAndCOW() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local seen = {}
            m:set_fault_handler(function(f, k)
              seen[#seen + 1] = f.op
              if not f.vma then return k:kill("no vma") end
              if not f.present then
                local pa = k:alloc_frame()
                k:map(f.page, pa, f.vma.prot)
              elseif f.op == "write" then
                if k:refcount(f.pa) == 1 then
                  k:map(f.page, f.pa, "rw-")
                else
                  local new = k:alloc_frame()
                  k:copy_frame(f.pa, new)
                  k:map(f.page, new, "rw-")
                end
              end
            end)
            local p = m:spawn("p")
            local a = assert(p:mmap{ size = 8192 })
            p:write(a, 9)
            local c = p:fork()
            c:write(a, 10)
            p:write(a, 11)
            assert(p:read(a) == 11 and c:read(a) == 10)
            assert(#seen == 3, "demand zero, then one COW fault each: " .. #seen)
            p.catch_segv = true
            local ok, msg = pcall(p.read, p, 0x3000)
            assert(not ok and msg:match("no vma"), msg)
            consistent(m)
            m:set_fault_handler(function(f, k) end)    -- a handler that fixes nothing
            ok, msg = pcall(p.read, p, a + 4096)
            assert(not ok and msg:match("still faulting"), msg)
            m:set_fault_handler(function(f, k) k:alloc_frame(); return k:default() end)   -- leaks a frame each time
            p:read(a + 4096)
            local v = m:check()
            assert(#v == 1 and v[1]:match("leaked"), "check finds the leak: " .. table.concat(v, "; "))
            local refused
            m:set_fault_handler(function(f, k)
              local ok
              ok, refused = pcall(k.map, k, f.page, 0, "rw-")       -- frame 0: the kernel image
              return k:default()
            end)
            local b = assert(p:mmap{ size = 4096 })
            p:write(b, 1)
            assert(refused and refused:match("not a user frame"), tostring(refused))
            """)
    }

    @Test func eventsArePlainTables() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local log = {}
            for _, kind in ipairs{ "fault", "cow", "segv", "mmap", "munmap", "fork", "exit" } do
              m:on(kind, function(e) log[#log + 1] = e.event .. ":" .. (e.kind or "") end)
            end
            local p = m:spawn("p")
            p.catch_segv = true
            local a = assert(p:mmap{ size = 4096 })
            p:write(a, 1)
            local c = p:fork()
            c:write(a, 2)
            pcall(p.read, p, 0x1000)
            p:munmap(a, 4096)
            c:exit()
            assert(table.concat(log, " ") == "mmap: fault:demand-zero fork: cow: fault:cow-copy segv: munmap: exit:",
                   table.concat(log, " "))
            local ok, msg = pcall(m.on, m, "faults", print)
            assert(not ok and msg:match("did you mean 'fault'"), msg)
            m:on("mmap", function() error("boom") end)
            ok, msg = pcall(p.mmap, p, { size = 4096 })
            assert(not ok and msg:match("error in 'mmap' handler"), msg)
            consistent(m)
            """)
    }

    @Test func brkMlockMadvise() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("p")
            local old = p:sbrk(8192)
            assert(old == p:brk() - 8192)
            p:write(old, 1)
            assert(p:maps():match("%[heap%]"))
            local a = assert(p:mmap{ size = 4 * 4096 })
            assert(p:mlock(a, 4 * 4096))
            assert(p.stats.rss == 5 * 4096 and p.stats.locked == 4 * 4096, "mlock populates")
            assert(m:frame(p:touch(a)).pinned)
            local ok, err = p:madvise(a, 4096, "dontneed")
            assert(ok == nil and err:match("^EINVAL"), "dontneed on locked memory")
            assert(p:munlock(a, 4 * 4096))
            p:write(a, 77)
            assert(p:madvise(a, 4096, "dontneed"))
            assert(p:read(a) == 0, "dontneed: anonymous memory reads zero again")
            assert(p:madvise(a, 4096, "hugepage"))
            consistent(m)
            """)
    }

    @Test func execGivesAFreshAddressSpace() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB" }
            local p = m:spawn("sh")
            local a = assert(p:mmap{ size = 4 * 4096, flags = {"populate"} })
            local free0 = m.free_frames
            assert(p:exec("ls"))
            assert(p.name == "ls" and #p:vmas() == 0 and p.stats.rss == 0)
            assert(m.free_frames == free0 + 4 + 3, "the 4 pages and the PDPT, PD and PT above them are freed")
            p.catch_segv = true
            local ok, msg = pcall(p.read, p, a)
            assert(not ok and msg:match("unmapped"), msg)
            consistent(m)
            """)
    }
    @Test func processesWorkInEveryPagingMode() throws {
        try run("""
            for _, paging in ipairs{ "x86_64", "x86_64_la57", "x86_32", "x86_pae", "sv32", "sv39", "sv48", "sv57",
                                     { va_bits = 15, page_bits = 5, levels = {5, 5}, pte_bytes = 1 },
                                     { va_bits = 16, page_bits = 8, levels = {4, 4}, pte_bytes = 2 } } do
              local small = type(paging) == "table"
              local m = vm.machine{ memory = small and (paging.pte_bytes == 1 and 4096 or 65536) or "16 MiB", paging = paging }
              consistent(m)
              local free0 = m.free_frames
              local ps = m.page_size
              local p = m:spawn("p")
              local a = assert(p:mmap{ size = 4 * ps })
              p:write(a, 7, 1)
              local h, err = p:mmap{ size = 1, flags = {"hugepage"} }
              if h then
                p:write(h + 100, 5, 1)
                assert(p.stats.huge > ps, m.paging .. ": a huge page")
              else
                assert(small and err:match("^EINVAL"), m.paging .. ": " .. tostring(err))
              end
              local c = assert(p:fork())
              c:write(a, 9, 1)
              assert(p:read(a, 1) == 7 and c:read(a, 1) == 9, m.paging .. ": fork keeps each side's data")
              if h then
                c:write(h + 100, 6, 1)
                assert(p:read(h + 100, 1) == 5 and c:read(h + 100, 1) == 6, m.paging .. ": COW of a huge page")
              end
              p.catch_segv = true
              local r = assert(p:mmap{ size = ps, prot = "r--" })
              local ok, msg = pcall(p.write, p, r, 1, 1)
              assert(not ok and msg:match("read%-only"), m.paging .. ": " .. msg)
              local s = assert(p:mmap{ size = 4 * ps, flags = {"stack"} })
              p:write(s + ps, 1, 1)
              consistent(m)
              c:exit(); p:exit()
              assert(m.free_frames == free0, m.paging .. ": exit frees everything")
              consistent(m)
            end
            """)
    }
    /// 3 × 3,000 random calls with good and bad arguments: nothing traps, m:check() stays clean,
    /// and exiting every process frees every frame but the kernel image.
    @Test func randomCallsNeverTrap() throws {
        try run("""
            for seed = 1, 3 do
            math.randomseed(seed)
            local m = vm.machine{ memory = "8 MiB" }
            local procs = { m:spawn("p0") }
            local f = m:file("f", "abcdefgh")
            local addrs = { 0, 1, 4096, 0x1000, 0x10000000, 0x10001000, -1, 0x7fffffffffff, -0x800000000000, 1 << 62, 0x7ffffffff000 }
            local sizes = { 0, 1, 4096, 8192, 3 * 4096, "1 MiB", "8 MiB", -1, 1 << 62, "x" }
            local prots = { "rw-", "r--", "---", "rwx", "bad", "none" }
            local function pick(t) return t[math.random(#t)] end
            local function addr() local a = pick(addrs); if math.random() < 0.5 then a = 0x10000000 + math.random(0, 63) * 4096 end return a end
            local last
            local calls = {
              function(p) local a = p:mmap{ addr = addr(), size = pick(sizes), prot = pick(prots), flags = { pick{"fixed", "shared", "populate", "stack", "reserve", "guard", "locked", "hugepage", "private"} } }; last = a or last; return a end,
              function(p) if last then p:write(last + math.random(0, 3 * 4096), math.random(0, 255), 1) end end,
              function(p) if last then return p:munmap(last, pick(sizes)) end end,
              function(p) if last then return p:mprotect(last, pick(sizes), pick(prots)) end end,
              function(p) return p:mmap{ size = pick(sizes), file = f, flags = { pick{"shared", "private"} }, offset = pick{0, 4096, 1 << 62} } end,
              function(p) return p:munmap(addr(), pick(sizes)) end,
              function(p) return p:mprotect(addr(), pick(sizes), pick(prots)) end,
              function(p) return p:brk(addr()) end,
              function(p) return p:sbrk(pick{ 4096, -4096, 1 << 40, -(1 << 40), 0 }) end,
              function(p) return p:mlock(addr(), pick(sizes)) end,
              function(p) return p:munlock(addr(), pick(sizes)) end,
              function(p) return p:madvise(addr(), pick(sizes), pick{"dontneed", "willneed", "hugepage", "bogus"}) end,
              function(p) return p:reserve(pick(sizes)) end,
              function(p) return p:commit(addr(), pick(sizes), pick(prots)) end,
              function(p) return p:decommit(addr(), pick(sizes)) end,
              function(p) if #procs < 8 then local c = p:fork(); if c then procs[#procs + 1] = c end end end,
              function(p) if math.random() < 0.2 then p:exit() end end,
              function(p) return p:exec(pick{ "sh", addr() }) end,
              function(p) return p:read(addr(), pick{1, 2, 3, 4, 8}) end,
              function(p) return p:write(addr(), math.random(0, 1000), pick{1, 2, 4, 8, 16}) end,
              function(p) return p:read_bytes(addr(), pick{0, 1, 5000, -1}) end,
              function(p) return p:write_bytes(addr(), ("x"):rep(pick{0, 1, 5000})) end,
              function(p) return p:touch(addr(), pick{"r", "w", "x", "q"}) end,
              function(p) return p:translate(addr(), pick{"r", "w", "x"}) end,
              function(p) return p:copy_to_user(addr(), "hello") end,
              function(p) p.catch_segv = math.random() < 0.7 end,
            }
            for i = 1, 3000 do
              local p = pick(procs)
              pcall(pick(calls), p)
              if i % 100 == 0 then
                local v = m:check()
                if #v > 0 then error("step " .. i .. ": " .. table.concat(v, "; ")) end
              end
            end
            for _, p in ipairs(procs) do p:exit() end
            local v = m:check()
            assert(#v == 0, table.concat(v, "; "))
            assert(#m:processes() == 0)
            assert(m.free_frames == m.frames - 1, "only the kernel image is left")
            end
            """)
    }
}
