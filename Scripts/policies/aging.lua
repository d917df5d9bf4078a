-- Aging written in Lua: the twin of the built-in {name = "aging", bits = , tick = }.
--   local aging = dofile("Scripts/policies/aging.lua"){ bits = 8, tick = 1000 }
-- Rule: every `tick` accesses each resident page's counter shifts right and its R bit enters
-- at the top, then R is cleared; a new page starts at 0. The victim has the smallest
-- R * 2^bits + counter; ties go to the lowest slot.
return function(options)
  options = options or {}
  local bits = options.bits or 8
  local top, referencedKey = 1 << (bits - 1), 1 << bits
  return vm.policy{
    name = "aging-lua",
    tick = options.tick or 1000,
    init = function(self, ctx) self.counter = {} end,
    on_fault = function(self, ctx, slot) self.counter[slot] = 0 end,
    on_tick = function(self, ctx)
      local counter = self.counter
      for slot, _, referenced in ctx:frames() do
        if referenced then
          counter[slot] = (counter[slot] >> 1) | top
          ctx:clear_referenced(slot)
        else
          counter[slot] = counter[slot] >> 1
        end
      end
    end,
    victim = function(self, ctx)
      local counter, best, bestKey = self.counter, nil, nil
      for slot = 0, ctx.count - 1 do
        if ctx:evictable(slot) then
          local key = (ctx:referenced(slot) and referencedKey or 0) | counter[slot]
          if best == nil or key < bestKey then best, bestKey = slot, key end
        end
      end
      return best
    end,
  }
end
