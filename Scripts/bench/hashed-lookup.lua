-- Issue 11: hashed (PowerPC) page-table lookups (primary/secondary groups of 8) on walk-random-1g's workload.
return {
  name = "hashed-lookup", unit = "translations",
  description = "hashed-table searches of random addresses in a 1 GiB x86_64 space, no TLB (next to walk-random-1g)",
  setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/table-lookup.lua")("hashed") end,
}
