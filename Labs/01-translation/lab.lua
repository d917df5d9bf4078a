-- Lab 01: translating addresses by hand.        Check:  vmlab check Labs/01-translation
-- Fill in the TODOs. Every function is graded on its own; the README says what each must do.
-- Use only integer arithmetic (>>, <<, &, |, +, *); the vm module is here to compare with,
-- but the checker calls your functions, so they must compute the answers themselves.
local M = {}

-- Split a virtual address into table indices (root first) and the page offset.
--   page_bits:  bits of the page offset (12 for 4 KiB pages, 5 for the textbook mode)
--   level_bits: bits of each level's index, root first ({9, 9, 9, 9} for x86-64)
-- Returns { indices = { root index, ..., last-level index }, offset = page offset }.
function M.split(va, page_bits, level_bits)
  -- TODO: the offset is the low page_bits bits; the last level's index comes just above
  -- it, the root's index highest. Hint: shift right, then mask with (1 << bits) - 1.
  return { indices = {}, offset = nil }
end

-- The physical address of entry `index` in the table page at `table_pa`,
-- when each entry is `pte_bytes` bytes (8 on x86-64, 1 in the textbook mode).
function M.pte_address(table_pa, index, pte_bytes)
  -- TODO
  return table_pa
end

-- Walk a textbook two-level table by hand: 15-bit addresses, 32-byte pages (5 offset bits),
-- 5 index bits per level, 1-byte entries: bit 7 = valid, bits 6..0 = frame number.
-- m:read(pa, 1) reads one byte of physical memory; root is the root table's physical address.
-- Returns the physical address, or nil and the name of the level ("PD" or "PT") whose entry
-- is invalid.
function M.walk_textbook(m, root, va)
  -- TODO: PD index = bits 14..10, PT index = bits 9..5, offset = bits 4..0.
  return nil, "TODO"
end

-- Walk an x86-64 four-level table (4 KiB pages only) by hand: 8-byte entries read with
-- m:read(pa, 8); bit 0 = present; the next table's (or the page's) physical address is
-- bits 51..12 of the entry. Returns the physical address, or nil and the name of the level
-- ("PML4", "PDPT", "PD" or "PT") whose entry is not present.
function M.walk_x86_64(m, root, va)
  -- TODO
  return nil, "TODO"
end

return M
