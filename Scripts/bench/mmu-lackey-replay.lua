-- Issue 5: the real `ls /` lackey trace (Tests/Fixtures) replayed through a two-level TLB
-- (64-entry L1, 1536-entry L2), parsing included: compare with lackey-parse.
return {
  name = "mmu-lackey-replay", unit = "accesses",
  description = "parse the real ls / lackey trace (2 M lines) and replay it through a 2-level TLB",
  setup = function()
    local text = dofile(BENCH_ROOT .. "/Scripts/bench/lib/lackey-text.lua")
    local m = vm.machine{ memory = "256 MiB", pwc = { entries = 32 },
      tlb = { { name = "L1", entries = 64, ways = 4 }, { name = "L2", entries = 1536, ways = 12 } } }
    local s = m:address_space()
    local mapped = {}
    for _, address in vm.trace.lackey(text):each() do
      local page = address & ~0xfff
      if not mapped[page] then
        s:map(page, "alloc", { u = true, w = true, x = true })
        mapped[page] = true
      end
    end
    local cpu = m.cpus[1]
    cpu:switch(s)
    return function()
      local r = m:run(cpu, vm.trace.lackey(text))
      assert(r.faults == 0)
      return r.accesses
    end
  end,
}
