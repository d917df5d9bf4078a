-- ARC (Megiddo & Modha) written in Lua: the twin of the built-in "arc", fault for fault.
--   local arc = dofile("Scripts/policies/arc.lua")()
-- T1/T2: resident pages seen once / at least twice, each an LRU (a slot's stamp is its last
-- use; the LRU page has the smallest). B1/B2: ghost lists of page ids (page -> sequence
-- number; the oldest has the smallest). p: the adaptive target size of T1. Needs on_access.
local function lru(self, ctx, list)
  local best, stamp = nil, nil
  for slot, l in pairs(self.list) do
    if l == list and not ctx:pinned(slot) and (best == nil or self.stamp[slot] < stamp) then
      best, stamp = slot, self.stamp[slot]
    end
  end
  return best
end

local function dropOldest(ghost)
  local page, seq = nil, nil
  for p, s in pairs(ghost.pages) do
    if seq == nil or s < seq then page, seq = p, s end
  end
  if page ~= nil then
    ghost.pages[page] = nil
    ghost.count = ghost.count - 1
  end
end

local function push(self, ghost, page)
  if ghost.count == ghost.limit then dropOldest(ghost) end
  self.seq = self.seq + 1
  ghost.pages[page] = self.seq
  ghost.count = ghost.count + 1
end

local function forget(ghost, page)
  if ghost.pages[page] then
    ghost.pages[page] = nil
    ghost.count = ghost.count - 1
  end
end

-- REPLACE: evict T1's LRU page into B1, or T2's into B2.
local function replace(self, ctx, x)
  local t1 = self.size[1]
  local preferT1 = t1 >= 1 and (t1 > self.p or (self.b2.pages[x] ~= nil and t1 == self.p))
  local fromT1, fromT2 = lru(self, ctx, 1), lru(self, ctx, 2)
  if (preferT1 or fromT2 == nil) and fromT1 ~= nil then
    push(self, self.b1, ctx:page(fromT1))
    return fromT1
  end
  if fromT2 == nil then return nil end
  push(self, self.b2, ctx:page(fromT2))
  return fromT2
end

-- The paper's cases II-IV for a miss on x; returns the slot to evict when full.
local function miss(self, ctx, x, full)
  local c, b1, b2 = ctx.count, self.b1, self.b2
  local t1, t2 = self.size[1], self.size[2]
  if b1.pages[x] then
    self.p = math.min(c, self.p + math.max(1, b2.count // math.max(1, b1.count)))
    return full and replace(self, ctx, x) or nil
  end
  if b2.pages[x] then
    self.p = math.max(0, self.p - math.max(1, b1.count // math.max(1, b2.count)))
    return full and replace(self, ctx, x) or nil
  end
  if t1 + b1.count >= c then
    if t1 < c then
      dropOldest(b1)
      return full and replace(self, ctx, x) or nil
    end
    local slot = lru(self, ctx, 1)
    if full and slot ~= nil then return slot end
    return full and replace(self, ctx, x) or nil
  end
  if t1 + t2 + b1.count + b2.count >= c and t1 + t2 + b1.count + b2.count >= 2 * c then
    dropOldest(b2)
  end
  return full and replace(self, ctx, x) or nil
end

return function()
  return vm.policy{
    name = "arc-lua",
    init = function(self, ctx)
      self.p, self.seq = 0, 0
      self.list, self.stamp, self.size = {}, {}, { 0, 0 }
      self.b1 = { pages = {}, count = 0, limit = ctx.count }
      self.b2 = { pages = {}, count = 0, limit = 2 * ctx.count }
      self.replacedFor = nil
    end,
    victim = function(self, ctx, page)
      self.replacedFor = page
      return miss(self, ctx, page, true)
    end,
    on_fault = function(self, ctx, slot, x)
      if self.replacedFor ~= x then miss(self, ctx, x, false) end
      self.replacedFor = nil
      local list = 1
      if self.b1.pages[x] or self.b2.pages[x] then
        forget(self.b1, x)
        forget(self.b2, x)
        list = 2
      end
      self.list[slot] = list
      self.size[list] = self.size[list] + 1
      self.stamp[slot] = ctx.now
    end,
    on_access = function(self, ctx, slot)
      local list = self.list[slot]
      self.size[list] = self.size[list] - 1
      self.size[2] = self.size[2] + 1
      self.list[slot] = 2
      self.stamp[slot] = ctx.now
    end,
    on_evict = function(self, ctx, slot)
      local list = self.list[slot]
      self.size[list] = self.size[list] - 1
      self.list[slot] = nil
    end,
  }
end
