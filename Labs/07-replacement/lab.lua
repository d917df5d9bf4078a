-- Lab 07: replacement policies.        Check:  vmlab check Labs/07-replacement
-- Fill in the TODOs. The README explains each function. A reference string is a list of page
-- numbers, e.g. {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5}; frames start empty.
local M = {}

-- How many page faults FIFO takes on refs with `frames` frames (by hand: no vm.simulate here).
function M.fifo_faults(refs, frames)
  -- TODO
  return 0
end

-- The same for LRU: evict the page whose last use is oldest.
function M.lru_faults(refs, frames)
  -- TODO
  return 0
end

-- The same for OPT (Belady): evict the page whose next use is farthest in the future.
function M.opt_faults(refs, frames)
  -- TODO
  return 0
end

-- Clock (second chance) as a vm.policy (or a function that returns one), evicting the same pages
-- as the built-in "clock": the hand starts at slot 0; at the hand, R = 1 -> clear R and advance,
-- R = 0 -> that frame is the victim and the hand stops one past it. Skip pinned frames.
function M.clock_policy()
  return vm.policy{
    name = "my-clock",
    victim = function(self, ctx, page)
      -- TODO: this always evicts slot 0
      return 0
    end,
  }
end

-- The frame counts n (2 <= n <= max) at which `policy` ("fifo", "lru", …) faults more on refs
-- with n frames than with n - 1, in increasing order. vm.simulate with frames = {from =, to =}
-- gives the whole curve.
function M.anomalies(refs, policy, max)
  -- TODO
  return {}
end

-- A reference string of your own on which FIFO shows Belady's anomaly — not Belady's string
-- 1,2,3,4,1,2,5,1,2,3,4,5, nor the same with the pages renamed.
function M.belady_string()
  -- TODO
  return { 1, 2, 3 }
end

-- An SVG chart (vm.plot) of faults vs frames, 1 to max, one line per policy in `policies`
-- (in that order), with the anomalies marked.
function M.plot_faults(refs, policies, max)
  -- TODO
  return vm.plot{ x = "frames", y = "faults", series = { { name = "nothing yet", points = { { 1, 0 } } } } }
end

return M
