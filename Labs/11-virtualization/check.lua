-- Lab 11 checker: virtualization.   vmlab check Labs/11-virtualization
local lab = check.lab
local K4, M2, G1 = 4096, 2 * 1024 * 1024, 1024 * 1024 * 1024
local BASE = G1                           -- where the checker maps guest pages

local modes = { [4] = "x86_64", [5] = "x86_64_la57" }

-- A cold nested walk of BASE in a fresh guest (n-level guest pages of guest_page on an m-level EPT
-- of ept_page pages), as g:translate reports it.
local function measure_walk(n, m, guest_page, ept_page)
  local guest_bytes = math.max(2 * guest_page, 2 * ept_page, 32 * 1024 * 1024)
  local host = vm.machine{ memory = 2 * guest_bytes, paging = modes[m] }
  local g = host:guest{ memory = guest_bytes, paging = modes[n], ept_page = ept_page }
  local s = g.machine:address_space()
  s:map(BASE, "alloc", { u = true, w = true, size = guest_page })
  return g:translate(s, BASE + 0x123)
end

local function check_order(n, m)
  local r = measure_walk(n, m, K4, K4)
  local want = {}
  for _, st in ipairs(r.steps) do
    want[#want + 1] = st.what == "ept" and ("ept " .. st.guest_level .. "/" .. st.host_level) or ("guest " .. st.guest_level)
  end
  local got = lab.walk_order(n, m)
  if type(got) ~= "table" then return check.fail("walk_order must return a list of strings, it returned " .. check.show(got)) end
  check.eq(#got, #want, string.format("walk_order(%d, %d) lists {got} references, the walk made {want}: every guest entry "
    .. "and the data page first need their guest-physical address translated through the EPT", n, m))
  for i = 1, #want do
    if got[i] ~= want[i] then
      return check.fail(string.format("walk_order(%d, %d)[%d] = %s, the hardware reads %s there — before reading guest entry G "
        .. "it walks the EPT (host levels 0…%d) for the guest-physical address of that entry", n, m, i, check.show(got[i]), want[i], m - 1))
    end
  end
end

check.test("the 2-D walk, step by step", { points = 3, partial = true }, function()
  check_order(4, 4)
  check_order(5, 4)
end)

local function size_name(bytes)
  return bytes == K4 and "4 KiB" or bytes == M2 and "2 MiB" or "1 GiB"
end

local function check_refs(n, m, guest_page, ept_page)
  local want = measure_walk(n, m, guest_page, ept_page).refs
  check.eq(lab.walk_refs(n, m, guest_page, ept_page), want, string.format(
    "walk_refs(%d, %d, %s, %s) = {got}, the walk read {want} entries — a huge page ends a walk early: the guest reads "
    .. "fewer entries (so fewer EPT walks), each EPT walk reads fewer with EPT huge pages", n, m, size_name(guest_page), size_name(ept_page)))
end

check.test("cold walks: 4 KiB pages", { points = 1 }, function()
  check_refs(4, 4, K4, K4)
  check_refs(5, 5, K4, K4)
  check_refs(4, 5, K4, K4)
end)

check.test("cold walks: huge pages at either level", { points = 3, partial = true }, function()
  check_refs(4, 4, K4, M2)
  check_refs(4, 4, K4, G1)
  check_refs(4, 4, M2, K4)
  check_refs(4, 4, M2, M2)
  check_refs(4, 4, G1, G1)
end)

-- The workload of mode_cycles, measured in both modes.
local function measure_modes(pages, accesses, mem_ref, exit_cycles)
  local result = {}
  for _, mode in ipairs{ "nested", "shadow" } do
    local host = vm.machine{ memory = "64 MiB", costs = { memory_reference = mem_ref, tlb_hit = { 0 } } }
    local g = host:guest{ memory = "32 MiB", mode = mode, nested_pwc = 0, tlb = { { name = "TLB", entries = 1 } }, pwc = false }
    g.exit_cycles = exit_cycles
    local s = g.machine:address_space()
    for i = 0, pages - 1 do s:map(BASE + i * K4, "alloc", { u = true, w = true }) end
    local cpu = g.machine.cpus[1]
    cpu:switch(s)
    for a = 0, accesses - 1 do cpu:access(BASE + (a % pages) * K4) end
    local st = g.stats
    result[mode] = st.references * mem_ref + st.exit_cycles
  end
  return result
end

local function check_modes(pages, accesses, mem_ref, exit_cycles)
  local want = measure_modes(pages, accesses, mem_ref, exit_cycles)
  local got = lab.mode_cycles(pages, accesses, mem_ref, exit_cycles)
  if type(got) ~= "table" then return check.fail("mode_cycles must return { nested =, shadow = }, it returned " .. check.show(got)) end
  local call = string.format("mode_cycles(%d, %d, %d, %d)", pages, accesses, mem_ref, exit_cycles)
  check.eq(got.nested, want.nested, call .. ".nested = {got}, the model spent {want}: every access misses, a cold "
    .. "nested walk reads (4+1)(4+1)-1 entries, and each guest-physical page's first touch is an EPT violation (an exit)")
  check.eq(got.shadow, want.shadow, call .. ".shadow = {got}, the model spent {want}: the hardware walks the shadow (4 "
    .. "entries), but every guest PTE write traps (the first page needs 3 new tables and its leaf, each next page one "
    .. "leaf), the shadow starts empty (one hidden fault per page), and EPT violations are exits here too")
end

check.test("nested or shadow: who pays, and when", { points = 3, partial = true }, function()
  check_modes(8, 64, 100, 1000)
  check_modes(64, 64, 100, 1000)
  check_modes(2, 10000, 150, 2000)
end)

check.test("a larger workload", { points = 1, hidden = true, partial = true }, function()
  check_modes(300, 3000, 200, 1500)
  check_refs(5, 5, M2, M2)
end)
