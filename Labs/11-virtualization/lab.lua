-- Lab 11: virtualization.        Check:  vmlab check Labs/11-virtualization
-- Fill in the TODOs. The README explains each function.
local M = {}

-- The references of a cold nested walk of an n-level guest on an m-level EPT, in hardware order:
-- a list of strings, "ept G/H" for the EPT entry of host level H read while serving guest level
-- G, and "guest G" for the guest's own entry of level G. Levels start at 0 (the root); the data
-- page is served as guest level n.
function M.walk_order(n, m)
  -- TODO
  local order = {}
  for g = 0, n - 1 do order[#order + 1] = "guest " .. g end
  return order
end

-- The references of a cold nested walk with 512-entry tables at both levels (x86_64, LA57): an
-- n-level guest whose page is guest_page bytes (4096, 2 MiB or 1 GiB) on an m-level EPT whose pages
-- are ept_page bytes.
function M.walk_refs(n, m, guest_page, ept_page)
  -- TODO
  return (n + 1) * (m + 1) - 1
end

-- A fresh guest address space maps `pages` consecutive pages (at a 2 MiB boundary, pages <= 512),
-- then a guest CPU with a one-entry TLB, no page-walk caches and no nested page-walk cache reads
-- them round-robin, `accesses` accesses in all (every access misses). x86_64 on x86_64. Return the
-- translation cycles of both modes: { nested = …, shadow = … } — walk references × mem_ref, plus
-- exit_cycles for every VM exit: in both modes each EPT violation (the first touch of a guest-physical
-- page: the 4 guest table pages when the guest writes them, each data page on its first use), and in
-- shadow mode each trapped guest PTE write and each hidden fault.
function M.mode_cycles(pages, accesses, mem_ref, exit_cycles)
  -- TODO
  return { nested = accesses * 4 * mem_ref, shadow = accesses * 4 * mem_ref }
end

return M
