-- Lab 05 reference solution.
local M = {}
local PAGE = 4096
local USER_TOP = 0x800000000000            -- x86-64: user space ends here, the kernel half starts above

------------------------------------------------------------------ Part 1: predicting faults

-- The layout of the README, in pages: each area's size and what backs it.
local AREAS = {
  code = { pages = 4, prot = "r-x", file = true }, data = { pages = 4, prot = "rw-", file = true },
  heap = { pages = 8, prot = "rw-" }, reserved = { pages = 4, prot = "---" }, none = { pages = 4, prot = "---" },
}
local REFUSED = { r = "read from a non-readable page", w = "write to a read-only page",
                  x = "instruction fetch from a non-executable page (NX)" }

function M.predict(steps)
  local prot, present, cache, out = {}, {}, {}, {}
  for name, a in pairs(AREAS) do prot[name] = {}; for i = 0, a.pages - 1 do prot[name][i] = a.prot end end
  local stack_low = 7                       -- the stack's lowest page in its VMA (its growth room is pages 0..7)
  for i, s in ipairs(steps) do
    local op, area, page = s[1], s[2], s[3]
    local key = area .. ":" .. page
    if op == "commit" then prot[area][page] = "rw-"; out[i] = "ok"
    elseif op == "mprotect" then prot[area][page] = s[4]; out[i] = "ok"
    elseif area == "kernel" then out[i] = "user access to a kernel address"
    elseif area == "null" then out[i] = "unmapped address"
    elseif area == "stack" then
      if page < 0 then out[i] = "guard page"
      elseif page < stack_low then stack_low = page; present[key] = true; out[i] = "stack-growth"
      elseif present[key] then out[i] = "none"
      else present[key] = true; out[i] = "demand-zero" end
    else
      local p = prot[area][page]
      if p == "---" then out[i] = "reserved, not committed"
      elseif not p:find(op, 1, true) then out[i] = REFUSED[op]
      elseif not AREAS[area].file then
        if present[key] then out[i] = "none" else present[key] = true; out[i] = "demand-zero" end
      else
        -- code and data map the same file pages: one page cache.
        local cached = cache[page]
        cache[page] = true
        if op == "w" and area == "data" then
          if present[key] == "copy" then out[i] = "none"
          elseif not cached then out[i] = "file-read"            -- read in, then copied at once
          else out[i] = "cow-copy" end                          -- a private copy of the cached page
          present[key] = "copy"
        elseif present[key] then out[i] = "none"
        else present[key] = "cache"; out[i] = cached and "page-cache" or "file-read" end
      end
    end
  end
  return out
end

------------------------------------------------------------------ Part 2: a demand-paging fault handler

local LETTER = { read = "r", write = "w", execute = "x" }
local REASON = { read = REFUSED.r, write = REFUSED.w, execute = REFUSED.x }

local function has(list, flag)
  for _, f in ipairs(list) do if f == flag then return true end end
  return false
end

-- Below a stack: "grow" inside its growth room, "guard" on the page just under it, else nil.
local function below_stack(p, va)
  for _, v in ipairs(p:vmas()) do
    if v.growth_limit and va < v.start then
      if va >= v.growth_limit then return "grow" end
      if va >= v.growth_limit - PAGE then return "guard" end
    end
  end
end

function M.demand_pager(m)
  return function(f, k)
    -- Compared unsigned: kernel addresses (0xffff8000…) are negative integers in Lua.
    if not math.ult(f.va, USER_TOP) then return k:kill("user access to a kernel address") end
    local v = f.vma
    if not v then
      local where = below_stack(m:process(f.pid), f.va)
      if where == "grow" then return k:default() end     -- growing the VMA is the kernel's bookkeeping
      return k:kill(where == "guard" and "guard page" or "unmapped address")
    end
    if has(v.flags, "guard") then return k:kill("guard page") end
    if has(v.flags, "reserved") or v.prot == "---" then return k:kill("reserved, not committed") end
    if not v.prot:find(LETTER[f.op], 1, true) then return k:kill(REASON[f.op]) end
    if v.file or v.shared then return k:default() end       -- the page cache is the kernel's
    local pa = k:alloc_frame()
    k:zero(pa)
    k:map(f.page, pa, v.prot)
  end
end

return M
