-- Lab 01 checker: translating addresses by hand.   vmlab check Labs/01-translation
local lab = check.lab
local hex = check.hex

local X86 = { page_bits = 12, level_bits = { 9, 9, 9, 9 }, names = { "PML4", "PDPT", "PD", "PT" }, mode = "x86_64" }
local SV39 = { page_bits = 12, level_bits = { 9, 9, 9 }, names = { "VPN[2]", "VPN[1]", "VPN[0]" }, mode = "sv39" }
local TEXTBOOK_MODE = { va_bits = 15, page_bits = 5, levels = { 5, 5 }, pte_bytes = 1 }
local TEXTBOOK = { page_bits = 5, level_bits = { 5, 5 }, names = { "PD", "PT" }, mode = TEXTBOOK_MODE }

-- Bits hi..lo of level i (root first) and the expression that extracts them.
local function field(layout, i)
  local lo = layout.page_bits
  for j = #layout.level_bits, i + 1, -1 do lo = lo + layout.level_bits[j] end
  local bits = layout.level_bits[i]
  return lo + bits - 1, lo, string.format("(va >> %d) & %s", lo, hex((1 << bits) - 1))
end

-- Compares lab.split(va, …) with `expected` ({indices=, offset=}, default: vm.split).
local function check_split(layout, va, expected)
  if not expected then
    local s = vm.split(va, layout.mode)
    expected = { indices = s.indices, offset = s.offset }
  end
  local got = lab.split(va, layout.page_bits, layout.level_bits)
  if not check.ok(type(got) == "table" and type(got.indices) == "table",
      "split must return a table { indices = {…}, offset = … } (it returned " .. check.show(got) .. ")") then return end
  for i, name in ipairs(layout.names) do
    local hi, lo, how = field(layout, i)
    check.eq_hex(got.indices[i], expected.indices[i], string.format(
      "split(%s): your %s index is {got}, but it is %s — the %s index is bits %d..%d of the address: %s",
      hex(va), name, hex(expected.indices[i]), name, hi, lo, how))
  end
  check.eq_hex(got.offset, expected.offset, string.format(
    "split(%s): your offset is {got}, but it is %s — the offset is the low %d bits: va & %s",
    hex(va), hex(expected.offset), layout.page_bits, hex((1 << layout.page_bits) - 1)))
end

check.test("split: the known x86-64 answer", 2, function()
  -- 0x00007ffd12345678 -> PML4 0x0ff, PDPT 0x1f4, PD 0x091, PT 0x145, offset 0x678
  check_split(X86, 0x00007ffd12345678, { indices = { 0x0ff, 0x1f4, 0x091, 0x145 }, offset = 0x678 })
end)

check.test("split: more x86-64 addresses", { points = 2, partial = true }, function()
  for _, va in ipairs({ 0x0, 0x400123, 0x7fffffffffff, 0x0000123456789abc, 0xffff800000001000 }) do
    check_split(X86, va)
  end
end)

check.test("split: the textbook 15-bit mode", { points = 2, partial = true }, function()
  for _, va in ipairs({ 0x1234, 0x0000, 0x7fff, 0x0421, 0x3e0f }) do
    check_split(TEXTBOOK, va)
  end
end)

check.test("split: sv39 (three levels)", { points = 1, hidden = true, partial = true }, function()
  for _, va in ipairs({ 0x123456789, 0x3fffffffff, 0x40201000 }) do
    check_split(SV39, va)
  end
end)

check.test("PTE addresses: root + index × PTE size", 1, function()
  local cases = { { 0x1000, 0x0ff, 8 }, { 0x2000, 0x1f4, 8 }, { 0x40, 0x11, 1 }, { 0x0, 0x1ff, 8 } }
  for _, c in ipairs(cases) do
    local want = c[1] + c[2] * c[3]
    check.eq_hex(lab.pte_address(c[1], c[2], c[3]), want, string.format(
      "pte_address(%s, %s, %d) is {got}, but entry %s of the table at %s is at %s + %s × %d = {want}",
      hex(c[1]), hex(c[2]), c[3], hex(c[2]), hex(c[1]), hex(c[1]), hex(c[2]), c[3]))
  end
end)

-- A textbook machine whose tables are built byte by byte with m:write.
local function textbook_machine()
  local m = vm.machine{ memory = 4096, paging = TEXTBOOK_MODE }
  local root = m:alloc_frame()
  local pt = m:alloc_frame()
  local pt2 = m:alloc_frame()
  local pages = { m:alloc_frame(), m:alloc_frame(), m:alloc_frame() }
  local function set(pa, frame_pa) m:write(pa, 0x80 | (frame_pa >> 5), 1) end
  set(root + 0x04, pt)             -- PD[0x04] -> pt
  set(root + 0x1f, pt2)            -- PD[0x1f] -> pt2
  set(pt + 0x11, pages[1])         -- 0x1220..0x123f
  set(pt + 0x00, pages[2])         -- 0x1000..0x101f
  set(pt2 + 0x1f, pages[3])        -- 0x7fe0..0x7fff
  m:write(pt + 0x12, 0x05, 1)      -- PT[0x12]: valid bit clear (a stale frame number)
  return m, root
end

local function check_walk(name, walk, m, root, s, va)
  local pa, level = walk(m, root, va)
  local t = s:translate(va, "r", "kernel")
  if t.pa then
    check.eq_hex(pa, t.pa, string.format(
      "%s(%s) gave {got}, but the MMU translates it to {want}: follow each valid entry's frame number (frame × page size) to the next table, then add the offset",
      name, hex(va)))
  else
    local where = t.steps[#t.steps].name
    check.ok(pa == nil and level == where, string.format(
      "%s(%s) returned %s, %s — but the entry at level %s (at %s) is not valid: return nil, %q",
      name, hex(va), check.show(pa), check.show(level), where, hex(t.steps[#t.steps].pte_addr), where))
  end
end

check.test("walk a hand-built textbook table", { points = 3, partial = true }, function()
  local m, root = textbook_machine()
  local s = m:address_space(root)
  for _, va in ipairs({ 0x1234, 0x1000, 0x101f, 0x7fff, 0x7fe0, 0x1240, 0x0234, 0x5000 }) do
    check_walk("walk_textbook", lab.walk_textbook, m, root, s, va)
  end
end)

check.test("walk an x86-64 table", { points = 3, partial = true }, function()
  local m = vm.machine{ memory = "16 MiB", paging = "x86_64" }
  local s = m:address_space()
  s:map(0x00007ffd12345000, "alloc", { w = true, u = true })
  s:map(0x400000, "alloc", { u = true, x = true })
  s:map(0x401000, "alloc")
  s:map(0xffff800000200000, "alloc", { w = true })
  for _, va in ipairs({ 0x00007ffd12345678, 0x400000, 0x401abc, 0xffff800000200fff,
                        0x402000, 0x600000, 0x00007ffd00000000, 0x0000100000000000 }) do
    check_walk("walk_x86_64", lab.walk_x86_64, m, s.root, s, va)
  end
end)
