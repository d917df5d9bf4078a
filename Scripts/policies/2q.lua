-- 2Q (Johnson & Shasha) written in Lua: the twin of the built-in {name = "2q", kin = , kout = }.
--   local twoq = dofile("Scripts/policies/2q.lua"){ kin = 16, kout = 32 }   -- defaults: frames/4, frames/2
-- A1in: FIFO of pages seen once; Am: LRU of pages seen again; A1out: ghost FIFO of pages
-- evicted from A1in. Each resident slot carries its queue and a time stamp (load time in
-- A1in, last use in Am), so "oldest" is the smallest stamp. Needs on_access (Am is an LRU).
local function oldest(self, ctx, queue)
  local best, stamp = nil, nil
  for slot, q in pairs(self.queue) do
    if q == queue and not ctx:pinned(slot) and (best == nil or self.stamp[slot] < stamp) then
      best, stamp = slot, self.stamp[slot]
    end
  end
  return best
end

-- A1out: page -> sequence number; the oldest ghost has the smallest number.
local function remember(self, page)
  if self.ghosts == self.kout then
    local oldestPage, seq = nil, nil
    for p, s in pairs(self.ghost) do
      if seq == nil or s < seq then oldestPage, seq = p, s end
    end
    self.ghost[oldestPage] = nil
    self.ghosts = self.ghosts - 1
  end
  self.seq = self.seq + 1
  self.ghost[page] = self.seq
  self.ghosts = self.ghosts + 1
end

return function(options)
  options = options or {}
  return vm.policy{
    name = "2q-lua",
    init = function(self, ctx)
      self.kin = math.max(1, options.kin or ctx.count // 4)
      self.kout = math.max(1, options.kout or ctx.count // 2)
      self.queue, self.stamp, self.inA1in = {}, {}, 0
      self.ghost, self.ghosts, self.seq = {}, 0, 0
    end,
    on_fault = function(self, ctx, slot, page)
      if self.ghost[page] then
        self.ghost[page] = nil
        self.ghosts = self.ghosts - 1
        self.queue[slot] = "am"
      else
        self.queue[slot] = "in"
        self.inA1in = self.inA1in + 1
      end
      self.stamp[slot] = ctx.now
    end,
    on_access = function(self, ctx, slot)
      if self.queue[slot] == "am" then self.stamp[slot] = ctx.now end
    end,
    on_evict = function(self, ctx, slot)
      if self.queue[slot] == "in" then self.inA1in = self.inA1in - 1 end
      self.queue[slot] = nil
    end,
    victim = function(self, ctx)
      local fromAm = oldest(self, ctx, "am")
      if self.inA1in > self.kin or fromAm == nil then
        local slot = oldest(self, ctx, "in")
        if slot then
          remember(self, ctx:page(slot))
          return slot
        end
      end
      return fromAm
    end,
  }
end
