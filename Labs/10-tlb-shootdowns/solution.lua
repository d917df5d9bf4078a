-- Lab 10 reference solution.
local M = {}

function M.ipi_targets(events, space, kernel_cpu, pcid)
  local current, ran = {}, {}
  for _, e in ipairs(events) do
    local cpu, s = e[1], e[2]
    current[cpu] = s
    if s == space then ran[cpu] = true end
  end
  local cpus = {}
  for cpu in pairs(ran) do
    -- without PCIDs a switch flushed the CPU's entries: only the CPUs running the space now hold any;
    -- with PCIDs every CPU that ever ran it may still hold entries tagged with its ASID
    local holds = pcid or current[cpu] == space
    if holds and cpu ~= kernel_cpu then cpus[#cpus + 1] = cpu end   -- the initiator invalidates locally
  end
  table.sort(cpus)
  return cpus
end

function M.shootdown_cost(changes, targets, batched, ipi_cost)
  local rounds = 0
  if changes > 0 and targets > 0 then rounds = batched and 1 or changes end
  local ipis = rounds * targets
  return { rounds = rounds, ipis = ipis, cycles = ipis * ipi_cost }
end

function M.survivors(cached, first, length, ceiling)
  if length > ceiling then return 0 end                  -- the whole ASID is flushed
  local lo, hi = math.max(first, 0), math.min(first + length, cached)
  return cached - math.max(0, hi - lo)                   -- invlpg of each page in the range
end

return M
