-- Issue 11: inverted page-table lookups (hash anchor table + chains) on walk-random-1g's workload.
return {
  name = "inverted-lookup", unit = "translations",
  description = "inverted-table searches of random addresses in a 1 GiB x86_64 space, no TLB (next to walk-random-1g)",
  setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/table-lookup.lua")("inverted") end,
}
