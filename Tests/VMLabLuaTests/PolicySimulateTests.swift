import LuaKit
import Testing

/// vm.simulate and vm.policy from Lua (issue 7): known answers, Lua policies against their
/// built-in twins, and bad input.
@Suite struct PolicySimulateTests {
    @Test func beladyFromLua() throws {
        try runLua("""
            local s = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5}
            local expected = { fifo = {9, 10}, lru = {10, 8}, opt = {7, 6} }
            for name, faults in pairs(expected) do
              assert(vm.simulate{ trace = s, policy = name, frames = 3 }.faults == faults[1], name .. " 3 frames")
              assert(vm.simulate{ trace = vm.trace.list(s), policy = name, frames = 4 }.misses == faults[2], name .. " 4 frames")
            end
            local r = vm.simulate{ trace = s, policy = "fifo", frames = 3 }
            assert(r.hits == 3 and r.evictions == 6 and r.writebacks == 0 and r.accesses == 12)
            assert(r.hit_rate == 0.25 and r.policy == "fifo" and r.frames == 3 and r.hand == nil)
            assert(vm.simulate{ trace = s, policy = "clock", frames = 3 }.hand == 0, "the clock's hand is visible")
            local c = vm.simulate{ trace = vm.trace.list(s), policy = "fifo", frames = { from = 1, to = 6 } }
            assert(#c.points == 6 and c.points[4].frames == 4 and c.points[4].misses == 10)
            assert(#c.anomalies == 1, "one anomaly")
            local a = c.anomalies[1]
            assert(a.frames == 4 and a.misses == 10 and a.previous == 9, "FIFO's anomaly at 4 frames")
            assert(#vm.simulate{ trace = s, policy = "lru", frames = { from = 1, to = 6, step = 2 } }.anomalies == 0)
            """)
    }

    @Test func policyOptionsSeedsAndWrites() throws {
        try runLua("""
            local t = vm.trace.zipf{ pages = 500, n = 5000, alpha = 0.8, seed = 9, writes = 0.5 }
            local a = vm.simulate{ trace = t, policy = "random", frames = 32, seed = 5 }
            local b = vm.simulate{ trace = t, policy = { name = "random", seed = 5 }, frames = 32 }
            assert(a.misses == b.misses, "seed= and {seed=} agree; the trace is rewound for each call")
            assert(a.writebacks > 0 and a.writebacks <= a.evictions, "dirty victims are written back")
            local aging = vm.simulate{ trace = t, policy = { name = "aging", bits = 4, tick = 50 }, frames = 32 }
            assert(aging.misses + aging.hits == 5000)
            assert(#vm.policies() >= 15 and vm.policies()[1].name == "fifo")
            """)
    }

    @Test func luaClockSeesAndClearsReferencedBits() throws {
        // 3 frames, 1 2 3 4 2 5: the hand clears R of 1 2 3 and takes 1; 2 is hit (R = 1);
        // 5: the hand passes 2 (clearing R) and takes 3.
        try runLua("""
            local log = {}
            local p = vm.policy{ name = "probe",
              init = function(self, ctx) self.hand = 0; assert(ctx.count == 3 and ctx.now == 0) end,
              victim = function(self, ctx, page)
                local seen = {}
                for slot, pg, r, d in ctx:frames() do seen[#seen + 1] = pg .. (r and "R" or "") .. (d and "D" or "") end
                log[#log + 1] = ctx.now .. ":" .. page .. ":" .. table.concat(seen, ",")
                while true do
                  local s = self.hand
                  self.hand = (s + 1) % ctx.count
                  if ctx:referenced(s) then ctx:clear_referenced(s) else return s end
                end
              end }
            local r = vm.simulate{ trace = {1, 2, 3, 4, 2, 5}, policy = p, frames = 3, victims = true }
            assert(r.victims[1] == 1 and r.victims[2] == 3, table.concat(r.victims, " "))
            assert(log[1] == "4:4:1R,2R,3R", log[1])
            assert(log[2] == "6:5:4R,2R,3", log[2])
            """)
    }

    @Test func ctxShowsDirtyLoadTimeOwnerAndPins() throws {
        // 2 frames: r1 at t1 (slot 0), w2 at t2 (slot 1, pinned), r3 at t3 faults.
        try runLua("""
            local seen
            local p = vm.policy{ name = "probe",
              victim = function(self, ctx, page)
                seen = { page = page, now = ctx.now,
                  p0 = ctx:page(0), p1 = ctx:page(1), l0 = ctx:loaded(0), l1 = ctx:loaded(1),
                  d0 = ctx:dirty(0), d1 = ctx:dirty(1), pin0 = ctx:pinned(0), pin1 = ctx:pinned(1),
                  r0 = ctx:resident(0), owner = ctx:owner(1), e0 = ctx:evictable(0), e1 = ctx:evictable(1) }
                ctx:clear_dirty(1)
                return 0
              end,
              on_evict = function(self, ctx, slot, page) seen.evicted = slot .. ":" .. page end }
            local r = vm.simulate{ trace = vm.trace.list{ {"r", 0x1000}, {"w", 0x2000}, {"r", 0x3000} },
                                   policy = p, frames = 2, pin = {2} }
            assert(seen.page == 3 and seen.now == 3, "the incoming page at t3")
            assert(seen.p0 == 1 and seen.p1 == 2 and seen.l0 == 1 and seen.l1 == 2, "pages and load times")
            assert(not seen.d0 and seen.d1, "the write set D")
            assert(not seen.pin0 and seen.pin1 and seen.r0 and seen.owner == 0)
            assert(seen.e0 and not seen.e1, "evictable: resident and not pinned")
            assert(seen.evicted == "0:1", seen.evicted)
            assert(r.writebacks == 1, "clear_dirty is a write-back")
            """)
    }

    @Test(arguments: [
        ("clock.lua\")()", "\"clock\""),
        ("aging.lua\"){ bits = 8, tick = 100 }", "{ name = \"aging\", bits = 8, tick = 100 }"),
        ("aging.lua\"){ bits = 3, tick = 7 }", "{ name = \"aging\", bits = 3, tick = 7 }"),
        ("2q.lua\")()", "\"2q\""),
        ("2q.lua\"){ kin = 5, kout = 9 }", "{ name = \"2q\", kin = 5, kout = 9 }"),
        ("arc.lua\")()", "\"arc\""),
        ("lru.lua\")()", "\"lru\""),
    ])
    func luaPolicyEqualsItsBuiltInTwin(script: String, builtin: String) throws {
        try runLua(PolicyLuaTestSupport.prelude + """
            local lua = dofile(ROOT .. "/Scripts/policies/\(script)
            local traces = {
              zipf = vm.trace.zipf{ pages = 2000, n = 30000, alpha = 1.0, seed = 3, writes = 0.3 },
              lackey = vm.trace.lackey(ROOT .. "/Tests/Fixtures/ls.lackey.gz"),
            }
            for name, t in pairs(traces) do
              for _, frames in ipairs{ 8, 64 } do
                local a = vm.simulate{ trace = t, policy = \(builtin), frames = frames, victims = true }
                local b = vm.simulate{ trace = t, policy = lua, frames = frames, victims = true }
                assert(a.evictions > 50, name .. ": the case must evict")
                local ok, where = same(a.victims, b.victims)
                assert(ok, name .. ", " .. frames .. " frames: " .. tostring(where))
                assert(a.misses == b.misses and a.writebacks == b.writebacks, name .. " counts")
              end
            end
            """)
    }

    @Test func luaPolicyCurveRerunsInit() throws {
        try runLua(PolicyLuaTestSupport.prelude + """
            local clock = dofile(ROOT .. "/Scripts/policies/clock.lua")()
            local t = vm.trace.zipf{ pages = 300, n = 3000, alpha = 0.9, seed = 1 }
            local a = vm.simulate{ trace = t, policy = clock, frames = { from = 10, to = 50, step = 20 } }
            local b = vm.simulate{ trace = t, policy = "clock", frames = { from = 10, to = 50, step = 20 } }
            for i = 1, 3 do assert(a.points[i].misses == b.points[i].misses, "point " .. i) end
            """)
    }

    @Test func badInputIsAClearError() throws {
        let cases: [(String, String)] = [
            ("vm.simulate{ trace = {1, 2}, policy = 'lur', frames = 3 }", "unknown policy 'lur'"),
            ("vm.simulate{ trace = {1, 2}, policy = 'nope', frames = 3 }", "known: fifo, lru, opt"),
            ("vm.simulate{ trace = {1, 2}, policy = { name = 'aging', bitz = 3 }, frames = 3 }", "unknown option 'bitz' (did you mean 'bits'?)"),
            ("vm.simulate{ trace = {1, 2}, policy = { name = 'aging', bits = 99 }, frames = 3 }", "bits: expected 1…32, got 99"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = 0 }", "frames must be ≥ 1, got 0"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = -5 }", "frames must be ≥ 1, got -5"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = 1 << 62 }", "expected 1…16777216 frames"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = { from = 5, to = 2 } }", "from (5) must not exceed to (2)"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = { from = 1, to = 4, step = 0 } }", "step must be ≥ 1, got 0"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = { from = 0, to = 4 } }", "from must be ≥ 1"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = { from = 1, to = math.maxinteger, step = 1 } }", "to must be ≤"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', frames = 2, page_size = 3000 }", "page_size must be a power of two"),
            ("vm.simulate{ trace = {1, 2}, policy = 'lru', framez = 2 }", "unknown option 'framez' (did you mean 'frames'?)"),
            ("vm.simulate{ policy = 'lru', frames = 2 }", "trace= is required"),
            ("vm.simulate{ trace = {1}, policy = 'lru', frames = { from = 1, to = 2 }, victims = true }", "victims = true needs one frame count"),
            ("vm.simulate{ trace = {1, 2}, frames = 2 }", "policy= is required"),
            ("vm.simulate{ trace = {1, -2}, policy = 'lru', frames = 2 }", "trace[2] must be a page number"),
            ("vm.simulate{ trace = {1, 2, 3}, policy = 'lru', frames = 2, pin = {1, 2} }", "every resident frame is pinned"),
            ("vm.policy{ name = 'x' }", "victim = function(self, ctx, page)"),
            ("vm.policy{ name = 'x', victim = 3 }", "victim must be a function"),
            ("vm.policy{ name = 'x', victim = function() end, on_acess = function() end }", "unknown callback 'on_acess' (did you mean 'on_access'?)"),
            ("vm.policy{ name = 'x', victim = function() end, on_tick = function() end }", "on_tick needs tick = N"),
        ]
        for (code, expected) in cases {
            let message = try luaError(code)
            #expect(message?.contains(expected) == true, "\(code) → \(message ?? "no error")")
        }
    }

    @Test func badVictimsAndRaisingCallbacksNameThePolicy() throws {
        func policy(_ body: String, extra: String = "") -> String {
            "vm.simulate{ trace = {1, 2, 3, 4, 4, 1, 5}, frames = 3, pin = {2}, policy = vm.policy{ name = 'my-clock', victim = function(self, ctx, page) \(body) end\(extra) } }"
        }
        let cases: [(String, String)] = [
            (policy("return nil"), "policy 'my-clock': victim returned nil, expected a slot number 0…2"),
            (policy("return 99"), "policy 'my-clock': victim returned 99, but only slots 0…2 exist"),
            (policy("return -1"), "policy 'my-clock': victim returned -1, but only slots 0…2 exist"),
            (policy("return 1"), "policy 'my-clock': victim returned slot 1, which is pinned (page 2)"),
            (policy("return 'slot 0'"), "policy 'my-clock': victim returned a string (\"slot 0\")"),
            (policy("return 0.5"), "policy 'my-clock': victim returned 0.5"),
            (policy("return {}"), "policy 'my-clock': victim returned a table"),
            (policy("error('no frame for ' .. page)"), "policy 'my-clock': victim failed: test:1: no frame for 4"),
            (policy("return ctx:referenced(7)"), "slot 7 does not exist (slots 0…2)"),
            (policy("return 0", extra: ", on_access = function(self, ctx, slot) error('hit ' .. slot) end"),
             "policy 'my-clock': on_access failed: test:1: hit 0"),
            (policy("return 0", extra: ", on_fault = function() error('fault!') end"), "policy 'my-clock': on_fault failed"),
            (policy("return 0", extra: ", init = function() error('init!') end"), "policy 'my-clock': init failed"),
        ]
        for (code, expected) in cases {
            let message = try luaError(code)
            #expect(message?.contains(expected) == true, "\(code) → \(message ?? "no error")")
        }
    }

    @Test func callbackErrorsLeaveTheStateUsable() throws {
        try runLua("""
            local bad = vm.policy{ name = "bad", victim = function() error("boom") end }
            for i = 1, 1000 do
              local ok, message = pcall(vm.simulate, { trace = {1, 2, 3}, policy = bad, frames = 2 })
              assert(not ok and message:find("policy 'bad': victim failed", 1, true), message)
            end
            assert(vm.simulate{ trace = {1, 2, 3}, policy = "lru", frames = 2 }.misses == 3)
            """)
    }

    @Test func everyBindingIsDocumented() throws {
        try runLua("""
            for _, name in ipairs{ "vm.simulate", "vm.policy", "vm.policies" } do
              local f = load("return " .. name)()
              assert(f ~= nil, name)
            end
            """)
        let state = try makeVMState()
        for path in ["vm.simulate", "vm.policy", "vm.policies", "vm.policy:name"] {
            #expect(state.help.entries[path]?.doc.isEmpty == false, "\(path) has a doc string")
        }
    }
}
