import LuaKit
import Testing

/// `m:run(process, trace)`: trace replay through a process, faults handled by the kernel.
@Suite struct ProcessRunBindingTests {
    @Test func aRealTraceRunsInAFreshProcess() throws {
        let fixture = fixturePath("ls.lackey.gz")
        try runLua("""
            local m = vm.machine{ memory = "256 MiB" }
            local p = m:spawn("ls")
            local info = vm.trace.lackey("\(fixture)"):info()
            local r = m:run(p, vm.trace.lackey("\(fixture)"), { map = true })
            assert(r.accesses == info.records, "every access replayed")
            assert(r.mapped_pages == info.distinct_pages and r.minor_faults == info.distinct_pages,
                   "one page mapped and one demand-zero fault per distinct page: " .. r.mapped_pages .. " " .. info.distinct_pages)
            assert(p.stats.rss == info.distinct_pages * 4096 and #m:check() == 0)
            local again = m:run(p, vm.trace.lackey("\(fixture)"), { map = true, limit = 1000 })
            assert(again.accesses == 1000 and again.minor_faults == 0 and again.mapped_pages == 0, "now all resident")
            local heap = assert(p:mmap{ size = "1 MiB" })
            assert(m:run(p, vm.trace.sequential{ pages = 256, n = 512, base = heap }).minor_faults == 256)
            local q = m:spawn("strict")
            local ok, err = pcall(m.run, m, q, vm.trace.list{0x10})
            assert(not ok and err:find("SIGSEGV", 1, true) and not q.alive, "without map = true an unmapped address is SIGSEGV")
            """)
        try expectLuaErrors([
            ("local m = vm.machine{}; m:run(m.cpus[1], vm.trace.list{1}, { mapp = true })", "unknown option 'mapp'"),
        ])
    }
}
