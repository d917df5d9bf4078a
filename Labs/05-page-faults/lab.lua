-- Lab 05: page faults and demand paging.        Check:  vmlab check Labs/05-page-faults
-- Fill in the TODOs. The README describes the layout, the steps and the kernel primitives.
local M = {}

------------------------------------------------------------------ Part 1: predicting faults

-- steps: a list such as { {"x", "code", 0}, {"w", "heap", 3}, {"commit", "reserved", 1},
-- {"mprotect", "none", 2, "rw-"} } on the README's layout (a fresh process, catch_segv on).
-- Return one outcome per step:
--   an access ("r", "w", "x") that does not fault:          "none"
--   an access that faults and is resolved: how the kernel resolved it:
--       "demand-zero", "file-read" (major), "page-cache", "cow-copy", "stack-growth"
--   an invalid access: the SIGSEGV reason, e.g. "unmapped address", "guard page",
--       "reserved, not committed", "write to a read-only page",
--       "instruction fetch from a non-executable page (NX)", "user access to a kernel address"
--   a "commit" or "mprotect" step: "ok"
function M.predict(steps)
  local out = {}
  for i = 1, #steps do
    out[i] = "none"   -- TODO: keep track of what is mapped, cached, committed, and how far the stack grew
  end
  return out
end

------------------------------------------------------------------ Part 2: a demand-paging fault handler

-- Return the fault handler function(f, k) the checker installs with m:set_fault_handler.
-- f = { va=, page=, op= ("read", "write", "execute"), present=, pa=, pid=, vma = { start=, ["end"]=,
--       prot= ("rw-"…), flags = {…}, shared=, file= } or nil }
-- k = the kernel primitives: k:alloc_frame(), k:zero(pa), k:map(va, pa, prot), k:kill(reason),
--     k:default() (the built-in handler, only for what you cannot do yourself — see the README).
-- It must:
--   * refuse what is invalid with k:kill(reason), with the reason the built-in handler gives:
--     no VMA (but a stack may grow into its room), a guard page, reserved/PROT_NONE memory,
--     an access the VMA's protection does not allow, a kernel address;
--   * leave file-backed and shared VMAs, and stack growth, to k:default();
--   * for private anonymous memory: allocate a frame, zero it, map it with the VMA's protection.
function M.demand_pager(m)
  return function(f, k)
    -- TODO
  end
end

return M
