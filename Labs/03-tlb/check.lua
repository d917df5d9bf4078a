-- Lab 03 checker: the TLB.   vmlab check Labs/03-tlb
local lab = check.lab
local hex = check.hex
local K4, M2 = 4096, 2 * 1024 * 1024
local BASE = 0x40000000                 -- where the checker maps the pages it loops over

-- A machine with one TLB level (no page-walk caches, so a miss is a full walk) running one space.
local function machine(level, opts)
  opts = opts or {}
  level.name = "TLB"
  local m = vm.machine{ memory = "64 MiB", paging = opts.paging, tlb = { level }, pwc = false, costs = opts.costs }
  local s = m:address_space()
  local cpu = m.cpus[1]
  cpu:switch(s)
  return m, s, cpu
end

-- Maps `bytes` at BASE (user-readable, in pages of page_size) and replays trace on the machine's CPU.
local function run_mapped(m, s, cpu, bytes, page_size, trace)
  s:map_range(BASE, 0, bytes, { u = true, size = page_size })
  return m:run(cpu, trace)
end

local function sets(entries, ways)
  if ways == 0 then return 1 end
  return entries // ways
end

local function check_set(va, entries, ways, page_size)
  local m = machine({ entries = entries, ways = ways })
  local want = m:tlb("TLB"):set_index(va, page_size)
  local n = sets(entries, ways)
  local shape = ways == 0 and "ways = 0 means fully associative: 1 set"
    or string.format("%d entries / %d ways = %d sets", entries, ways, n)
  check.eq(lab.set_of(va, entries, ways, page_size), want, string.format(
    "set_of(%s, %d, %d, %d) = {got}, but the TLB puts it in set {want}: %s, VPN = %s / %s = %s, and %s mod %d = %d",
    hex(va), entries, ways, page_size, shape, hex(va), hex(page_size), hex(va // page_size), hex(va // page_size), n, want))
end

check.test("set index: VPN mod sets", { points = 2, partial = true }, function()
  check_set(0x400000, 64, 4, K4)
  check_set(0x403abc, 64, 4, K4)
  check_set(0x7ffd12345678, 64, 4, K4)
  check_set(0x12345000, 1536, 12, K4)
  check_set(0x40600000, 32, 4, M2)
  check_set(0x7ffd12345678, 64, 0, K4)
end)

-- Checks lab.conflict_addresses(va, entries, ways, n) with the model: n distinct pages, the first
-- va's, all in va's set, and a loop over them misses every time in an LRU TLB of that shape.
local function check_conflicts(va, entries, ways, n)
  local call = string.format("conflict_addresses(%s, %d, %d, %d)", hex(va), entries, ways, n)
  local list = lab.conflict_addresses(va, entries, ways, n)
  if type(list) ~= "table" or #list ~= n then
    return check.fail(call .. " must return a list of " .. n .. " addresses, it returned " .. check.show(list))
  end
  local m, s, cpu = machine({ entries = entries, ways = ways, replacement = "lru" })
  local t = m:tlb("TLB")
  local step = sets(entries, ways) * K4
  local seen, distinct = {}, true
  for _, a in ipairs(list) do
    if seen[a // K4] then distinct = false end
    seen[a // K4] = true
  end
  check.ok(list[1] // K4 == va // K4 and distinct, call .. ": the first address must be in va's page (" .. hex(va - va % K4) ..
    ") and no two in the same page — a page needs one entry however often it is used; you returned " .. check.show(list))
  for _, a in ipairs(list) do
    if t:set_index(a) ~= t:set_index(va) then
      check.fail(string.format("%s: %s is in set %d, not in va's set %d — with %d sets, pages %s apart (sets × 4 KiB) share a set",
        call, hex(a), t:set_index(a), t:set_index(va), t.sets, hex(step)))
      return check.fail(call .. ": the loop over the addresses was not run: they are not all in one set")
    end
  end
  check.ok(true, "all in one set")
  if not distinct then return end
  local trace = {}
  for _, a in ipairs(list) do s:map(a - a % K4, 0x100000, { u = true }) end   -- any frame will do
  for _ = 1, 4 do for _, a in ipairs(list) do trace[#trace + 1] = { "r", a } end end
  local r = m:run(cpu, vm.trace.list(trace))
  check.eq(r.walks, #trace, string.format(
    "%s: looping 4 times over your %d pages gave {got} misses of %d accesses — %d pages in one %d-way set cannot all stay, and LRU evicts each one just before it comes back",
    call, n, #trace, n, ways))
end

check.test("conflicting addresses: one set of a 64-entry 4-way TLB", { points = 3, partial = true }, function()
  check_conflicts(0x400000, 64, 4, 5)
  check_conflicts(0x7ffd12345678, 64, 4, 6)
end)

check.test("TLB reach: entries × page size", 1, function()
  for _, c in ipairs({ { 64, K4 }, { 64, M2 }, { 1536, K4 }, { 32, 1024 * M2 } }) do
    check.eq(lab.reach(c[1], c[2]), c[1] * c[2], string.format(
      "reach(%d, %d) = {got}; %d entries each translating one page of %d bytes cover %d × %d = {want} bytes", c[1], c[2], c[1], c[2], c[1], c[2]))
  end
end)

check.test("hit rate vs stride", { points = 2, partial = true }, function()
  local count = 1000
  for _, stride in ipairs({ 8, 64, 1000, 4096, 8192 }) do
    local m, s, cpu = machine({ entries = 64, ways = 4 })
    local trace = {}
    for i = 0, count - 1 do trace[#trace + 1] = { "r", BASE + i * stride } end
    local r = run_mapped(m, s, cpu, (count * stride // K4 + 1) * K4, K4, vm.trace.list(trace))
    check.near(lab.stride_hit_rate(stride, count), r.hit_rate, 1e-9, string.format(
      "stride_hit_rate(%d, %d) = {got}, the model measured {want} (%d misses): each new page misses once, so the hit rate is 1 − pages touched / accesses, and %d accesses %d bytes apart touch %d pages",
      stride, count, r.walks, count, stride, r.walks))
  end
end)

-- Compares lab.predict_misses with a loop on the model.
local function check_loop(pages, entries, rounds, ways, page_size, why)
  local m, s, cpu = machine({ entries = entries, ways = ways, replacement = "lru" })
  local r = run_mapped(m, s, cpu, pages * page_size, page_size,
    vm.trace.loop{ pages = pages, n = pages * rounds, base = BASE, page_size = page_size })
  check.eq(lab.predict_misses(pages, entries, rounds), r.walks, string.format(
    "predict_misses(%d, %d, %d) = {got}, the model missed {want} times — %s", pages, entries, rounds, why))
end

check.test("working set vs TLB size (LRU loop)", { points = 2, partial = true }, function()
  check_loop(16, 64, 5, 0, K4, "16 pages fit in 64 entries: only the first round misses")
  check_loop(64, 64, 5, 0, K4, "64 pages exactly fill 64 entries: only the first round misses")
  check_loop(65, 64, 5, 0, K4, "65 pages in 64 entries: LRU evicts the page needed next, so every access misses")
  check_loop(40, 32, 3, 0, K4, "a working set even a little larger than the TLB misses on every access with LRU")
end)

check.test("huge pages extend the reach", { points = 2, partial = true }, function()
  -- 64 MiB looped twice on a 64-entry 4-way TLB: consecutive pages spread evenly over the 16 sets,
  -- so the set-associative TLB behaves as a fully-associative one would here.
  check_loop(64 * 1024 * 1024 // K4, 64, 2, 4, K4,
    "64 MiB in 4 KiB pages is 16384 pages, far beyond a reach of 64 × 4 KiB = 256 KiB")
  check_loop(64 * 1024 * 1024 // M2, 64, 2, 4, M2,
    "64 MiB in 2 MiB pages is 32 pages, within a reach of 64 × 2 MiB = 128 MiB")
end)

-- Compares lab.amat with the model's cycles per access over a few traces.
local function check_amat(paging, levels, costs)
  for _, trace in ipairs({
    vm.trace.zipf{ pages = 300, alpha = 0.9, n = 5000, seed = 1, base = BASE },
    vm.trace.uniform{ pages = 100, n = 5000, seed = 2, base = BASE },
    vm.trace.loop{ pages = 50, n = 5000, base = BASE },
  }) do
    local m, s, cpu = machine({ entries = 64, ways = 4 }, { paging = paging, costs = costs })
    local r = run_mapped(m, s, cpu, 300 * K4, K4, trace)
    check.near(lab.amat(r.hit_rate, costs, levels), r.amat, 1e-6, string.format(
      "amat(%.4f, {tlb_hit = %d, memory_reference = %d}, %d) = {got}, the model measured {want} cycles per access — every access pays the lookup (%d), and a miss (a fraction %.4f) adds a walk of %d references × %d cycles",
      r.hit_rate, costs.tlb_hit, costs.memory_reference, levels, costs.tlb_hit, 1 - r.hit_rate, levels, costs.memory_reference))
  end
end

check.test("AMAT from hit rate and costs", { points = 2, partial = true }, function()
  check_amat("x86_64", 4, { tlb_hit = 1, memory_reference = 100 })
  check_amat("x86_64", 4, { tlb_hit = 2, memory_reference = 50 })
end)

check.test("conflicts in a 1536-entry 12-way TLB", { points = 1, hidden = true, partial = true }, function()
  check_conflicts(0x7f0000123456, 1536, 12, 13)
end)

check.test("AMAT with 5-level and 3-level walks", { points = 1, hidden = true, partial = true }, function()
  check_amat("x86_64_la57", 5, { tlb_hit = 1, memory_reference = 100 })
  check_amat("sv39", 3, { tlb_hit = 1, memory_reference = 80 })
end)
