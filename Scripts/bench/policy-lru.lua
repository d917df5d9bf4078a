-- Issue 7: built-in LRU on the ls lackey trace (x20, binary), 64 frames (target >= 40 M accesses/s).
return {
  name = "policy-lru", unit = "accesses",
  description = "built-in lru, 64 frames, ls lackey page trace x20 (binary)",
  setup = function()
    local trace = dofile(BENCH_ROOT .. "/Scripts/bench/lib/policy-trace.lua")(20)
    return function() return vm.simulate{ trace = trace, policy = "lru", frames = 64 }.accesses end
  end,
}
