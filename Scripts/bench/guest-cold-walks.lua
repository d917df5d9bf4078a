-- Issue 9: cold two-dimensional walks per second (every access misses the guest TLB, the guest
-- page-walk caches and the nested page-walk cache: 24 references each, x86_64 on x86_64).
return {
  name = "guest-cold-walks", unit = "walks",
  description = "random pages of a 1 GiB guest mapping, guest CPU with 1-entry TLB, no PWC, no nested PWC: 24-reference walks",
  setup = function()
    local m = vm.machine{ memory = "2 GiB" }
    local g = m:guest{ memory = "1 GiB", nested_pwc = 0, tlb = { { name = "L1", entries = 1, ways = 1 } }, pwc = false }
    local s = g.machine:address_space()
    local pages = 4096
    -- One page per 2 MiB region (a fresh guest PT each), 1 GiB apart in the guest PML4 slot.
    for i = 0, pages - 1 do s:map(i * 0x200000, "alloc", { u = true, w = true }) end
    local cpu = g.machine.cpus[1]
    cpu:switch(s)
    local trace = vm.trace.uniform{ pages = pages, page_size = 0x200000, n = 1000000, seed = 3 }
    return function()
      trace:rewind()
      local before = g.stats.references
      local r = g.machine:run(cpu, trace)
      assert(r.faults == 0 and g.stats.references - before == 24 * r.walks, "every walk reads 24 entries")
      return r.walks
    end
  end,
}
