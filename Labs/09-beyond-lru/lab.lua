-- Lab 09: beyond LRU — 2Q or ARC.        Check:  vmlab check Labs/09-beyond-lru
-- Fill in the TODOs. The README explains each function and both policies' rules.
local M = {}

-- The policy you implement: "2q" or "arc". The checker compares yours with that built-in.
M.choice = "2q"

-- Your policy as a vm.policy, evicting the same pages as the built-in twin, fault for fault.
-- For 2Q, options = { kin =, kout = } (either may be nil: then frames / 4 and frames / 2, at
-- least 1); ARC takes no options.
function M.make_policy(options)
  options = options or {}
  return vm.policy{
    name = "my-policy",
    victim = function(self, ctx, page)
      -- TODO: this is FIFO (the page loaded longest ago), a placeholder
      local best
      for slot = 0, ctx.count - 1 do
        if not ctx:pinned(slot) and (best == nil or ctx:loaded(slot) < ctx:loaded(best)) then best = slot end
      end
      return best
    end,
  }
end

-- A Zipf trace polluted by scans, as a list of page numbers: the pages (address >> 12) of
-- vm.trace.zipf{ pages = o.pages, alpha = o.alpha, n = o.n, seed = o.seed }, and after every
-- o.every-th of them, o.scan fresh pages o.base, o.base + 1, … (numbered on across scans, so
-- no scan page is ever used twice).
function M.scan_polluted(o)
  local out = {}
  for _, address in vm.trace.zipf{ pages = o.pages, alpha = o.alpha, n = o.n, seed = o.seed }:each() do
    out[#out + 1] = address >> 12
  end
  -- TODO: the scans
  return out
end

-- The race: { lru = hit rate, clock =, arc =, ["2q"] =, lirs =, s3fifo =, sieve =, mine = } on
-- trace (a vm.trace or a list of pages) with `frames` frames; "mine" is make_policy().
function M.race(trace, frames)
  -- TODO
  return { lru = 0 }
end

return M
