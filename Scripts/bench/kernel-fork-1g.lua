-- Issue 6: fork of a process with 1 GiB resident (COW: page tables are copied, data pages are not).
return {
  name = "kernel-fork-1g", unit = "forks",
  description = "fork + exit of a process with 1 GiB of resident anonymous memory (4 KiB pages)",
  setup = function()
    local m = vm.machine{ memory = "2 GiB" }
    local p = m:spawn("big")
    assert(p:mmap{ size = "1 GiB", flags = { "populate" } })
    assert(p.stats.rss == vm.size("1 GiB"))
    return function()
      local c = assert(p:fork())
      c:exit()
      return 1
    end
  end,
}
