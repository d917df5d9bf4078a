-- The full machine under memory pressure, shared by the kernel-swap-zipf-* benchmarks: a process
-- replays (m:run) Zipf(1.0) over 4x RAM — 16 MiB of RAM, 16,384 pages, 30 % writes — with a
-- 128 MiB swap device and `policy`; 2 M accesses a run. Warms up once and prints the faults and
-- swap traffic of that run.
--   setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/swap-zipf.lua")(name, policy) end
return function(name, policy)
  local m = vm.machine{ memory = "16 MiB", swap = "128 MiB", policy = policy }
  local p = m:spawn("zipf")
  local pages = 4 * m.frames
  local base = assert(p:mmap{ size = pages * 4096, prot = "rw-" })
  local n = 2000000
  local trace = vm.trace.zipf{ pages = pages, n = n, alpha = 1.0, seed = 1, writes = 0.3, base = base }
  m:run(p, trace)
  local s = m.stats.swap
  io.stderr:write(string.format("%s: %d faults (%d major), %d swap-outs (%d written) per %d accesses\n", name,
    p.stats.minor_faults + p.stats.major_faults, p.stats.major_faults, s.swap_outs, s.writebacks, n))
  return function()
    trace:rewind()
    return m:run(p, trace).accesses
  end
end
