-- determinism.lua: one seeded run through every layer — random traces, TLBs with random
-- replacement, the kernel (fork, COW, demand paging), replacement policies — printed in full.
-- Same seed, same output: the test suite runs it twice (and with another seed) and compares.
--   vmlab Scripts/examples/determinism.lua [seed]
local seed = tonumber(arg and arg[1]) or 42
local m = vm.machine{ memory = "64 MiB", seed = seed, cpus = 2, pcid = true,
  tlb = { { name = "L1", entries = 32, ways = 4, replacement = "random" }, { name = "L2", entries = 256, ways = 8, replacement = "plru" } } }
local p = m:spawn("worker")
local heap = assert(p:mmap{ size = "4 MiB" })
m:run(p, vm.trace.zipf{ pages = 1024, alpha = 0.9, n = 20000, seed = seed, writes = 0.3, base = heap })
local child = assert(p:fork())
m:run(child, vm.trace.uniform{ pages = 1024, n = 5000, seed = seed + 1, writes = 0.5, base = heap })
local function line(name, t)
  local keys = {}
  for k, v in pairs(t) do if type(v) ~= "table" then keys[#keys + 1] = k end end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. tostring(t[k]) end
  print(name .. ": " .. table.concat(parts, " "))
end
line("parent", p.stats)
line("child", child.stats)
line("L1", m.stats.tlb.L1)
line("L2", m.stats.tlb.L2)
for _, policy in ipairs{ "random", "clock", "arc" } do
  line(policy, vm.simulate{ trace = vm.trace.zipf{ pages = 5000, alpha = 0.8, n = 50000, seed = seed }, policy = policy, frames = 500, seed = seed })
end
print("check: " .. #m:check() .. " violations")
