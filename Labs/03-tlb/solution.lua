-- Lab 03 reference solution.
local M = {}
local K4 = 4096

local function sets(entries, ways)
  if ways == 0 then return 1 end
  return entries // ways
end

function M.set_of(va, entries, ways, page_size)
  page_size = page_size or K4
  return (va // page_size) % sets(entries, ways)
end

function M.conflict_addresses(va, entries, ways, n)
  local base = va - va % K4                       -- va's page
  local step = sets(entries, ways) * K4           -- the next page with the same VPN mod sets
  local list = {}
  for i = 0, n - 1 do list[#list + 1] = base + i * step end
  return list
end

function M.reach(entries, page_size)
  return entries * page_size
end

function M.stride_hit_rate(stride, count)
  local pages, last = 0, nil
  for i = 0, count - 1 do
    local page = (i * stride) // K4
    if page ~= last then pages = pages + 1; last = page end   -- addresses only grow
  end
  return 1 - pages / count                        -- every new page misses once
end

function M.predict_misses(pages, entries, rounds)
  if pages <= entries then return pages end       -- cold misses only
  return pages * rounds                           -- LRU evicts each page just before its reuse
end

function M.amat(hit_rate, costs, levels)
  return costs.tlb_hit + (1 - hit_rate) * levels * costs.memory_reference
end

return M
