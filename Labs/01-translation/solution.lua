-- Lab 01 reference solution.
local M = {}

function M.split(va, page_bits, level_bits)
  local indices, shift = {}, page_bits
  for i = #level_bits, 1, -1 do            -- the last level sits just above the offset
    indices[i] = (va >> shift) & ((1 << level_bits[i]) - 1)
    shift = shift + level_bits[i]
  end
  return { indices = indices, offset = va & ((1 << page_bits) - 1) }
end

function M.pte_address(table_pa, index, pte_bytes)
  return table_pa + index * pte_bytes
end

function M.walk_textbook(m, root, va)
  local names = { "PD", "PT" }
  local parts = M.split(va, 5, { 5, 5 })
  local table_pa = root
  for level = 1, 2 do
    local pte = m:read(M.pte_address(table_pa, parts.indices[level], 1), 1)
    if pte & 0x80 == 0 then return nil, names[level] end
    table_pa = (pte & 0x7f) << 5              -- frame number -> physical address
  end
  return table_pa + parts.offset
end

function M.walk_x86_64(m, root, va)
  local names = { "PML4", "PDPT", "PD", "PT" }
  local parts = M.split(va, 12, { 9, 9, 9, 9 })
  local table_pa = root
  for level = 1, 4 do
    local pte = m:read(M.pte_address(table_pa, parts.indices[level], 8), 8)
    if pte & 1 == 0 then return nil, names[level] end
    table_pa = pte & 0x000ffffffffff000
  end
  return table_pa + parts.offset
end

return M
