-- Lab 02 reference solution.
local M = {}
local K4, M2, G1 = 4096, 2 * 1024 * 1024, 1024 * 1024 * 1024

function M.table_pages(mappings)
  local pdpts, pds, pts = {}, {}, {}
  local function count(set) local n = 0 for _ in pairs(set) do n = n + 1 end return n end
  for _, mp in ipairs(mappings) do
    local va = mp.va & 0x0000ffffffffffff         -- drop the sign extension
    pdpts[va >> 39] = true                         -- every mapping needs a PDPT under its PML4 entry
    if mp.size <= M2 then pds[va >> 30] = true end -- 2 MiB and 4 KiB pages need a PD
    if mp.size == K4 then pts[va >> 21] = true end -- only 4 KiB pages need a PT
  end
  return 1 + count(pdpts) + count(pds) + count(pts)
end

function M.build(s)
  s:map(0x400000, "alloc", { u = true, x = true })
  s:map(0x601000, "alloc", { u = true, w = true })
  s:map(0x40000000, "alloc", { size = "2M", u = true, w = true })
  s:map(0xffff800000000000, "alloc", { w = true })
end

function M.error_code(access, privilege, page)
  local code = (access == "w" and 2 or 0) | (privilege == "user" and 4 or 0) | (access == "x" and 16 or 0)
  if not page.present then return code end
  local denied = (privilege == "user" and not page.user)
    or (access == "w" and not page.writable)
    or (access == "x" and page.nx)
  if denied then return code | 1 end
  return nil
end

function M.ad_bits(accesses)
  local a, d = false, false
  for _, kind in ipairs(accesses) do
    a = true
    if kind == "w" then d = true end
  end
  return { accessed = a, dirty = d }
end

return M
