-- Issue 3: random 4-level translations over 1 GiB mapped with 4 KiB pages, no TLB (target >= 20 M/s).
return {
  name = "walk-random-1g", unit = "translations",
  description = "page walks of random addresses in a 1 GiB x86_64 space, no TLB",
  setup = function()
    local m = vm.machine{ memory = "2 GiB", paging = "x86_64" }
    local s = m:address_space()
    s:map_range(0, 0, vm.size("1 GiB"), { u = true, w = true })
    local trace = vm.trace.uniform{ pages = 262144, n = 4000000, seed = 1 }
    return function()
      trace:rewind()
      local r = s:run(trace)
      assert(r.faults == 0 and r.refs == 4 * r.accesses)
      return r.accesses
    end
  end,
}
