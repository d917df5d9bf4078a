-- Issue 7: LRU written in Lua with on_access (Scripts/policies/lru.lua): every access crosses
-- into Lua (target >= 3 M accesses/s).
return {
  name = "policy-lua-lru", unit = "accesses",
  description = "Scripts/policies/lru.lua (on_access), 64 frames, ls lackey page trace x5 (binary)",
  setup = function()
    local trace = dofile(BENCH_ROOT .. "/Scripts/bench/lib/policy-trace.lua")(5)
    local lru = dofile(BENCH_ROOT .. "/Scripts/policies/lru.lua")()
    return function() return vm.simulate{ trace = trace, policy = lru, frames = 64 }.accesses end
  end,
}
