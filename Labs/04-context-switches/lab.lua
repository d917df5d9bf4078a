-- Lab 04: context switches, PCIDs and KPTI.        Check:  vmlab check Labs/04-context-switches
-- Fill in the TODOs. The README explains each function. Everything runs on one CPU whose TLB is
-- large enough for all the pages involved (misses come from flushes, never from capacity).
local M = {}

-- The CPU runs the processes of `schedule` in order, e.g. {"A", "B", "A", "A"}: for each time slice
-- it switches to the process (no switch when it already runs it) and touches that process's
-- `user_pages` user pages, then `kernel_pages` kernel pages that every process maps at the same
-- addresses. opts.pcid: tagged TLB entries instead of a flush on each switch; opts.global: the
-- kernel pages are global. How many accesses walk the page tables?
function M.predict_walks(schedule, user_pages, kernel_pages, opts)
  -- TODO
  return 0
end

-- With pcid = true and asid_bits = bits, the CPU runs processes P0, P1, …, P(n-1), P0, P1, …
-- round-robin, `switches` slices in all. Return { asids = {the ASID each slice runs with},
-- rollovers = how many times the ASIDs ran out }.
function M.asid_sequence(n, bits, switches)
  -- TODO
  return { asids = {}, rollovers = 0 }
end

-- The same round-robin schedule, each slice touching `pages` pages of its process. How many walks?
function M.pcid_walks(n, bits, switches, pages)
  -- TODO
  return 0
end

-- KPTI on. A process's `pages` user pages are in the TLB; then it makes n rounds of
-- { one system call that touches no memory; read each of its pages once }. Return
-- { switches = root switches, walks = walks, cycles = cycles } for those n rounds, with
-- costs = { kpti_switch =, tlb_hit =, memory_reference = } and a 4-level walk per miss
-- (no page-walk caches). pcid: with or without PCIDs.
function M.kpti_price(n, pages, costs, pcid)
  -- TODO
  return { switches = 0, walks = 0, cycles = 0 }
end

return M
