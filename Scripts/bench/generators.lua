-- Issue 4: seeded generators (target >= 100 M accesses/s).
return {
  name = "generators", unit = "accesses",
  description = "uniform, Zipf(0.9) and sequential generators, 10 M accesses each",
  setup = function()
    local traces = {
      vm.trace.uniform{ pages = 100000, n = 10000000, seed = 1, writes = 0.3 },
      vm.trace.zipf{ pages = 100000, n = 10000000, seed = 1, alpha = 0.9 },
      vm.trace.sequential{ pages = 100000, n = 10000000 },
    }
    return function()
      local total = 0
      for _, t in ipairs(traces) do t:rewind() total = total + t:count() end
      return total
    end
  end,
}
