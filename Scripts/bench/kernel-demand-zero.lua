-- Issue 6: demand-zero first-touch throughput (minor faults per second, from Lua).
return {
  name = "kernel-demand-zero", unit = "faults",
  description = "first touch (write) of each page of a fresh 64 MiB anonymous mapping, then munmap",
  setup = function()
    local m = vm.machine{ memory = "256 MiB" }
    local p = m:spawn("toucher")
    local pages = 16384
    return function()
      local a = assert(p:mmap{ size = pages * 4096 })
      for i = 0, pages - 1 do p:touch(a + i * 4096, "w") end
      assert(p.stats.rss == pages * 4096)
      p:munmap(a, pages * 4096)
      return pages
    end
  end,
}
