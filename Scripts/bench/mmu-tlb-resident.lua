-- Issue 5: a TLB-resident working set through the full MMU pipeline (target >= 100 M accesses/s).
return {
  name = "mmu-tlb-resident", unit = "accesses",
  description = "32 pages looped through the default TLB hierarchy (all L1d hits), x86_64",
  setup = function()
    local m = vm.machine{ memory = "64 MiB" }
    local s = m:address_space()
    for i = 0, 31 do s:map(i * 4096, "alloc", { u = true, w = true }) end
    local cpu = m.cpus[1]
    cpu:switch(s)
    local trace = vm.trace.loop{ pages = 32, working_set = 32, n = 20000000, writes = 0.2, seed = 1 }
    return function()
      trace:rewind()
      local r = m:run(cpu, trace)
      assert(r.faults == 0 and r.walks <= 64)
      return r.accesses
    end
  end,
}
