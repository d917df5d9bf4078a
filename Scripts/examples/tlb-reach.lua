-- TLB reach: the miss rate of a loop over a working set, with 4 KiB and with 2 MiB pages,
-- through one 64-entry 4-way TLB. The cliff sits at entries × page size: 256 KiB for 4 KiB
-- pages, 128 MiB for 2 MiB pages. Writes the chart to the file given (default tlb-reach.svg).
--   vmlab Scripts/examples/tlb-reach.lua docs/tlb-reach.svg
local out = arg and arg[1] or "tlb-reach.svg"
local KiB, MiB = 1024, 1024 * 1024

local function miss_rate(page_size, working_set)
  local m = vm.machine{ memory = "1 GiB", pwc = false, tlb = { { name = "TLB", entries = 64, ways = 4 } } }
  local s = m:address_space()
  s:map_range(0, 0, math.max(working_set, page_size), { u = true, w = true, size = page_size })
  local cpu = m.cpus[1]
  cpu:switch(s)
  local pages = math.max(1, working_set // page_size)
  local trace = vm.trace.loop{ pages = pages, working_set = pages, page_size = page_size, n = pages * 20 }
  m:run(cpu, trace, { limit = pages * 2 })                 -- warm up: two rounds
  local r = m:run(cpu, trace)
  return 1 - r.hit_rate
end

local series = {}
for _, page in ipairs{ { 4 * KiB, "4 KiB pages" }, { 2 * MiB, "2 MiB pages" } } do
  local points = {}
  for shift = 16, 29 do                                    -- 64 KiB … 512 MiB
    local bytes = 1 << shift
    if bytes >= page[1] then points[#points + 1] = { bytes / MiB, miss_rate(page[1], bytes) } end
  end
  series[#series + 1] = { name = page[2], points = points }
  for _, p in ipairs(points) do print(string.format("%-12s %10.3f MiB  miss rate %.3f", page[2], p[1], p[2])) end
end

local svg = vm.plot{
  title = "TLB reach: 64 entries × page size", x = "working set (MiB, looped over)", y = "TLB miss rate",
  series = series, log_x = true,
  marks = { { x = 0.25, y = 0, label = "64 × 4 KiB = 256 KiB" }, { x = 128, y = 0, label = "64 × 2 MiB = 128 MiB" } },
}
local file = assert(io.open(out, "w"))
file:write(svg)
file:close()
print("wrote " .. out)
