-- Lab 10 checker: TLB shootdowns.   vmlab check Labs/10-tlb-shootdowns
local lab = check.lab
local K4 = 4096
local BASE = 0x400000

-- A machine with `cpus` CPUs, one TLB level and no page-walk caches.
local function machine(cpus, opts)
  return vm.machine{ memory = "64 MiB", cpus = cpus, pcid = opts.pcid, flush_ceiling = opts.flush_ceiling,
    tlb = { { name = "TLB", entries = 256 } }, pwc = false, costs = opts.costs }
end

-- A space with `pages` user pages at BASE.
local function space(m, pages)
  local s = m:address_space()
  s:map_range(BASE, 0, pages * K4, { u = true, w = true })
  return s
end

local function describe(events)
  local t = {}
  for _, e in ipairs(events) do t[#t + 1] = string.format("CPU %d → %s", e[1], e[2]) end
  return table.concat(t, ", ")
end

-- Replays the switches on an 8-CPU model, changes a page of `target` on kernel_cpu (unmap, or
-- protect when how = "protect") and returns the CPUs whose ipis_received went up.
local function measure_targets(events, target, kernel_cpu, pcid, how)
  local m = machine(8, { pcid = pcid })
  local spaces = {}
  for _, e in ipairs(events) do
    spaces[e[2]] = spaces[e[2]] or space(m, 4)
    m:cpu(e[1]):switch(spaces[e[2]])
  end
  spaces[target] = spaces[target] or space(m, 4)
  m.kernel_cpu = kernel_cpu
  if how == "protect" then spaces[target]:protect(BASE, K4, { u = true }) else spaces[target]:unmap(BASE) end
  local got = {}
  for _, cpu in ipairs(m.cpus) do
    if cpu.stats.ipis_received > 0 then got[#got + 1] = cpu.id end
  end
  return got
end

local function check_targets(events, target, kernel_cpu, pcid, why, how)
  local want = measure_targets(events, target, kernel_cpu, pcid, how)
  check.eq(lab.ipi_targets(events, target, kernel_cpu, pcid), want, string.format(
    "after %s, %s of %s on CPU %d (pcid = %s): you said IPIs go to {got}, the model sent them to {want} — %s",
    describe(events), how == "protect" and "mprotect" or "munmap", target, kernel_cpu, tostring(pcid), why))
end

check.test("IPIs go to the CPUs that run the space", { points = 3, partial = true }, function()
  check_targets({ { 0, "A" }, { 1, "A" }, { 2, "A" }, { 3, "B" } }, "A", 0, false,
    "the kernel CPU invalidates its own entries directly; only the other CPUs running A need an interrupt")
  check_targets({ { 1, "A" }, { 2, "A" }, { 3, "A" }, { 2, "B" } }, "A", 0, false,
    "without PCIDs CPU 2 flushed A's entries when it switched to B, so it needs no IPI")
  check_targets({ { 0, "B" }, { 1, "B" }, { 2, "A" } }, "B", 1, false,
    "the initiator (m.kernel_cpu) never interrupts itself", "protect")
  check_targets({ { 4, "A" }, { 5, "B" } }, "C", 0, false, "nobody ran C: no CPU can cache its entries, so no IPI at all")
end)

check.test("with PCIDs, CPUs that left still hold entries", { points = 2, partial = true }, function()
  check_targets({ { 1, "A" }, { 2, "A" }, { 3, "A" }, { 2, "B" } }, "A", 0, true,
    "with PCIDs CPU 2 kept A's entries (tagged with A's ASID) when it switched to B, so it must be interrupted too")
  check_targets({ { 0, "A" }, { 1, "A" }, { 1, "B" }, { 1, "C" }, { 0, "B" } }, "A", 0, true,
    "with PCIDs a CPU stays on the space's list of CPUs once it has run it")
end)

-- Runs `changes` one-page unmaps of a space that all targets + 1 CPUs run.
local function measure_cost(changes, targets, batched, ipi_cost)
  local m = machine(targets + 1, { costs = { ipi = ipi_cost } })
  local s = space(m, math.max(changes, 1))
  for _, cpu in ipairs(m.cpus) do cpu:switch(s) end
  local kernel = m:cpu(m.kernel_cpu)
  local cycles = kernel.stats.cycles
  local function unmap_all() for i = 0, changes - 1 do s:unmap(BASE + i * K4) end end
  if batched then m:batch(unmap_all) else unmap_all() end
  return { rounds = m.stats.shootdowns, ipis = m.stats.ipis, cycles = kernel.stats.cycles - cycles }
end

local function check_cost(changes, targets, batched, ipi_cost)
  local want = measure_cost(changes, targets, batched, ipi_cost)
  local got = lab.shootdown_cost(changes, targets, batched, ipi_cost)
  if type(got) ~= "table" then return check.fail("shootdown_cost must return { rounds =, ipis =, cycles = }, it returned " .. check.show(got)) end
  local call = string.format("shootdown_cost(%d, %d, %s, %d)", changes, targets, tostring(batched), ipi_cost)
  check.eq(got.rounds, want.rounds, call .. ": {got} rounds, the model sent {want} — " .. (batched
    and "inside m:batch the invalidations are collected and go out in one round at the end"
    or "without a batch every unmap sends its own round of IPIs"))
  check.eq(got.ipis, want.ipis, call .. ": {got} IPIs, the model sent {want} — one per other CPU in each round")
  check.eq(got.cycles, want.cycles, call .. ": {got} cycles, the kernel CPU paid {want} — IPIs × costs.ipi")
end

check.test("the cost of shootdowns, batched or not", { points = 3, partial = true }, function()
  check_cost(16, 3, false, 3000)
  check_cost(16, 3, true, 3000)
  check_cost(5, 0, false, 3000)
end)

-- A remote CPU (1) caches pages 0 … cached - 1; CPU 0 unmaps `length` pages from page `first`.
local function measure_survivors(cached, first, length, ceiling)
  local m = machine(2, { flush_ceiling = ceiling })
  local s = space(m, 128)
  local remote = m:cpu(1)
  remote:switch(s)
  for i = 0, cached - 1 do remote:access(BASE + i * K4) end
  s:unmap(BASE + first * K4, length * K4)
  return m:tlb("TLB", remote).valid
end

local function check_survivors(cached, first, length, ceiling)
  local want = measure_survivors(cached, first, length, ceiling)
  local action = length > ceiling and string.format("%d pages > the ceiling of %d: the remote CPU flushes the whole ASID", length, ceiling)
    or string.format("%d pages ≤ the ceiling of %d: the remote CPU invalidates page by page (invlpg) and keeps the rest", length, ceiling)
  check.eq(lab.survivors(cached, first, length, ceiling), want, string.format(
    "survivors(%d, %d, %d, %d) = {got}, the remote TLB kept {want} entries — %s", cached, first, length, ceiling, action))
end

check.test("the flush ceiling", { points = 3, partial = true }, function()
  check_survivors(40, 0, 10, 33)
  check_survivors(40, 30, 20, 33)    -- half the range is not cached
  check_survivors(40, 0, 34, 33)
  check_survivors(20, 60, 40, 33)    -- nothing cached is unmapped, but the range is over the ceiling
end)

check.test("eight CPUs, the kernel elsewhere", { points = 1, hidden = true, partial = true }, function()
  local events = { { 0, "A" }, { 3, "A" }, { 5, "A" }, { 7, "B" }, { 5, "B" }, { 6, "A" }, { 7, "A" } }
  check_targets(events, "A", 3, false, "only the CPUs running A now, other than the initiator")
  check_targets(events, "A", 3, true, "every CPU that ran A, other than the initiator")
  check_targets(events, "B", 6, true, "every CPU that ran B, other than the initiator", "protect")
end)

check.test("at the ceiling, and a lower ceiling", { points = 1, hidden = true, partial = true }, function()
  check_survivors(64, 0, 33, 33)
  check_survivors(64, 10, 9, 8)
  check_survivors(64, 10, 8, 8)
end)
