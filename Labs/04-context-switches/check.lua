-- Lab 04 checker: context switches, PCIDs and KPTI.   vmlab check Labs/04-context-switches
local lab = check.lab
local K4 = 4096
local USER, KERNEL = 0x400000, 0xffff800000000000

-- One CPU with a TLB big enough for every page here and no page-walk caches.
local function machine(opts)
  return vm.machine{ memory = "64 MiB", tlb = { { name = "TLB", entries = 256 } }, pwc = false,
    pcid = opts.pcid, asid_bits = opts.asid_bits, kpti = opts.kpti, costs = opts.costs }
end

-- Runs a schedule of process names on the model; returns the walks.
local function measure_walks(schedule, user_pages, kernel_pages, opts)
  local m = machine(opts)
  local kernel_frames = {}
  for i = 1, kernel_pages do kernel_frames[i] = m:alloc_frame() end
  local spaces = {}
  local cpu = m.cpus[1]
  for _, p in ipairs(schedule) do
    local s = spaces[p]
    if not s then
      s = m:address_space()
      for i = 0, user_pages - 1 do s:map(USER + i * K4, "alloc", { u = true, w = true }) end
      for i = 1, kernel_pages do s:map(KERNEL + (i - 1) * K4, kernel_frames[i], { w = true, global = opts.global }) end
      spaces[p] = s
    end
    cpu:switch(s)
    for i = 0, user_pages - 1 do cpu:access(USER + i * K4, "r", "user") end
    for i = 0, kernel_pages - 1 do cpu:access(KERNEL + i * K4, "r", "kernel") end
  end
  return cpu.stats.walks
end

local function check_walks(schedule, user_pages, kernel_pages, opts, why)
  local want = measure_walks(schedule, user_pages, kernel_pages, opts)
  check.eq(lab.predict_walks(schedule, user_pages, kernel_pages, opts), want, string.format(
    "predict_walks({%s}, %d, %d, {pcid = %s, global = %s}) = {got}, the model walked {want} times — %s",
    table.concat(schedule, ", "), user_pages, kernel_pages, tostring(opts.pcid or false), tostring(opts.global or false), why))
end

check.test("walks: switching without PCIDs", { points = 2, partial = true }, function()
  check_walks({ "A", "B", "A", "B" }, 5, 0, {}, "without PCIDs every switch flushes, so every slice walks all its pages again")
  check_walks({ "A", "A", "B", "B", "B", "A" }, 3, 0, {},
    "switching to the process that already runs is no switch: its entries are still there")
end)

check.test("walks: PCIDs keep the entries", { points = 2, partial = true }, function()
  check_walks({ "A", "B", "A", "B", "C", "A" }, 4, 0, { pcid = true },
    "with PCIDs each process's entries carry its ASID and survive the switch: it walks only the first time it runs")
  check_walks({ "A", "A", "B", "A" }, 7, 0, { pcid = true }, "only the first slice of each process walks")
end)

check.test("global kernel pages survive switches", { points = 3, partial = true }, function()
  local sched = { "A", "B", "C", "A", "B", "C" }
  check_walks(sched, 2, 3, {}, "without PCIDs non-global kernel entries are flushed with the user ones at every switch")
  check_walks(sched, 2, 3, { global = true },
    "global entries survive a switch: the kernel pages walk once, in the first slice, whatever runs")
  check_walks(sched, 2, 3, { pcid = true },
    "with PCIDs but no global bit each process caches its own copy of the kernel entries, tagged with its ASID")
  check_walks(sched, 2, 3, { pcid = true, global = true }, "PCIDs for the user pages, the global bit for the kernel pages")
end)

-- The ASID of each slice of a round-robin schedule on the model, and its rollovers.
local function measure_asids(n, bits, switches)
  local m = vm.machine{ memory = "64 MiB", pcid = true, asid_bits = bits, tlb = { { name = "TLB", entries = 256 } }, pwc = false }
  local spaces = {}
  for i = 1, n do spaces[i] = m:address_space() end
  local cpu, asids = m.cpus[1], {}
  for i = 1, switches do
    cpu:switch(spaces[(i - 1) % n + 1])
    asids[i] = cpu.asid
  end
  return { asids = asids, rollovers = m.stats.asid_rollovers }
end

local function check_asids(n, bits, switches)
  local want = measure_asids(n, bits, switches)
  local got = lab.asid_sequence(n, bits, switches)
  if type(got) ~= "table" then return check.fail("asid_sequence must return { asids = {…}, rollovers = n }, it returned " .. check.show(got)) end
  local call = string.format("asid_sequence(%d, %d, %d)", n, bits, switches)
  check.eq(got.asids, want.asids, string.format(
    "%s: your ASIDs are {got}, the model's {want} — with %d bits the ASIDs are 1 … %d (0 is never used), handed out in increasing order to each process the first time it runs in a generation; a process keeps its ASID until the next rollover",
    call, bits, (1 << bits) - 1))
  check.eq(got.rollovers, want.rollovers, string.format(
    "%s: you counted {got} rollovers, the model {want} — a rollover happens when a process needs an ASID and none is free: all become free again and the TLB is flushed",
    call))
end

check.test("ASIDs round-robin", { points = 3, partial = true }, function()
  check_asids(3, 2, 9)       -- 3 processes, 3 ASIDs: no rollover
  check_asids(5, 2, 12)      -- the documented example
  check_asids(4, 3, 10)
  check_asids(20, 4, 45)
end)

local function check_pcid_walks(n, bits, switches, pages)
  local sched = {}
  for i = 1, switches do sched[i] = "P" .. ((i - 1) % n) end
  local want = measure_walks(sched, pages, 0, { pcid = true, asid_bits = bits })
  check.eq(lab.pcid_walks(n, bits, switches, pages), want, string.format(
    "pcid_walks(%d, %d, %d, %d) = {got}, the model walked {want} times — a slice walks its %d pages when its process gets a new ASID (its first run, or its first run after a rollover flushed everything), and hits when the process kept its ASID",
    n, bits, switches, pages, pages))
end

check.test("walks when ASIDs run out", { points = 2, partial = true }, function()
  check_pcid_walks(3, 2, 12, 4)
  check_pcid_walks(4, 2, 12, 4)
  check_pcid_walks(6, 3, 30, 2)
end)

-- The n rounds of kpti_price on the model.
local function measure_kpti(n, pages, costs, pcid)
  local m = machine({ kpti = true, pcid = pcid, costs = costs })
  local s = m:address_space()
  for i = 0, pages - 1 do s:map(USER + i * K4, "alloc", { u = true, w = true }) end
  local cpu = m.cpus[1]
  cpu:switch(s)
  for i = 0, pages - 1 do cpu:access(USER + i * K4, "r", "user") end
  local before = cpu.stats
  for _ = 1, n do
    cpu:syscall()
    for i = 0, pages - 1 do cpu:access(USER + i * K4, "r", "user") end
  end
  local after = cpu.stats
  return { switches = after.kpti_switches - before.kpti_switches, walks = after.walks - before.walks,
           cycles = after.cycles - before.cycles }
end

local function check_kpti(n, pages, costs, pcid)
  local want = measure_kpti(n, pages, costs, pcid)
  local got = lab.kpti_price(n, pages, costs, pcid)
  if type(got) ~= "table" then return check.fail("kpti_price must return { switches =, walks =, cycles = }, it returned " .. check.show(got)) end
  local call = string.format("kpti_price(%d, %d, {kpti_switch = %d, tlb_hit = %d, memory_reference = %d}, %s)",
    n, pages, costs.kpti_switch, costs.tlb_hit, costs.memory_reference, tostring(pcid))
  check.eq(got.switches, want.switches, call .. ": {got} root switches, the model made {want} — a system call enters the kernel (kernel root) and returns (user root)")
  check.eq(got.walks, want.walks, call .. ": {got} walks, the model made {want} — " .. (pcid
    and "with PCIDs the user entries are tagged ASID + 2^asid_bits and survive the trips through the kernel"
    or "without PCIDs every root switch is a CR3 write that flushes the non-global entries"))
  check.eq(got.cycles, want.cycles, call .. ": {got} cycles, the model counted {want} — root switches × kpti_switch, plus one TLB lookup per access, plus 4 memory references per walk")
end

check.test("the price of KPTI", { points = 3, partial = true }, function()
  local costs = { kpti_switch = 200, tlb_hit = 1, memory_reference = 100 }
  check_kpti(10, 8, costs, false)
  check_kpti(10, 8, costs, true)
end)

check.test("ASIDs: one ASID, and exactly enough", { points = 1, hidden = true, partial = true }, function()
  check_asids(2, 1, 6)       -- a single ASID: every switch rolls over
  check_asids(7, 3, 21)      -- 7 processes, 7 ASIDs: never
  check_asids(1, 1, 5)       -- one process: one switch
end)

check.test("KPTI with other costs", { points = 1, hidden = true, partial = true }, function()
  local costs = { kpti_switch = 500, tlb_hit = 2, memory_reference = 150 }
  check_kpti(7, 20, costs, false)
  check_kpti(3, 1, costs, true)
end)
