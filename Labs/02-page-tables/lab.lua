-- Lab 02: building page tables.        Check:  vmlab check Labs/02-page-tables
-- Fill in the TODOs. The README explains each function.
local M = {}
local K4, M2, G1 = 4096, 2 * 1024 * 1024, 1024 * 1024 * 1024

-- Predict how many table pages (the root included) x86-64 needs for a list of mappings
-- { {va = ..., size = K4 | M2 | G1}, ... } (aligned, not overlapping).
-- Hint: a 4 KiB page needs a PT, a PD, a PDPT; a 2 MiB page stops at the PD (no PT);
-- a 1 GiB page stops at the PDPT. Mappings that share an upper entry share its table.
function M.table_pages(mappings)
  -- TODO
  return 0
end

-- Map this layout into the x86-64 address space s with s:map(va, "alloc", {size=, w=, u=, x=}):
--   0x400000             4 KiB   user, read + execute (not writable)        -- code
--   0x601000             4 KiB   user, read + write (not executable)        -- data
--   0x40000000           2 MiB   user, read + write, one huge page          -- heap
--   0xffff800000000000   4 KiB   kernel only, read + write                  -- kernel data
function M.build(s)
  -- TODO
end

-- The x86 page-fault error code for an access, or nil if the access is allowed.
--   access: "r", "w" or "x";  privilege: "user" or "kernel"
--   page: { present = bool, writable = bool, user = bool, nx = bool }
-- Bits: P = 1 (the page was present: a protection fault), W = 2 (a write),
--       U = 4 (from user mode), I/D = 16 (an instruction fetch). Kernel code may read and write
--       any present page here (no SMEP/SMAP), but never fetch from an NX page.
function M.error_code(access, privilege, page)
  -- TODO
  return nil
end

-- A fresh 4 KiB page (A = 0, D = 0) is accessed in order, e.g. {"r", "r", "w"}.
-- Return the leaf entry's bits afterwards: { accessed = bool, dirty = bool }.
function M.ad_bits(accesses)
  -- TODO
  return { accessed = nil, dirty = nil }
end

return M
