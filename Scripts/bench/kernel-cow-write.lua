-- Issue 6: cost of the first write to a page after fork (a COW fault that copies the page).
return {
  name = "kernel-cow-write", unit = "COW faults",
  description = "after a fork, the parent writes once to each of 16,384 pages (each write copies the page)",
  setup = function()
    local m = vm.machine{ memory = "256 MiB" }
    local p = m:spawn("parent")
    local pages = 16384
    local a = assert(p:mmap{ size = pages * 4096, flags = { "populate" } })
    return function()
      local c = assert(p:fork())
      for i = 0, pages - 1 do p:touch(a + i * 4096, "w") end
      c:exit()
      return pages
    end
  end,
}
