-- Lab 06: copy-on-write fork.        Check:  vmlab check Labs/06-cow-fork
-- Fill in the TODOs. The README explains the start, the events and the kernel primitives.
local M = {}

------------------------------------------------------------------ Part 1: predicting COW

-- Process P has an 8-page heap and has written pages 0 … 3 (pages 4 … 7 are untouched).
-- events: a list such as { {"fork", "P", "C"}, {"w", "C", 0}, {"r", "P", 0}, {"exit", "P"}, {"exec", "C"} }
-- ("fork", parent, child name; "w"/"r", process, heap page; "exit"/"exec", process).
-- Return one outcome per event:
--   a read or write that does not fault: "none"
--   a fault: "demand-zero", "cow-copy" or "cow-reuse"
--   an access to the heap after exec: "unmapped address"
--   fork, exit, exec: "ok"
function M.predict(events)
  local out = {}
  for i = 1, #events do
    out[i] = "ok"   -- TODO: who maps which frame, writable or not, and how many map each frame
  end
  return out
end

------------------------------------------------------------------ Part 2: a COW fault handler

-- Return the fault handler function(f, k) the checker installs with m:set_fault_handler.
-- A write to a present, read-only page of a private writable VMA is a copy-on-write fault:
--   * if k:refcount(f.pa) says the frame is still shared: allocate a frame, copy the page into
--     it (k:copy_frame), map the copy at f.page with the VMA's protection; stats.copies += 1
--   * if this process is its only user: map the same frame with the VMA's protection
--     (writable again); stats.reuses += 1
-- Every other fault (demand zero, files, invalid accesses): k:default(), the built-in handler.
function M.cow_handler(stats)
  return function(f, k)
    -- TODO: recognise the COW fault and handle it yourself
    return k:default()
  end
end

return M
