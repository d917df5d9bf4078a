-- Issue 7: kernel-swap-zipf-clock with Clock written in Lua (Scripts/policies/clock.lua, victim
-- only: Lua runs once per eviction, never per access).
return {
  name = "kernel-swap-zipf-lua-clock", unit = "accesses",
  description = "m:run of Zipf(1.0) over 4x RAM (16 MiB), 30 % writes, 128 MiB swap, Lua clock, 2 M accesses",
  setup = function()
    local clock = dofile(BENCH_ROOT .. "/Scripts/policies/clock.lua")()
    return dofile(BENCH_ROOT .. "/Scripts/bench/lib/swap-zipf.lua")("kernel-swap-zipf-lua-clock", clock)
  end,
}
