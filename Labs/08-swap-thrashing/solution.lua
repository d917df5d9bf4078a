-- Lab 08 reference solution.
local M = {}

-- The README's machine has 4 frames for data and evicts in FIFO order (load order), one page when
-- a fault needs a frame and none is free. A page needs writing when swap holds no valid copy of
-- it: it was never swapped out, or it was written since it was last read back. Returns the
-- counters and, for each step, whether it faulted.
local function replay(script)
  local FRAMES = 4
  local queue, dirty, in_swap = {}, {}, {}      -- load order; page -> written since loaded; page -> swap copy good
  local out, faulted = { swap_outs = 0, writebacks = 0, clean_drops = 0, swap_ins = 0 }, {}
  for i, step in ipairs(script) do
    local op, page = step[1], step[2]
    faulted[i] = false
    if dirty[page] == nil then                  -- not in memory: demand zero or swap-in
      faulted[i] = true
      if #queue == FRAMES then
        local victim = table.remove(queue, 1)
        out.swap_outs = out.swap_outs + 1
        if dirty[victim] or not in_swap[victim] then
          out.writebacks = out.writebacks + 1
        else
          out.clean_drops = out.clean_drops + 1
        end
        in_swap[victim] = true
        dirty[victim] = nil
      end
      if in_swap[page] then out.swap_ins = out.swap_ins + 1 end
      queue[#queue + 1] = page
      dirty[page] = false
    elseif op == "w" and in_swap[page] then     -- read back, mapped read-only: a minor write fault
      faulted[i] = true
    end
    if op == "w" then
      dirty[page] = true                        -- the swap copy (if any) is stale from now on
      in_swap[page] = false
    end
  end
  return out, faulted
end

function M.predict_writebacks(script)
  return (replay(script))
end

-- Faults per access over the last `window` steps (all of them if there are fewer).
function M.pff(script, window)
  local _, faulted = replay(script)
  local first, faults = math.max(1, #script - window + 1), 0
  for i = first, #script do if faulted[i] then faults = faults + 1 end end
  return faults / (#script - first + 1)
end

-- Denning's W(t, tau): the distinct pages among refs[t - tau + 1 .. t], sorted.
function M.working_set(refs, t, tau)
  local seen, list = {}, {}
  for i = math.max(1, t - tau + 1), t do
    if not seen[refs[i]] then
      seen[refs[i]] = true
      list[#list + 1] = refs[i]
    end
  end
  table.sort(list)
  return list
end

-- The fault rate of a loop over k pages on a fresh machine, as the README defines it.
local function loop_fault_rate(config, k)
  local m = vm.machine{ memory = config.memory, swap = { size = "1 MiB" }, policy = config.policy,
                        watermarks = config.watermarks }
  local p = m:spawn("loop")
  m:run(p, vm.trace.loop{ pages = k, n = 2000, base = 0x10000000 }, { map = true })
  return m.stats.swap.fault_rate
end

-- The smallest k with a fault rate of at least 0.5: a binary search, since the curve is a step.
function M.thrashing_point(config)
  local lo, hi = 1, vm.size(config.memory) // 4096     -- rate(lo - 1) < 0.5 <= rate(hi)
  while lo < hi do
    local mid = (lo + hi) // 2
    if loop_fault_rate(config, mid) >= 0.5 then hi = mid else lo = mid + 1 end
  end
  return lo
end

function M.enhanced_clock_classes(frames)
  local classes = {}
  for i, f in ipairs(frames) do classes[i] = (f.r and 2 or 0) + (f.m and 1 or 0) end
  return classes
end

-- Lap 1 from the hand: the first (0,0), changing nothing. Lap 2: the first (0,1), clearing R of
-- every frame passed. Then both laps again (every R is 0 by now).
function M.enhanced_clock_victim(frames, hand)
  local n, cleared = #frames, {}
  local r = {}
  for i, f in ipairs(frames) do r[i] = f.r end
  for round = 0, 3 do
    local want_dirty = round % 2 == 1
    for step = 0, n - 1 do
      local i = (hand - 1 + step) % n + 1
      if not r[i] and (frames[i].m and true or false) == want_dirty then return i, cleared end
      if want_dirty and r[i] then
        r[i] = false
        cleared[#cleared + 1] = i
      end
    end
  end
end

function M.clock_vs_nru(trace, memory)
  local result = {}
  for _, policy in ipairs({ "clock", "nru" }) do
    local m = vm.machine{ memory = memory, swap = { size = "1 MiB" }, policy = policy }
    local p = m:spawn("writer")
    trace:rewind()
    m:run(p, trace, { map = true })
    local s = m.stats.swap
    result[policy] = { swap_ins = s.swap_ins, writebacks = s.writebacks, clean_drops = s.clean_drops, cycles = m.stats.cycles }
  end
  return result
end

return M
