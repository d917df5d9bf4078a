-- Issue 7: the full machine under memory pressure (Scripts/bench/lib/swap-zipf.lua: Zipf over
-- 4x RAM, swap) with the built-in Clock (target >= 10 M accesses/s).
return {
  name = "kernel-swap-zipf-clock", unit = "accesses",
  description = "m:run of Zipf(1.0) over 4x RAM (16 MiB), 30 % writes, 128 MiB swap, built-in clock, 2 M accesses",
  setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/swap-zipf.lua")("kernel-swap-zipf-clock", "clock") end,
}
