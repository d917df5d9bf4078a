-- Clock (second chance) written in Lua: the twin of the built-in "clock", fault for fault.
-- Victim-only: it never sees hits; it reads and clears the R bits that every access sets.
--   local clock = dofile("Scripts/policies/clock.lua")()
--   vm.simulate{ trace = t, policy = clock, frames = 64 }
-- Rule: the hand starts at slot 0; at the hand, R = 1 -> clear R and advance; R = 0 -> that
-- frame is the victim and the hand stops one past it. Pinned frames are never victims.
return function()
  return vm.policy{
    name = "clock-lua",
    init = function(self, ctx) self.hand = 0 end,
    victim = function(self, ctx)
      -- One ctx call per step: clear_referenced tests and clears R (the common case);
      -- evictable (resident and not pinned) only for R = 0. A pinned frame may lose its R bit
      -- here; it is never a victim either way.
      local n, hand = ctx.count, self.hand
      local test_and_clear = ctx.clear_referenced
      for _ = 0, 2 * n do
        local slot = hand
        hand = hand + 1
        if hand == n then hand = 0 end
        if test_and_clear(ctx, slot) then
          -- R was 1: cleared, second chance
        elseif ctx:evictable(slot) then
          self.hand = hand
          return slot
        end
      end
      self.hand = hand
      return nil -- every frame pinned: vm.simulate reports it
    end,
  }
end
