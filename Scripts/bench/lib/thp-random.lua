-- Random accesses over 1 GiB of a process's anonymous memory, with transparent huge pages
-- `thp` ("never" or "always"), shared by the thp-random-1g-* benchmarks: 4 M uniform accesses a
-- run through the default TLBs (L1d 64 entries for 4 KiB pages, L1dH 32 for 2 MiB, L2 1536 for
-- both) and the page-walk cache. Populates once and prints the TLB miss rate (walks per access)
-- of a warm run.
--   setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/thp-random.lua")(name, thp) end
return function(name, thp)
  local m = vm.machine{ memory = "2 GiB", thp = thp }
  local p = m:spawn("random")
  local size = vm.size("1 GiB")
  local base = assert(p:mmap{ addr = 0x40000000, size = size, flags = { "fixed", "populate" } })
  local pages = size // 4096
  local trace = vm.trace.uniform{ pages = pages, n = 4000000, seed = 1, base = base }
  m:run(p, trace)
  m:reset_stats()
  trace:rewind()
  local r = m:run(p, trace)
  assert(r.minor_faults + r.major_faults == 0)
  local tlb = m.stats.tlb
  local function rate(level) return tlb[level] and tlb[level].hit_rate or 0 end
  io.stderr:write(string.format("%s: %d huge pages, TLB miss rate %.6f (walks per access), hit rates L1d %.4f L1dH %.4f L2 %.4f\n",
    name, p.stats.anon_huge_pages // (2 * 1024 * 1024), m.stats.walks / r.accesses, rate("L1d"), rate("L1dH"), rate("L2")))
  return function()
    trace:rewind()
    return m:run(p, trace).accesses
  end
end
