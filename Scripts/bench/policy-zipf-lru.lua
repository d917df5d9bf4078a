-- Issue 7: built-in LRU, Zipf(1.0) over 1 M pages, 100 K frames (target >= 8 M accesses/s).
return {
  name = "policy-zipf-lru", unit = "accesses",
  description = "built-in lru, 100 K frames, Zipf(1.0) over 1 M pages, 10 M accesses",
  setup = function()
    local trace = vm.trace.zipf{ pages = 1000000, n = 10000000, alpha = 1.0, seed = 1, writes = 0.3 }
    return function() return vm.simulate{ trace = trace, policy = "lru", frames = 100000 }.accesses end
  end,
}
