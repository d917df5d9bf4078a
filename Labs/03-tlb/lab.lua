-- Lab 03: the TLB.        Check:  vmlab check Labs/03-tlb
-- Fill in the TODOs. The README explains each function.
local M = {}
local K4 = 4096

-- The set of the TLB that holds the page of va: the page's number (VPN = va / page_size) mod the
-- number of sets (entries / ways). ways = 0 means fully associative (one set).
function M.set_of(va, entries, ways, page_size)
  page_size = page_size or K4
  -- TODO
  return 0
end

-- n distinct 4 KiB-page addresses, the first in va's page, that all fall in the same set as va
-- in a TLB of `entries` entries and `ways` ways.
function M.conflict_addresses(va, entries, ways, n)
  -- TODO
  local list = {}
  for i = 0, n - 1 do list[#list + 1] = va + i * K4 end
  return list
end

-- TLB reach: how many bytes of memory the TLB can translate without a miss.
function M.reach(entries, page_size)
  -- TODO
  return 0
end

-- One pass of `count` reads at base, base + stride, base + 2 × stride, … (base page-aligned,
-- 4 KiB pages, a cold TLB). The TLB hit rate (hits / accesses) of that pass.
function M.stride_hit_rate(stride, count)
  -- TODO
  return 1.0
end

-- A loop over `pages` distinct pages, repeated `rounds` times, on a cold fully-associative TLB
-- of `entries` entries with LRU replacement. How many accesses miss?
function M.predict_misses(pages, entries, rounds)
  -- TODO
  return 0
end

-- Average cycles per translation for a one-level TLB with the given hit rate, when a hit costs
-- costs.tlb_hit cycles and a miss costs the lookup plus a walk of `levels` memory references of
-- costs.memory_reference cycles each.
function M.amat(hit_rate, costs, levels)
  -- TODO
  return costs.tlb_hit
end

return M
