-- Shared by inverted-lookup and hashed-lookup: walk-random-1g's workload (random translations
-- over 1 GiB mapped with 4 KiB pages in a 2 GiB machine, no TLB) on a machine whose page table
-- is `kind`. Prints once how many entries a lookup reads on average (radix: 4).
--   setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/table-lookup.lua")("inverted") end
return function(kind)
  local m = vm.machine{ memory = "2 GiB", paging = "x86_64", page_table = kind }
  local s = m:address_space()
  s:map_range(0, 0, vm.size("1 GiB"), { u = true, w = true })
  local trace = vm.trace.uniform{ pages = 262144, n = 4000000, seed = 1 }
  local first = true
  return function()
    trace:rewind()
    local r = s:run(trace)
    assert(r.faults == 0)
    if first then
      local t = m.stats.page_table
      print(string.format("%s: %.3f entries read per lookup, %.3f collisions, table %d KiB for %d frames",
        kind, r.refs / r.accesses, t.collisions / t.searches, t.table_bytes // 1024, m.frames))
      first = false
    end
    return r.accesses
  end
end
