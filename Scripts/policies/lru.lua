-- LRU written in Lua: the twin of the built-in "lru", fault for fault. It declares on_access,
-- so every access crosses into Lua (exact recency costs speed).
--   local lru = dofile("Scripts/policies/lru.lua")()
-- Each slot's stamp is the time of its last use (ctx.now); the victim is the unpinned slot
-- with the smallest stamp.
return function()
  return vm.policy{
    name = "lru-lua",
    init = function(self, ctx) self.stamp = {} end,
    on_fault = function(self, ctx, slot) self.stamp[slot] = ctx.now end,
    on_access = function(self, ctx, slot) self.stamp[slot] = ctx.now end,
    victim = function(self, ctx)
      local stamp, best, oldest = self.stamp, nil, nil
      for slot = 0, ctx.count - 1 do
        local s = stamp[slot]
        if s and (best == nil or s < oldest) and not ctx:pinned(slot) then best, oldest = slot, s end
      end
      return best
    end,
    on_evict = function(self, ctx, slot) self.stamp[slot] = nil end,
  }
end
