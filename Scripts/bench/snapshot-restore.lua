-- Issue 10: what a snapshot costs. A process with 256 MiB written (65,536 pages, swap and a
-- clock policy installed), then per run: snapshot, write 64 pages (each copies its shared
-- 4 KiB block), restore. The figure is snapshot+restore pairs per second.
return {
  name = "snapshot-restore", unit = "snapshots",
  description = "m:snapshot() + 64 writes + m:restore(s) of a machine with 256 MiB written (copy-on-write memory)",
  setup = function()
    local m = vm.machine{ memory = "512 MiB", swap = "64 MiB", policy = "clock", seed = 1 }
    local p = m:spawn("big")
    local pages = 65536
    local base = p:mmap{ size = pages * 4096 }
    for i = 0, pages - 1 do p:write(base + i * 4096, i) end
    return function()
      local s = m:snapshot()
      for i = 0, 63 do p:write(base + i * 1024 * 4096, -1) end
      m:restore(s)
      assert(p:read(base + 1024 * 4096) == 1024, "restore brings the data back")
      return 1
    end
  end,
}
