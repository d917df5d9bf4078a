-- Issue 7: Clock written in Lua, victim-only (Scripts/policies/clock.lua), on the trace of
-- policy-clock (target >= 70 % of the built-in's rate).
return {
  name = "policy-lua-clock", unit = "accesses",
  description = "Scripts/policies/clock.lua (victim only), 64 frames, ls lackey page trace x20 (binary)",
  setup = function()
    local trace = dofile(BENCH_ROOT .. "/Scripts/bench/lib/policy-trace.lua")(20)
    local clock = dofile(BENCH_ROOT .. "/Scripts/policies/clock.lua")()
    return function() return vm.simulate{ trace = trace, policy = clock, frames = 64 }.accesses end
  end,
}
