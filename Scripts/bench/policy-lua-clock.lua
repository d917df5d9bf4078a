-- Issue 7: Clock written in Lua, victim-only (Scripts/policies/clock.lua), on the trace of
-- policy-clock (target >= 70 % of the built-in's rate). setup prints the ratio once.
return {
  name = "policy-lua-clock", unit = "accesses",
  description = "Scripts/policies/clock.lua (victim only), 64 frames, ls lackey page trace x20 (binary)",
  setup = function()
    local trace = dofile(BENCH_ROOT .. "/Scripts/bench/lib/policy-trace.lua")(20)
    local clock = dofile(BENCH_ROOT .. "/Scripts/policies/clock.lua")()
    local function rate(policy)
      local best = 0
      for _ = 1, 3 do
        local t0 = os.clock()
        local r = vm.simulate{ trace = trace, policy = policy, frames = 64 }
        best = math.max(best, r.accesses / (os.clock() - t0))
      end
      return best
    end
    local lua, builtin = rate(clock), rate("clock")
    io.stderr:write(string.format("policy-lua-clock: Lua %.0f M/s, built-in %.0f M/s: %.0f %% of built-in\n",
      lua / 1e6, builtin / 1e6, 100 * lua / builtin))
    return function() return vm.simulate{ trace = trace, policy = clock, frames = 64 }.accesses end
  end,
}
