-- Lab 12: the IOMMU and DMA.        Check:  vmlab check Labs/12-iommu
-- Fill in the TODOs. The README explains each function.
local M = {}

-- Creates the device "nic" on machine m and maps, for it, the receive ring (2 pages at physical
-- address rx_pa, at IOVA 0x10000) and the transmit buffer (1 page at tx_pa, at IOVA 0x20000).
-- The NIC writes received packets into the ring and reads packets to send from the transmit
-- buffer; give it nothing more than that. Return the device.
function M.setup_nic(m, rx_pa, tx_pa)
  local nic = m:device("nic")
  -- TODO: least privilege
  nic:map(0x10000, { pa = rx_pa, size = 8192 }, "rw")
  nic:map(0x20000, tx_pa, "rw")
  return nic
end

-- mappings: the pages a device has mapped, e.g. { {iova = 0x1000, access = "r"}, {iova = 0x2000,
-- access = "rw"} } (one 4 KiB page each). The device makes a DMA of n bytes at iova, direction
-- "r" (it reads memory) or "w" (it writes memory). Return nil when the DMA goes through, else the
-- IOVA the IOMMU reports (the first byte of the DMA on the faulting page) and the reason:
-- "unmapped", "read-only" or "write-only".
function M.first_fault(mappings, iova, n, direction)
  -- TODO
  return nil
end

-- Maps size bytes of process p's memory at virtual address va (page aligned) at IOVA iova, so
-- that the device can write into it (a receive buffer). The data the device writes must reach
-- the process, however much memory pressure there is.
function M.map_user_buffer(dev, p, va, size, iova)
  -- TODO
  dev:map(iova, { process = p, va = va, size = size }, "w")
end

-- A device with a fully associative LRU IOTLB of `entries` entries makes `rounds` rounds of
-- one small DMA read per page over pages 0 … pages - 1 (in that order each round), starting
-- with an empty IOTLB. The IOTLB's hit rate (hits / translations)?
function M.iotlb_hit_rate(pages, entries, rounds)
  -- TODO
  return 1
end

-- The memory references one IOTLB miss costs for a device of a machine in `paging` mode
-- ("x86_64", "sv39", "x86_64_la57", "x86_32"); assigned: the device belongs to a guest of the
-- same paging mode (its DMA addresses are guest-physical).
function M.walk_refs(paging, assigned)
  -- TODO
  return 4
end

return M
