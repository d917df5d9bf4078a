#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import Testing
import VMLabLua

/// Fuzzing the Lua surface (issue 10): every documented function, method and property is called
/// with random arguments — nil, huge and negative integers, NaN, infinities, strings, tables,
/// functions that raise, objects of every class, a released address space. The host must never
/// trap or hang; every failure must be a Lua error with a message.
@Suite struct FuzzTests {
    /// Lua code that makes a sample object of each bound class (the receiver of its methods).
    /// A new class needs a line here: the test fails naming it otherwise.
    static let samples: [(cls: String, code: String)] = [
        ("vm.machine", "vm.machine{ memory = '16 MiB', cpus = 2 }"),
        ("vm.address_space", "(function() local s = M:address_space(); s:map(0x400000, 'alloc', { u = true, w = true }); return s end)()"),
        ("vm.cpu", "(function() local c = M.cpus[1]; c:switch(S); return c end)()"),
        ("vm.tlb", "M:tlb('L1d')"),
        ("vm.trace", "vm.trace.list{1, 2, 3, 4, 1, 2, 5}"),
        ("vm.contiguous", "vm.contiguous{ memory = '1 MiB' }"),
        ("vm.program", "SAMPLES['vm.contiguous']:load('P', { code = { size = '4K', prot = 'rx' }, data = { size = '8K' } })"),
        ("vm.policy", "vm.policy{ name = 'fuzz', victim = function(self, ctx) return 0 end }"),
        ("vm.process", "(function() local p = M:spawn('fuzz'); p.catch_segv = true; p:mmap{ size = 8192, prot = 'rw' }; return p end)()"),
        ("vm.file", "M:file('fuzz.bin', 'contents of a file')"),
        ("vm.snapshot", "M:snapshot()"),
        ("vm.guest", "(function() local g = M:guest{ memory = '4 MiB' }; g.machine:address_space():map(0x400000, 'alloc', { u = true }); return g end)()"),
        ("vm.device", "(function() local d = M:device('fuzz'); d:map(0x1000, M:alloc_frame(), 'rw'); return d end)()"),
        // The kernel primitives exist during a fault: keep the object a handler was given (using
        // it afterwards must fail cleanly too).
        ("vm.fault_kernel", """
            (function()
              local kept
              M:set_fault_handler(function(f, k) kept = k; k:default() end)
              local p = M:spawn('fault'); local va = p:mmap{ size = 4096, prot = 'rw' }; p:write(va, 1)
              M:set_fault_handler(nil)
              return kept
            end)()
            """),
    ]

    static let pool = """
        local released = M:address_space(); released:release()
        -- Machines with an inverted and a hashed page table, and a space of each (receivers too).
        local inverted = vm.machine{ memory = '4 MiB', page_table = { kind = 'inverted', buckets = 4, aliases = 2 } }
        local hashed = vm.machine{ memory = '4 MiB', page_table = { kind = 'hashed', groups = 2 } }
        local inverted_space, hashed_space = inverted:address_space(), hashed:address_space()
        inverted_space:map(0x400000, 'alloc', { u = true, w = true }); hashed_space:map(0x400000, 'alloc', { u = true })
        return {
          nil, true, false, 0, 1, -1, 2, 7, 4096, 0x400000, math.maxinteger, math.mininteger, 2^53, 1.5, -0.5,
          0/0, 1/0, -1/0, "", "x", "4 KiB", "2M", "r", "w", "user", "kernel", "lru", "x86_64", "-1", "0x1000",
          string.rep("a", 300), {}, {1, 2, 3}, {x = 1}, {name = "a", entries = 0}, {{1, 2}}, {size = "2M", w = true},
          function() end, function() error("boom") end, function() return false end,
          coroutine.create(function() end), released, M, S, C, T, TR,
          inverted, hashed, inverted_space, hashed_space,
        }
        """

    @Test func everyBoundFunctionSurvivesRandomArguments() throws {
        try withTemporaryFolder { folder in
            let state = try makeVMState()
            try state.applySandbox(LuaSandbox(allowedFolders: [folder]))
            state.limits = LuaLimits(instructions: 200_000_000, memory: 512 << 20, timeout: 3)
            let entries = state.help.entries.values.filter { [.function, .method, .property].contains($0.kind) }
                .sorted { $0.path < $1.path }
            let classes = Set(entries.compactMap { entry -> String? in
                guard entry.kind != .function else { return nil }
                let cut = entry.kind == .method ? entry.path.lastIndex(of: ":") : entry.path.lastIndex(of: ".")
                return cut.map { String(entry.path[..<$0]) }
            })
            for missing in classes.subtracting(Self.samples.map(\.cls)).sorted() {
                Issue.record("the fuzzer has no sample object of class \(missing): add one to FuzzTests.samples")
            }
            // SAMPLES[class] is the receiver of that class's methods; M, S, C, T, TR are short names the pool uses.
            let sampleCode = Self.samples.map { "SAMPLES[\"\($0.cls)\"] = \($0.code)\nM, S = SAMPLES['vm.machine'], SAMPLES['vm.address_space']" }
                .joined(separator: "\n")
            _ = try state.run("""
                SAMPLES = {}
                \(sampleCode)
                C, T, TR = SAMPLES["vm.cpu"], SAMPLES["vm.tlb"], SAMPLES["vm.trace"]
                POOL = (function() \(Self.pool) end)()
                POOL_SIZE = 50
                """, name: "=fuzz")
            for (n, entry) in entries.enumerated() {
                let target: String
                switch entry.kind {
                case .function:
                    target = "local f = \(entry.path); local function call(...) return f(...) end"
                case .method:
                    let cut = entry.path.lastIndex(of: ":")!
                    let cls = entry.path[..<cut], name = entry.path[entry.path.index(after: cut)...]
                    target = """
                        local self = SAMPLES["\(cls)"]
                        local function call(...)
                          local receiver = math.random(10) == 1 and POOL[math.random(POOL_SIZE)] or self
                          return self.\(name)(receiver, ...)
                        end
                        """
                default:
                    let cut = entry.path.lastIndex(of: ".")!
                    let cls = entry.path[..<cut], name = entry.path[entry.path.index(after: cut)...]
                    target = """
                        local self = SAMPLES["\(cls)"]
                        local function call(v) if math.random(2) == 1 then return self.\(name) end self.\(name) = v end
                        """
                }
                let chunk = """
                    math.randomseed(\(n + 1))
                    \(target)
                    for round = 1, 40 do
                      local count = math.random(0, 4)
                      local args = {}
                      for i = 1, count do args[i] = POOL[math.random(POOL_SIZE)] end
                      CALLS = (CALLS or 0) + 1
                      local ok, err = pcall(call, table.unpack(args, 1, count))
                      if not ok and (type(err) ~= "string" or #err == 0) then
                        error("\(entry.path): a failure without a message (" .. type(err) .. ") in round " .. round)
                      end
                    end
                    """
                do {
                    _ = try state.run(chunk, name: "=fuzz \(entry.path)")
                } catch let error as LuaError where error.message.contains("limit exceeded") {
                    // A huge count ran until the script's limit stopped it: stopped cleanly, not hung.
                } catch {
                    Issue.record("\(entry.path): \(error)")
                }
            }
            let calls = try state.run("return CALLS", name: "=fuzz")
            #expect(calls.first?.intValue ?? 0 >= entries.count * 30, "the fuzzer made \(calls) calls for \(entries.count) entries")
        }
    }
}
