#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import Testing

/// The `vm.trace` Lua API (issue 4): reading, iterating, converting and replaying traces.
@Suite struct TraceBindingTests {
    static let lackey = fixturePath("ls.lackey.gz")
    static let belady = fixturePath("belady.pages")

    @Test func listsIterateAndCollectInOrder() throws {
        try runLua("""
            local t = vm.trace.list{1, 2, 3, 4, 1, 2, 5}
            local pages = {}
            for op, address, size in t:each() do
              assert(op == "read" and size == 0, "a page list does not say the size: 0")
              pages[#pages + 1] = address // 4096
            end
            assert(table.concat(pages, ",") == "1,2,3,4,1,2,5", table.concat(pages, ","))
            t:rewind()
            local all = t:collect(3)
            assert(#all == 3 and all[3].address == 3 * 4096 and all[1].op == "read")
            local w = vm.trace.list{{"w", 0x1000}, {"x", 0x2000}}:collect()
            assert(w[1].op == "write" and w[2].op == "execute" and w[2].address == 0x2000)
            local info = vm.trace.list{1, 2, 3, 4, 1, 2, 5}:info()
            assert(info.records == 7 and info.distinct_pages == 5 and info.reads == 7)
            """)
    }

    @Test func textAndBinaryReplayGiveTheSameCounts() throws {
        let binary = "/tmp/vmlab-trace-binding-\(getpid()).vmt"
        defer { unlink(binary) }
        try runLua("""
            local text, binary = "\(Self.lackey)", "\(binary)"
            local records = vm.trace.convert(text, binary)
            local a, b = vm.trace.lackey(text):info(), vm.trace.binary(binary):info()
            assert(records == a.records and a.records == b.records and a.reads == b.reads and a.writes == b.writes
                   and a.fetches == b.fetches and a.distinct_pages == b.distinct_pages, "same records")
            local function replay(trace)
              local m = vm.machine{ memory = "64 MiB", tlb = { {name = "L1", entries = 64, ways = 4} } }
              local s = m:address_space()
              local mapped = {}
              for _, address in vm.trace.lackey(text):each() do
                local page = address & ~0xfff
                if not mapped[page] then mapped[page] = true; s:map(page, "alloc", { u = true, w = true, x = true }) end
              end
              m.cpus[1]:switch(s)
              return m:run(m.cpus[1], trace)
            end
            local r1, r2 = replay(vm.trace.lackey(text)), replay(vm.trace.binary(binary))
            assert(r1.accesses == a.records and r1.faults == 0, "every page was mapped")
            assert(r1.accesses == r2.accesses and r1.tlb_hits == r2.tlb_hits and r1.walks == r2.walks
                   and r1.cycles == r2.cycles, "text and binary replay alike")
            """)
    }

    @Test func generatorsAreSeededAndChecked() throws {
        try runLua("""
            local function pages(t) local out = {} for _, a in t:each() do out[#out + 1] = a // 4096 end return table.concat(out, ",") end
            local a = pages(vm.trace.zipf{ pages = 1000, n = 200, alpha = 1.0, seed = 7 })
            local b = pages(vm.trace.zipf{ pages = 1000, n = 200, alpha = 1.0, seed = 7 })
            local c = pages(vm.trace.zipf{ pages = 1000, n = 200, alpha = 1.0, seed = 8 })
            assert(a == b and a ~= c, "same seed, same sequence; another seed differs")
            """)
        let cases: [(String, String)] = [
            ("vm.trace.zipf{ pages = 10, n = 5, alpha = 0 }", "alpha"),
            ("vm.trace.uniform{ pages = 10, n = -1 }", "n"),
            ("vm.trace.uniform{ pages = 10, n = 5, sead = 1 }", "unknown option 'sead'"),
            ("vm.trace.lackey('/nonexistent/trace')", "/nonexistent/trace"),
            ("vm.trace.binary('\(Self.belady)')", "magic"),
        ]
        try expectLuaErrors(cases)
    }

    @Test func malformedLinesNameFileAndLine() throws {
        let path = "/tmp/vmlab-bad-pages-\(getpid()).txt"
        defer { unlink(path) }
        let file = fopen(path, "w")
        fputs("1\n2\nthree\n", file)
        fclose(file)
        let message = try luaError("for _ in vm.trace.pages('\(path)'):each() do end")
        #expect(message?.contains("\(path):3") == true, "\(message ?? "no error")")
    }
}
