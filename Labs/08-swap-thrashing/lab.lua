-- Lab 08: swap and thrashing.        Check:  vmlab check Labs/08-swap-thrashing
-- Fill in the TODOs. The README explains each function and the machines the checker uses.
local M = {}

-- The swap traffic of a script on the README's machine (4 frames for data, FIFO eviction, one
-- page evicted per fault once they are full). script = { {"r", 0}, {"w", 1}, … }: read or write
-- page n. Returns { swap_outs =, writebacks =, clean_drops =, swap_ins = }, worked out by hand
-- (no vm calls): an evicted page is written when swap holds no good copy of it.
function M.predict_writebacks(script)
  -- TODO
  return { swap_outs = 0, writebacks = 0, clean_drops = 0, swap_ins = 0 }
end

-- Page-fault frequency on the same machine: the faults (of every kind) per access over the last
-- `window` steps of the script (all of them if there are fewer), by hand, like p:pff(window).
function M.pff(script, window)
  -- TODO
  return 0.0
end

-- Denning's working set W(t, tau): the distinct pages among the last tau references up to and
-- including refs[t], as a sorted list.
function M.working_set(refs, t, tau)
  -- TODO: this is only the page referenced at t
  return { refs[t] }
end

-- The smallest number of pages k for which a loop over k pages (vm.trace.loop{ pages = k,
-- n = 2000, base = 0x10000000 }, replayed with m:run(p, trace, { map = true })) on a fresh
-- vm.machine{ memory = config.memory, swap = { size = "1 MiB" }, policy = config.policy,
-- watermarks = config.watermarks } ends with m.stats.swap.fault_rate >= 0.5.
function M.thrashing_point(config)
  -- TODO: measure; this guesses "every frame holds a page of the loop"
  return vm.size(config.memory) // 4096 + 1
end

-- frames = { {page =, r = true|false, m = true|false}, … } in slot order. The (R, M) class of
-- each frame: 0 = (0,0), 1 = (0,1), 2 = (1,0), 3 = (1,1).
function M.enhanced_clock_classes(frames)
  -- TODO
  local classes = {}
  for i in ipairs(frames) do classes[i] = 0 end
  return classes
end

-- The built-in "nru" (enhanced clock) decision: the hand is at position `hand` (1 … #frames).
-- Returns the position of the victim and the list of positions whose R bit it cleared, in the
-- order it cleared them.
function M.enhanced_clock_victim(frames, hand)
  -- TODO: this is plain Clock, which ignores M
  local cleared = {}
  for step = 0, 2 * #frames - 1 do
    local i = (hand - 1 + step) % #frames + 1
    if not frames[i].r then return i, cleared end
    if step < #frames then cleared[#cleared + 1] = i end
  end
  return hand, cleared
end

-- Replays `trace` (a vm.trace: rewind it first) on two fresh machines, vm.machine{ memory =
-- memory, swap = { size = "1 MiB" }, policy = "clock" } and the same with policy = "nru", each
-- with one process and m:run(p, trace, { map = true }). Returns { clock = {…}, nru = {…} }, each
-- { swap_ins =, writebacks =, clean_drops = } from m.stats.swap and cycles = m.stats.cycles.
function M.clock_vs_nru(trace, memory)
  -- TODO
  return { clock = {}, nru = {} }
end

return M
