-- Lab 07 reference solution.
local M = {}

-- Shared by the three by-hand policies: replays refs in `frames` frames; choose(resident, i)
-- returns the resident page to evict at access i. `resident` maps page -> {loaded=, used=}.
local function count_faults(refs, frames, choose)
  local resident, count, faults = {}, 0, 0
  for i, p in ipairs(refs) do
    if resident[p] then
      resident[p].used = i
    else
      faults = faults + 1
      if count == frames then
        resident[choose(resident, i)] = nil
      else
        count = count + 1
      end
      resident[p] = { loaded = i, used = i }
    end
  end
  return faults
end

-- The resident page with the smallest key(page, info).
local function smallest(resident, key)
  local best, best_key
  for p, info in pairs(resident) do
    local k = key(p, info)
    if best == nil or k < best_key then best, best_key = p, k end
  end
  return best
end

function M.fifo_faults(refs, frames)
  return count_faults(refs, frames, function(resident)
    return smallest(resident, function(_, info) return info.loaded end)
  end)
end

function M.lru_faults(refs, frames)
  return count_faults(refs, frames, function(resident)
    return smallest(resident, function(_, info) return info.used end)
  end)
end

function M.opt_faults(refs, frames)
  return count_faults(refs, frames, function(resident, now)
    return smallest(resident, function(p)
      for j = now + 1, #refs do
        if refs[j] == p then return -j end            -- the farthest next use is the "smallest"
      end
      return -math.huge                               -- never used again: evict it first
    end)
  end)
end

-- Clock: one hand over the slots; R = 1 -> clear it, move on; R = 0 -> the victim, and the hand
-- stops one past it. Pinned frames are passed over.
function M.clock_policy()
  return vm.policy{
    name = "student-clock",
    init = function(self) self.hand = 0 end,
    victim = function(self, ctx)
      for _ = 1, 2 * ctx.count + 1 do
        local slot = self.hand
        self.hand = (slot + 1) % ctx.count
        if not ctx:pinned(slot) then
          if not ctx:referenced(slot) then return slot end
          ctx:clear_referenced(slot)
        end
      end
      return nil                                      -- every frame pinned
    end,
  }
end

-- The frame counts n in 2..max where `policy` faults more with n frames than with n - 1.
function M.anomalies(refs, policy, max)
  local curve = vm.simulate{ trace = refs, policy = policy, frames = { from = 1, to = max } }
  local list = {}
  for i = 2, #curve.points do
    if curve.points[i].misses > curve.points[i - 1].misses then list[#list + 1] = curve.points[i].frames end
  end
  return list
end

-- Belady's string is the case n = 3 of a family: pages 1..n+1, then 1..n-1, a new page n+2,
-- then 1..n+2. FIFO faults once more with n + 1 frames than with n. Here n = 4 (11 -> 12 faults).
function M.belady_string()
  local n, refs = 4, {}
  for p = 1, n + 1 do refs[#refs + 1] = p end
  for p = 1, n - 1 do refs[#refs + 1] = p end
  refs[#refs + 1] = n + 2
  for p = 1, n + 2 do refs[#refs + 1] = p end
  return refs
end

-- Faults vs frames (1..max) for each policy, anomalies marked.
function M.plot_faults(refs, policies, max)
  local series, marks = {}, {}
  for _, policy in ipairs(policies) do
    local curve = vm.simulate{ trace = refs, policy = policy, frames = { from = 1, to = max } }
    local points = {}
    for _, p in ipairs(curve.points) do points[#points + 1] = { p.frames, p.misses } end
    series[#series + 1] = { name = policy, points = points }
    for _, a in ipairs(curve.anomalies) do
      marks[#marks + 1] = { x = a.frames, y = a.misses, label = policy .. ": Belady" }
    end
  end
  return vm.plot{ title = "Faults vs frames", x = "frames", y = "faults", series = series, marks = marks }
end

return M
