-- Lab 02 checker: building page tables.   vmlab check Labs/02-page-tables
local lab = check.lab
local hex = check.hex
local K4, M2, G1 = 4096, 2 * 1024 * 1024, 1024 * 1024 * 1024
local SIZE = { [K4] = "4K", [M2] = "2M", [G1] = "1G" }

local function describe(mappings)
  local parts = {}
  for _, mp in ipairs(mappings) do parts[#parts + 1] = SIZE[mp.size] .. "@" .. hex(mp.va) end
  if #parts > 4 then return #parts .. " mappings (" .. parts[1] .. ", " .. parts[2] .. ", …)" end
  return table.concat(parts, ", ")
end

-- The model is the oracle: map them and count.
local function actual_tables(mappings)
  local m = vm.machine{ memory = "4 GiB" }
  local s = m:address_space()
  for _, mp in ipairs(mappings) do s:map(mp.va, "alloc", { size = mp.size }) end
  return s:stats()
end

local function check_tables(mappings, why)
  local stats = actual_tables(mappings)
  local by = stats.table_pages
  check.eq(lab.table_pages(mappings), stats.total_table_pages, string.format(
    "table_pages(%s) = {got}, but the tables need {want} pages (PML4 %d, PDPT %d, PD %d, PT %d) — %s",
    describe(mappings), by.PML4 or 0, by.PDPT or 0, by.PD or 0, by.PT or 0, why))
end

check.test("table pages: one 4 KiB page", 1, function()
  check_tables({ { va = 0x7ffd12345000, size = K4 } },
    "a 4 KiB page needs a PDPT, a PD and a PT below the root")
end)

check.test("table pages: 512 pages in one 2 MiB region", 1, function()
  local maps = {}
  for i = 0, 511 do maps[#maps + 1] = { va = 0x400000 + i * K4, size = K4 } end
  check_tables(maps, "all 512 pages share one PT (512 entries), one PD and one PDPT")
end)

check.test("table pages: huge pages stop early", { points = 2, partial = true }, function()
  check_tables({ { va = 0x40000000, size = M2 } }, "a 2 MiB page is a leaf in the PD: no PT")
  check_tables({ { va = 0x40000000, size = G1 } }, "a 1 GiB page is a leaf in the PDPT: no PD, no PT")
end)

check.test("table pages: sparse vs dense", { points = 2, partial = true }, function()
  check_tables({ { va = 0x1000, size = K4 }, { va = 0x7fffffff000, size = K4 }, { va = 0x7ffffffff000, size = K4 } },
    "pages far apart share nothing below the entries their addresses have in common")
  check_tables({ { va = 0x200000, size = K4 }, { va = 0x400000, size = M2 }, { va = 0x3fe00000, size = K4 }, { va = 0x80000000, size = G1 } },
    "count the distinct PML4 entries (one PDPT each), PDPT entries of 4K/2M pages (one PD each), and PD entries of 4K pages (one PT each)")
  check_tables({ { va = 0xffff800000000000, size = K4 }, { va = 0x1000, size = K4 } },
    "kernel addresses use the upper half of the PML4 (drop the sign-extension bits 63..48)")
end)

check.test("build: the layout maps as asked", { points = 3, partial = true }, function()
  local m = vm.machine{ memory = "64 MiB" }
  local s = m:address_space()
  lab.build(s)
  local want = {
    { va = 0x400000, size = K4, w = false, u = true, x = true, what = "code" },
    { va = 0x601000, size = K4, w = true, u = true, x = false, what = "data" },
    { va = 0x40000000, size = M2, w = true, u = true, x = false, what = "heap" },
    { va = 0xffff800000000000, size = K4, w = true, u = false, x = false, what = "kernel data" },
  }
  for _, w in ipairs(want) do
    local l = s:lookup(w.va)
    if check.ok(l ~= nil, string.format("%s: nothing is mapped at %s — use s:map(%s, \"alloc\", {…})", w.what, hex(w.va), hex(w.va))) then
      check.eq(l.page_size, w.size, string.format("%s at %s: the page is {got} bytes, it should be {want}%s", w.what, hex(w.va),
        w.size == M2 and ' — pass size = "2M" for a huge page' or ""))
      local f = l.pte  -- s:lookup decodes the leaf entry
      check.eq({ w = f.writable, u = f.user, x = not f.nx }, { w = w.w, u = w.u, x = w.x }, string.format(
        "%s at %s: the flags are {got}, they should be {want} (w: writable, u: user, x: executable = not NX)", w.what, hex(w.va)))
    end
  end
end)

check.test("fault error codes", { points = 3, partial = true }, function()
  local m = vm.machine{ memory = "64 MiB" }
  local s = m:address_space()
  local pages = {
    { va = 0x10000, present = true, writable = false, user = true, nx = true, what = "a read-only user page" },
    { va = 0x11000, present = true, writable = true, user = false, nx = true, what = "a supervisor page" },
    { va = 0x12000, present = true, writable = true, user = true, nx = true, what = "an NX user data page" },
    { va = 0x13000, present = true, writable = false, user = true, nx = false, what = "a user code page" },
    { va = 0x14000, present = false, writable = false, user = false, nx = false, what = "an unmapped page" },
  }
  for _, p in ipairs(pages) do
    if p.present then s:map(p.va, "alloc", { w = p.writable, u = p.user, x = not p.nx }) end
  end
  local names = { [1] = "P", [2] = "W", [4] = "U", [16] = "I/D" }
  local function bits(code)
    if code == nil then return "no fault" end
    local t = {}
    for _, b in ipairs({ 1, 2, 4, 16 }) do if code & b ~= 0 then t[#t + 1] = names[b] end end
    return string.format("%d (%s)", code, #t > 0 and table.concat(t, " ") or "none")
  end
  for _, p in ipairs(pages) do
    for _, priv in ipairs({ "user", "kernel" }) do
      for _, access in ipairs({ "r", "w", "x" }) do
        local t = s:translate(p.va, access, priv)
        local want = t.fault and t.fault.code or nil
        local got = lab.error_code(access, priv, { present = p.present, writable = p.writable, user = p.user, nx = p.nx })
        check.ok(got == want, string.format(
          "%s access (%s mode) to %s: you said %s, the MMU says %s — P is set when the page was present, W for a write, U from user mode, I/D for a fetch%s",
          ({ r = "read", w = "write", x = "fetch" })[access], priv, p.what, bits(got), bits(want),
          want == nil and "; this access is allowed" or (t.fault.reason and " (" .. t.fault.reason .. ")" or "")))
      end
    end
  end
end)

check.test("accessed and dirty bits", { points = 2, partial = true }, function()
  for _, seq in ipairs({ {}, { "r" }, { "r", "r" }, { "w" }, { "r", "w", "r" }, { "x" } }) do
    local m = vm.machine{ memory = "64 MiB" }
    local s = m:address_space()
    s:map(0x5000, "alloc", { w = true, u = true, x = true })
    for _, a in ipairs(seq) do s:translate(0x5000, a, "user") end
    local f = s:lookup(0x5000).pte
    local got = lab.ad_bits(seq)
    check.eq(got, { accessed = f.accessed, dirty = f.dirty }, string.format(
      "after the accesses %s: you said {got}, the PTE has {want} — the MMU sets A on any access and D on a write",
      check.show(seq)))
  end
end)
