-- Issue 5: random accesses over 1 GiB mapped with 4 KiB pages through TLBs and page-walk
-- caches: mostly TLB misses, walks shortened by the PWC (target >= 15 M accesses/s).
return {
  name = "mmu-random-1g", unit = "accesses",
  description = "uniform random pages of a 1 GiB space through the default TLBs + PWC, x86_64",
  setup = function()
    local m = vm.machine{ memory = "2 GiB" }
    local s = m:address_space()
    s:map_range(0, 0, vm.size("1 GiB"), { u = true, w = true })
    local cpu = m.cpus[1]
    cpu:switch(s)
    local trace = vm.trace.uniform{ pages = 262144, n = 4000000, seed = 1 }
    return function()
      trace:rewind()
      local r = m:run(cpu, trace)
      assert(r.faults == 0)
      return r.accesses
    end
  end,
}
