-- Lab 10: TLB shootdowns.        Check:  vmlab check Labs/10-tlb-shootdowns
-- Fill in the TODOs. The README explains each function.
local M = {}

-- events: the context switches so far, in order, e.g. { {0, "A"}, {1, "A"}, {1, "B"} } (CPU 0
-- switched to A, then CPU 1 to A, then CPU 1 to B). The kernel, running on CPU kernel_cpu, now
-- unmaps (or mprotects) a page of `space`. Which CPUs receive an IPI? A sorted list of CPU numbers.
-- pcid: whether the machine tags TLB entries with ASIDs instead of flushing on a switch.
function M.ipi_targets(events, space, kernel_cpu, pcid)
  -- TODO
  local cpus = {}
  for _, e in ipairs(events) do
    if e[2] == space then cpus[#cpus + 1] = e[1] end
  end
  return cpus
end

-- `changes` unmaps of one page each of a space that runs on the kernel CPU and on `targets` other
-- CPUs. batched: all inside one m:batch(function() … end). An IPI costs ipi_cost cycles (charged to
-- the kernel CPU). Return { rounds = shootdown rounds, ipis = IPIs sent, cycles = their cost }.
function M.shootdown_cost(changes, targets, batched, ipi_cost)
  -- TODO
  return { rounds = changes, ipis = changes, cycles = changes * ipi_cost }
end

-- A remote CPU holds TLB entries for pages 0 … cached - 1 of a space (all pages 0 … 127 are mapped).
-- The kernel unmaps `length` pages starting at page `first` in one call. With the flush ceiling
-- `ceiling`, how many of the remote CPU's entries for the space are left?
function M.survivors(cached, first, length, ceiling)
  -- TODO
  return cached - length
end

return M
