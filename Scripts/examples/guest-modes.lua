-- The same guest workload under nested and shadow paging (README, "Virtualization"): a guest
-- process writes 256 pages 4 times, then reads them back; default TLBs. Prints the guest CPU's
-- TLB hits and misses, walk and EPT references, VM exits by reason and cycles.
for _, mode in ipairs{ "nested", "shadow" } do
  local m = vm.machine{ memory = "64 MiB", paging = "x86_64" }
  local g = m:guest{ memory = "32 MiB", mode = mode }
  local p = g.machine:spawn("app")
  local buf = p:mmap{ size = "1 MiB", prot = "rw" }
  for _ = 1, 4 do
    for i = 0, 255 do p:write(buf + i * 4096, i) end
  end
  for i = 0, 255 do assert(p:read(buf + i * 4096) == i) end
  local s, e = g.stats, g.stats.vm_exits
  local cpu = g.machine.cpus[1].stats
  print(string.format("%-6s tlb hits %d, misses %d, walk refs %d, ept refs %d, exits %d/%d/%d/%d "
    .. "(ept_violation/shadow_fault/pte_write/ad_update), cpu cycles %d, exit cycles %d",
    mode, s.tlb_hits, s.tlb_misses, s.references, s.ept_references, e.ept_violation, e.shadow_fault,
    e.pte_write, e.ad_update or 0, cpu.cycles, s.exit_cycles))
  assert(#g.machine:check() == 0 and #m:check() == 0, "invariants")
end
