-- Lab 12: the IOMMU and DMA — reference solution.
local M = {}

function M.setup_nic(m, rx_pa, tx_pa)
  local nic = m:device("nic")
  nic:map(0x10000, { pa = rx_pa, size = 8192 }, "w")   -- the NIC only writes received packets
  nic:map(0x20000, tx_pa, "r")                         -- and only reads the packet to send
  return nic
end

function M.first_fault(mappings, iova, n, direction)
  if n <= 0 then return nil end
  local access = {}
  for _, mp in ipairs(mappings) do access[mp.iova] = mp.access end
  local page = iova - iova % 4096
  local last = (iova + n - 1) - (iova + n - 1) % 4096
  while page <= last do
    local at = math.max(page, iova)
    local a = access[page]
    if a == nil then return at, "unmapped" end
    if direction == "w" and a == "r" then return at, "read-only" end
    if direction == "r" and a == "w" then return at, "write-only" end
    page = page + 4096
  end
  return nil
end

function M.map_user_buffer(dev, p, va, size, iova)
  -- pin = true: the kernel must not swap the pages out (or move them) while the device can
  -- write them — the device knows frames, not the process's page table.
  dev:map(iova, { process = p, va = va, size = size, pin = true }, "w")
end

function M.iotlb_hit_rate(pages, entries, rounds)
  if pages <= entries then return (rounds - 1) / rounds end
  return 0   -- LRU cycling over more pages than entries: each page was evicted just before its turn
end

local levels = { x86_64 = 4, sv39 = 3, x86_64_la57 = 5, x86_32 = 2, sv48 = 4, sv57 = 5, sv32 = 2, x86_pae = 3 }

function M.walk_refs(paging, assigned)
  local n = levels[paging]
  return assigned and 2 * n or n   -- the I/O table, then the guest's EPT for the guest-physical page
end

return M
