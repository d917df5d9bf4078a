-- Lab 12 checker: the IOMMU and DMA.   vmlab check Labs/12-iommu
local lab = check.lab
local K4 = 4096

-- Calls the student's function, turning an error into a failed check with a hint.
local function call(name, hint, ...)
  local results = table.pack(pcall(lab[name], ...))
  if not results[1] then
    check.fail(string.format("%s raised an error: %s — %s", name, tostring(results[2]), hint))
    return false
  end
  return true, table.unpack(results, 2, results.n)
end

-- A machine with the receive ring, the transmit buffer and a page of kernel data, set up by the student.
local function nic_setup()
  local m = vm.machine{ memory = "16 MiB" }
  local rx, tx, kernel = m:alloc_frame(8192), m:alloc_frame(), m:alloc_frame()
  m:write_bytes(tx, "packet to send")
  m:write_bytes(kernel, "kernel secrets")
  local ok, nic = call("setup_nic", "map the ring with { pa = rx_pa, size = 8192 } and the buffer with tx_pa", m, rx, tx)
  if not ok then return nil end
  return m, nic, rx, tx, kernel
end

check.test("the NIC can do its job", { points = 2, partial = true }, function()
  local m, nic, rx, tx = nic_setup()
  if not m then return end
  check.eq(tostring(nic):match("^vm%.device") ~= nil, true, "setup_nic must return the device it created (m:device), it returned {got}")
  local packet = string.rep("R", 8000)
  check.eq(nic:dma_write(0x10000 + 100, packet), true,
    "the NIC could not write a received packet across the two ring pages at IOVA 0x10064: map both pages (8 KiB) for writing")
  check.eq(m:read_bytes(rx + 100, 8), "RRRRRRRR", "the received packet should land at rx_pa + 100, found {got}")
  check.eq(nic:dma_read(0x20000, 14), "packet to send", "the NIC could not read the packet to send at IOVA 0x20000 (got {got}): map tx_pa for reading")
end)

check.test("least privilege: a scribbling NIC is stopped", { points = 3, partial = true }, function()
  local m, nic, rx, tx, kernel = nic_setup()
  if not m then return end
  local ok, err = nic:dma_write(0x20000, "EVIL")
  check.eq(ok, nil, "the NIC overwrote the packet it was asked to send (IOVA 0x20000): the transmit buffer is only read by the device — map it \"r\"")
  check.eq(m:read_bytes(tx, 14), "packet to send", "after a refused DMA the transmit buffer must be unchanged, found {got}")
  local data, err2 = nic:dma_read(0x10000, 16)
  check.eq(data, nil, "the NIC read the receive ring back (IOVA 0x10000): it only ever writes there — map it \"w\", so a buggy or malicious device cannot leak what the ring held")
  check.eq(nic:dma_write(0x30000, "EVIL"), nil, "nothing is mapped at IOVA 0x30000: a DMA there must fault")
  check.eq(m:read_bytes(kernel, 14), "kernel secrets", "the kernel's page must never change")
  local reasons = {}
  for _, f in ipairs(nic.faults) do reasons[#reasons + 1] = f.reason end
  check.eq(table.concat(reasons, ","), "read-only,write-only,unmapped",
    "the IOMMU's fault log should read read-only, write-only, unmapped for these three attempts; it reads {got}")
end)

-- What the model reports for a DMA on a fresh device with `mappings`.
local function measure_fault(mappings, iova, n, direction)
  local m = vm.machine{ memory = "16 MiB" }
  local dev = m:device("probe")
  for _, mp in ipairs(mappings) do dev:map(mp.iova, m:alloc_frame(), mp.access) end
  if direction == "w" then dev:dma_write(iova, string.rep("x", n)) else dev:dma_read(iova, n) end
  local f = dev.faults[1]
  if f then return f.iova, f.reason end
  return nil
end

local function show_mappings(mappings)
  local t = {}
  for _, mp in ipairs(mappings) do t[#t + 1] = string.format("0x%x %s", mp.iova, mp.access) end
  return "{" .. table.concat(t, ", ") .. "}"
end

local function check_fault(mappings, iova, n, direction, why)
  local want_iova, want_reason = measure_fault(mappings, iova, n, direction)
  local ok, got_iova, got_reason = call("first_fault", "return nil, or the IOVA and the reason", mappings, iova, n, direction)
  if not ok then return end
  local desc = string.format("first_fault(%s, 0x%x, %d, %q)", show_mappings(mappings), iova, n, direction)
  local function fmt(a, r) return a and string.format("0x%x %s", a, r) or "nil (no fault)" end
  check.eq(fmt(got_iova, got_reason), fmt(want_iova, want_reason), desc .. " = {got}, the IOMMU reported {want} — " .. why)
end

check.test("predict DMA faults", { points = 3, partial = true }, function()
  local maps = { { iova = 0x1000, access = "rw" }, { iova = 0x2000, access = "r" }, { iova = 0x4000, access = "w" } }
  check_fault(maps, 0x1800, 1024, "w", "one page, mapped rw: the DMA goes through")
  check_fault(maps, 0x1f00, 512, "w", "the DMA crosses into page 0x2000, mapped read-only: each page is translated, the fault names the first byte on that page")
  check_fault(maps, 0x2f00, 512, "r", "page 0x3000 is not mapped: a read that runs off the end of a buffer is stopped there")
  check_fault(maps, 0x4010, 16, "r", "a device may not read a page it may only write")
  check_fault(maps, 0x0ff0, 64, "r", "page 0x0 is not mapped: the very first byte faults")
end)

check.test("predict DMA faults: more cases", { points = 1, hidden = true, partial = true }, function()
  local maps = { { iova = 0x10000, access = "w" }, { iova = 0x11000, access = "w" }, { iova = 0x12000, access = "rw" } }
  check_fault(maps, 0x10000, 3 * K4, "w", "three writable pages in a row")
  check_fault(maps, 0x11ffe, 4, "r", "the first page of the DMA is write-only")
  check_fault(maps, 0x12ff0, 32, "w", "the DMA runs off the last mapped page")
  check_fault(maps, 0x10000, 0, "w", "an empty DMA touches no page")
end)

check.test("pinning: DMA into a process buffer survives memory pressure", { points = 3 }, function()
  local m = vm.machine{ memory = "256 KiB", swap = "4 MiB" }
  local p = m:spawn("driver")
  local va = p:mmap{ size = 2 * K4, prot = "rw" }
  p:write_bytes(va, "old contents")
  p:write_bytes(va + K4, "old contents")
  local dev = m:device("nic")
  local ok = call("map_user_buffer",
    "a page under DMA must be pinned: pass pin = true in the buffer table (or p:mlock it first)", dev, p, va, 2 * K4, 0x40000)
  if not ok then return end
  -- Memory pressure: the process touches four times the machine's memory.
  local filler = p:mmap{ size = 4 * m.memory, prot = "rw" }
  for i = 0, 4 * m.frames - 1 do p:write(filler + i * K4, i) end
  local wrote = dev:dma_write(0x40000 + K4 - 4, "received packet")
  check.eq(wrote, true, "the device could not write the buffer at IOVA 0x40000 (map it for writing, 2 pages)")
  check.eq(p:read_bytes(va + K4 - 4, 15), "received packet",
    "the process reads {got} where the device wrote \"received packet\": the page was swapped out under the device, which " ..
    "kept writing to the old frame — map the buffer with pin = true so the kernel cannot evict it")
  check.eq(#m:check(), 0, "the kernel's invariants broke: " .. table.concat(m:check(), "; "))
end)

-- The model's IOTLB hit rate for the pattern.
local function measure_hit_rate(pages, entries, rounds)
  local m = vm.machine{ memory = "16 MiB" }
  local dev = m:device("probe", { iotlb = { entries = entries, ways = 0 } })
  dev:map(0, { pa = m:alloc_frame(64 * K4), size = pages * K4 }, "r")
  for _ = 1, rounds do for i = 0, pages - 1 do dev:dma_read(i * K4, 8) end end
  return dev.stats.iotlb.hit_rate
end

local function check_hit_rate(pages, entries, rounds, why)
  local want = measure_hit_rate(pages, entries, rounds)
  local ok, got = call("iotlb_hit_rate", "return a number between 0 and 1", pages, entries, rounds)
  if not ok then return end
  local close = type(got) == "number" and math.abs(got - want) < 1e-9
  check.eq(close and want or got, want, string.format("iotlb_hit_rate(%d, %d, %d) = {got}, the IOTLB measured {want} — %s",
    pages, entries, rounds, why))
end

check.test("the IOTLB's hit rate", { points = 2, partial = true }, function()
  check_hit_rate(8, 16, 10, "8 pages fit in 16 entries: only the first round misses")
  check_hit_rate(16, 16, 4, "16 pages just fit")
  check_hit_rate(17, 16, 10, "LRU cycling over one page more than it holds evicts each page just before its turn: every access misses")
end)

local function measure_refs(paging, assigned)
  local m = vm.machine{ memory = "16 MiB", paging = paging }
  local dev
  if assigned then
    local g = m:guest{ memory = "4 MiB", paging = paging }
    dev = g:device("probe")
  else
    dev = m:device("probe")
  end
  dev:map(0x1000, 0x3000, "r")
  dev:dma_read(0x1000, 8)
  return dev.stats.walk_refs
end

check.test("the price of an IOTLB miss", { points = 2, partial = true }, function()
  for _, case in ipairs({ { "x86_64", false }, { "sv39", false }, { "x86_64_la57", false }, { "x86_64", true }, { "sv39", true } }) do
    local want = measure_refs(case[1], case[2])
    local ok, got = call("walk_refs", "return a number of memory references", case[1], case[2])
    if not ok then return end
    check.eq(got, want, string.format("walk_refs(%q, %s) = {got}, the walk made {want} references — %s", case[1], tostring(case[2]),
      case[2] and "a guest's device walks the I/O table to a guest-physical page, then the guest's EPT to the host frame"
      or "one reference per level of the I/O page table, like a CPU walk"))
  end
end)
