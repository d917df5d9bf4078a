-- Lab 06 reference solution.
local M = {}

------------------------------------------------------------------ Part 1: predicting COW

-- Frames are tables { refs = n }; a process maps heap pages to { frame =, writable = }.
function M.predict(events)
  local procs, out = { P = {} }, {}
  for page = 0, 3 do procs.P[page] = { frame = { refs = 1 }, writable = true } end
  for i, e in ipairs(events) do
    local op, who, arg = e[1], e[2], e[3]
    local pages = procs[who]
    if op == "fork" then
      local child = {}
      for page, pte in pairs(pages) do
        pte.writable = false                                  -- parent and child: read-only, shared
        pte.frame.refs = pte.frame.refs + 1
        child[page] = { frame = pte.frame, writable = false }
      end
      procs[arg], out[i] = child, "ok"
    elseif op == "exit" or op == "exec" then
      for _, pte in pairs(pages) do pte.frame.refs = pte.frame.refs - 1 end
      procs[who] = nil
      if op == "exec" then procs[who] = false end             -- alive, but the heap is gone
      out[i] = "ok"
    elseif pages == false then
      out[i] = "unmapped address"
    else
      local pte = pages[arg]
      if not pte then
        pages[arg] = { frame = { refs = 1 }, writable = true }
        out[i] = "demand-zero"
      elseif op == "r" or pte.writable then
        out[i] = "none"
      elseif pte.frame.refs > 1 then
        pte.frame.refs = pte.frame.refs - 1
        pages[arg] = { frame = { refs = 1 }, writable = true }
        out[i] = "cow-copy"
      else
        pte.writable = true
        out[i] = "cow-reuse"
      end
    end
  end
  return out
end

------------------------------------------------------------------ Part 2: a COW fault handler

local function has(list, flag)
  for _, f in ipairs(list) do if f == flag then return true end end
  return false
end

-- A write to a present, read-only page of a private writable VMA: copy-on-write.
local function is_cow(f)
  local v = f.vma
  return f.present and f.op == "write" and v ~= nil and v.prot:find("w", 1, true) ~= nil
    and not v.shared and not has(v.flags, "huge")
end

function M.cow_handler(stats)
  return function(f, k)
    if not is_cow(f) then return k:default() end      -- demand paging, files, refusals: lab 05
    local pa = f.pa
    if k:refcount(pa) > 1 then                          -- still shared: a private copy
      local copy = k:alloc_frame()
      k:copy_frame(pa, copy)
      k:map(f.page, copy, f.vma.prot)                   -- the old frame loses this reference
      stats.copies = stats.copies + 1
    else                                                -- the others are gone: take it back
      k:map(f.page, pa, f.vma.prot)
      stats.reuses = stats.reuses + 1
    end
  end
end

return M
