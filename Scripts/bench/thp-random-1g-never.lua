-- Issue 11: the effect of transparent huge pages on the TLB miss rate — uniform random accesses
-- over 1 GiB of a process's memory with thp = "never" (compare thp-random-1g-always).
return {
  name = "thp-random-1g-never", unit = "accesses",
  description = "m:run of 4 M uniform random accesses over 1 GiB of a process, thp = \"never\"",
  setup = function() return dofile(BENCH_ROOT .. "/Scripts/bench/lib/thp-random.lua")("thp-random-1g-never", "never") end,
}
