-- Lab 11: virtualization — reference solution.
local M = {}

function M.walk_order(n, m)
  local order = {}
  for g = 0, n do
    -- The guest-physical address of the guest entry (or of the data, g = n) goes through the EPT…
    for h = 0, m - 1 do order[#order + 1] = "ept " .. g .. "/" .. h end
    -- …then the guest entry itself is read at its host-physical address.
    if g < n then order[#order + 1] = "guest " .. g end
  end
  return order
end

-- Levels a walk skips for a page of `bytes` with 512-entry tables: 0 for 4 KiB, 1 for 2 MiB, 2 for 1 GiB.
local function skipped(bytes)
  local k, size = 0, 4096
  while size < bytes do size = size * 512; k = k + 1 end
  return k
end

function M.walk_refs(n, m, guest_page, ept_page)
  local g = n - skipped(guest_page)     -- guest entries read
  local e = m - skipped(ept_page)       -- entries of one EPT walk
  return g + (g + 1) * e                -- each guest entry and the data page need an EPT walk
end

function M.mode_cycles(pages, accesses, mem_ref, exit_cycles)
  local ept_violations = 4 + pages                   -- root, PDPT, PD, PT, then each data page: first touch
  local nested = accesses * 24 * mem_ref + ept_violations * exit_cycles   -- every miss: 4 guest + 5 × 4 EPT references
  local pte_writes = pages + 3                       -- 3 new tables for the first page, then 1 leaf each
  local hidden_faults = pages                        -- the shadow is empty: each page's first miss
  local shadow = accesses * 4 * mem_ref + (pte_writes + hidden_faults + ept_violations) * exit_cycles
  return { nested = nested, shadow = shadow }
end

return M
