-- Issue 9: guest accesses through the full nested MMU on a TLB-friendly workload (target >= 20 M accesses/s).
return {
  name = "guest-tlb-resident", unit = "accesses",
  description = "32 guest pages looped through a guest CPU's TLBs (nested MMU: 2-D walks on misses), x86_64 on x86_64",
  setup = function()
    local m = vm.machine{ memory = "64 MiB" }
    local g = m:guest{ memory = "32 MiB" }
    local s = g.machine:address_space()
    for i = 0, 31 do s:map(i * 4096, "alloc", { u = true, w = true }) end
    local cpu = g.machine.cpus[1]
    cpu:switch(s)
    local trace = vm.trace.loop{ pages = 32, working_set = 32, n = 20000000, writes = 0.2, seed = 1 }
    return function()
      trace:rewind()
      local r = g.machine:run(cpu, trace)
      assert(r.faults == 0 and r.walks <= 64)
      return r.accesses
    end
  end,
}
