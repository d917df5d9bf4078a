-- Issue 9 item 5: DMA translations per second through a device's IOTLB (the IOMMU's hot path).
return {
  name = "iommu-dma", unit = "translations",
  description = "dev:translate over 32 mapped pages (64-entry IOTLB: all hits after the first round) plus 64 KiB DMA writes (16 pages each), x86_64",
  setup = function()
    local m = vm.machine{ memory = "64 MiB" }
    local dev = m:device("nic", { iotlb = { entries = 64, ways = 4 } })
    local pa = m:alloc_frame("1 MiB")
    dev:map(0, { pa = pa, size = "1 MiB" }, "rw")
    local block = string.rep("x", 64 * 1024)
    return function()
      local before = dev.stats.translations
      for round = 1, 20000 do
        for page = 0, 31 do dev:translate(page * 4096, "w") end
      end
      for i = 1, 2000 do assert(dev:dma_write(0, block)) end
      local s = dev.stats
      assert(s.faults == 0 and s.iotlb.misses <= 64, "misses " .. s.iotlb.misses)
      return s.translations - before
    end
  end,
}
