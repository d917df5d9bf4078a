-- Lab 05 checker: page faults and demand paging.   vmlab check Labs/05-page-faults
-- The oracle is the model: the same steps run with the kernel's built-in fault handler.
local lab = check.lab
local show = check.show
local function hex(n) return string.format("0x%x", n) end   -- kernel addresses are negative Lua integers
local PAGE = 4096

------------------------------------------------------------------ Part 1: predicting faults

-- The README's layout, mapped in this order into a fresh process (catch_segv, so it survives).
local function layout(m, p)
  local f = m:file("prog.bin", string.rep("prog", PAGE))            -- 4 pages of bytes
  return {
    code = assert(p:mmap{ size = 4 * PAGE, prot = "r-x", file = f }),
    data = assert(p:mmap{ size = 4 * PAGE, prot = "rw-", file = f }),
    heap = assert(p:mmap{ size = 8 * PAGE, prot = "rw-" }),
    stack = assert(p:mmap{ size = 8 * PAGE, flags = { "stack" } }),  -- the bottom of its growth room
    reserved = assert(p:reserve(4 * PAGE)),
    none = assert(p:mmap{ size = 4 * PAGE, prot = "---" }),
    kernel = 0xffff800000000000, null = 0,
  }
end

-- What the kernel does on each step: the fault kinds of the access, "none", a SIGSEGV reason, or "ok".
local function model_outcomes(steps)
  local m = vm.machine{ memory = "64 MiB" }
  local p = m:spawn("prog")
  p.catch_segv = true
  local at = layout(m, p)
  local out = {}
  for i, s in ipairs(steps) do
    local va = at[s[2]] + s[3] * PAGE
    if s[1] == "commit" then out[i] = assert(p:commit(va, PAGE)) and "ok"
    elseif s[1] == "mprotect" then out[i] = assert(p:mprotect(va, PAGE, s[4])) and "ok"
    else
      local t = p:translate(va, s[1])
      out[i] = t.segv or (#t.faults > 0 and table.concat(t.faults, "+")) or "none"
    end
  end
  return out
end

local WHY = {
  ["none"] = "the page is already mapped with a protection that allows this access: no fault at all",
  ["demand-zero"] = "the first touch of an anonymous page inside its VMA (heap, a committed page, a stack page already inside the stack's VMA) maps a zeroed frame: a minor fault",
  ["file-read"] = "the first touch of a file page that is not in the page cache: the kernel reads it from the file, a major fault (code and data map the same file, so they share its page cache)",
  ["page-cache"] = "the file page is already in the page cache (some mapping of the same file read it): it is only mapped, a minor fault",
  ["cow-copy"] = "a write to a private file mapping whose page is in the page cache: the process gets its own copy (copy-on-write from the cache), a minor fault",
  ["stack-growth"] = "an access below the stack inside its growth room: the stack's VMA grows down to this page (the pages in between now belong to it, not yet touched)",
  ["guard page"] = "the page just below a stack's growth room is its guard page: touching it is a stack overflow",
  ["reserved, not committed"] = "reserved address space (p:reserve, or a PROT_NONE mapping) allows no access at all until it is committed (p:commit) or mprotected",
  ["write to a read-only page"] = "the VMA is not writable: a write is refused whether the page is present or not",
  ["instruction fetch from a non-executable page (NX)"] = "the VMA is not executable: an instruction fetch is refused",
  ["read from a non-readable page"] = "the VMA is not readable",
  ["user access to a kernel address"] = "addresses from 0xffff800000000000 up are the kernel half: user mode may never touch them",
  ["unmapped address"] = "no VMA covers the address (page 0 is never mapped)",
  ["ok"] = "commit and mprotect steps answer \"ok\"",
}

local function step_text(s)
  if s[1] == "mprotect" then return string.format('mprotect %s page %d to "%s"', s[2], s[3], s[4]) end
  return string.format("%s %s page %d", ({ r = "read", w = "write", x = "fetch", commit = "commit" })[s[1]], s[2], s[3])
end

local function check_script(label, steps)
  local want = model_outcomes(steps)
  local got = lab.predict(steps)
  if type(got) ~= "table" then return check.fail("predict must return a list of outcomes, it returned " .. show(got)) end
  for i, w in ipairs(want) do
    if got[i] ~= w then
      return check.fail(string.format("%s, step %d (%s): you predicted %s, the kernel did \"%s\" — %s", label, i,
        step_text(steps[i]), got[i] == nil and "nothing" or '"' .. tostring(got[i]) .. '"', w, WHY[w] or ""))
    end
  end
  check.eq(#got, #want, label .. ": one outcome per step")
end

check.test("predict: anonymous memory and files", { points = 3, partial = true }, function()
  check_script("heap", { { "r", "heap", 0 }, { "w", "heap", 0 }, { "w", "heap", 3 }, { "r", "heap", 3 }, { "r", "heap", 7 } })
  check_script("code", { { "x", "code", 0 }, { "x", "code", 0 }, { "r", "code", 1 }, { "x", "code", 3 } })
  check_script("code and data share a file", { { "x", "code", 0 }, { "r", "data", 0 }, { "w", "data", 0 }, { "w", "data", 0 },
    { "w", "data", 1 }, { "r", "code", 1 }, { "r", "data", 2 }, { "w", "data", 2 }, { "r", "code", 2 } })
end)

check.test("predict: stacks and guard pages", { points = 2, partial = true }, function()
  check_script("a stack growing", { { "w", "stack", 7 }, { "r", "stack", 7 }, { "w", "stack", 5 }, { "w", "stack", 6 }, { "r", "stack", 5 } })
  check_script("a stack overflowing", { { "w", "stack", 7 }, { "w", "stack", 0 }, { "r", "stack", 3 }, { "w", "stack", -1 }, { "r", "stack", 0 } })
end)

check.test("predict: reserve, commit and PROT_NONE", { points = 2, partial = true }, function()
  check_script("reserve and commit", { { "r", "reserved", 0 }, { "commit", "reserved", 1 }, { "r", "reserved", 0 },
    { "w", "reserved", 1 }, { "r", "reserved", 1 }, { "commit", "reserved", 0 }, { "r", "reserved", 0 } })
  check_script("PROT_NONE, then mprotect", { { "r", "none", 2 }, { "mprotect", "none", 2, "r--" }, { "r", "none", 2 },
    { "w", "none", 2 }, { "mprotect", "none", 2, "rw-" }, { "w", "none", 2 }, { "r", "none", 3 } })
end)

check.test("predict: invalid accesses", { points = 1, partial = true }, function()
  check_script("invalid", { { "x", "heap", 0 }, { "w", "code", 1 }, { "r", "kernel", 0 }, { "r", "null", 0 }, { "r", "null", 1 } })
end)

check.test("predict: a longer story", { points = 1, hidden = true }, function()
  check_script("story", { { "w", "data", 3 }, { "x", "code", 3 }, { "r", "data", 3 }, { "w", "heap", 1 }, { "x", "heap", 1 },
    { "w", "stack", 2 }, { "w", "stack", 4 }, { "r", "stack", 1 }, { "mprotect", "heap", 1, "r--" }, { "w", "heap", 1 },
    { "r", "heap", 1 }, { "commit", "reserved", 3 }, { "x", "reserved", 3 }, { "mprotect", "none", 0, "rwx" }, { "x", "none", 0 } })
end)

------------------------------------------------------------------ Part 2: the student's handler

local function reason_of(err)                -- the SIGSEGV reason of an error message
  local reason, detail = vm.segv_reason(tostring(err))
  if not reason then return "error: " .. tostring(err) end
  return reason == "fault not resolved by the fault handler" and detail ~= "" and detail or reason
end

-- k as the student's handler sees it: every primitive passes through, and what the handler did
-- is written down (frames allocated and zeroed, pages mapped, what it left to k:default()).
local function spy(k, f, w)
  local fresh = {}
  local function note(name, args, results)
    if name == "alloc_frame" then fresh[results[1]] = "allocated"
    elseif name == "zero" then fresh[args[1]] = "zeroed"
    elseif name == "map" then
      w.mapped[#w.mapped + 1] = { at = #w.log + 1, va = args[1], prot = args[3], vma = f.vma and f.vma.prot }
      if fresh[args[2]] == "allocated" then w.unzeroed[#w.unzeroed + 1] = args[1] end
    elseif name == "default" then
      local v = f.vma
      if results[1] == nil then
        w.delegated[#w.delegated + 1] = string.format(
          "your handler passed the %s at %s to k:default(), which refused it (%s) — refusing is your job: k:kill(\"%s\")",
          f.op, hex(f.va), tostring(results[2]), tostring(results[2]))
      elseif v and not v.file and not v.shared then
        w.delegated[#w.delegated + 1] = string.format(
          "your handler passed the %s fault at %s (private anonymous memory, %s) to k:default() — that page is yours to allocate, zero and map",
          f.op, hex(f.va), v.prot)
      end
    end
  end
  return setmetatable({}, { __index = function(_, name)
    local fn = k[name]
    if type(fn) ~= "function" then return fn end
    return function(_, ...)
      local results = table.pack(fn(k, ...))
      note(name, { ... }, results)
      return table.unpack(results, 1, results.n)
    end
  end })
end

-- Runs workload(w) on a fresh machine, with the built-in handler or (student = true) lab.demand_pager.
-- w:access(...) logs each access: its result and how many faults (handler calls) it took.
local function run(workload, student)
  local m = vm.machine{ memory = "64 MiB" }
  local p = m:spawn("work")
  p.catch_segv = true
  local w = { m = m, p = p, log = {}, faults = 0, kinds = {}, mapped = {}, unzeroed = {}, delegated = {} }
  if student then
    local handler = lab.demand_pager(m)
    if type(handler) ~= "function" then error("demand_pager(m) must return a function(f, k), it returned " .. show(handler)) end
    m:set_fault_handler(function(f, k)
      w.faults = w.faults + 1
      handler(f, spy(k, f, w))
    end)
  else
    local function count() w.faults = w.faults + 1 end
    m:on("fault", function(ev) count(); w.kinds[#w.kinds + 1] = ev.kind end)   -- a resolved fault
    m:on("segv", count)                       -- a refused one
  end
  function w:access(label, op, va, value)
    local before = self.faults
    self.kinds = {}
    local ok, r
    if op == "r" then ok, r = pcall(p.read, p, va)
    elseif op == "w" then ok, r = pcall(p.write, p, va, value)
    else ok, r = pcall(p.fetch, p, va) end
    if ok then r = op == "r" and tostring(r) or "ok" end
    self.log[#self.log + 1] = { what = string.format("%s at %s (%s)", ({ r = "read", w = "write", x = "fetch" })[op], label, hex(va)),
      va = va, result = ok and r or "SIGSEGV " .. reason_of(r), faults = self.faults - before, kinds = self.kinds }
  end
  function w:run(label, trace)
    local before = self.faults
    local ok, err = pcall(m.run, m, p, trace)
    self.log[#self.log + 1] = { what = "replaying " .. label, result = ok and "ok" or "SIGSEGV " .. reason_of(err), faults = self.faults - before }
  end
  workload(w, p, m)
  w.rss, w.major = p.stats.rss, p.stats.major_faults
  w.problems = m:check()
  p:exit()
  w.after_exit, w.free = m:check(), m.free_frames
  m:set_fault_handler(nil)
  return w
end

-- How the built-in resolved a fault the student's handler refused.
local RESOLVE = {
  ["demand-zero"] = "a page of the VMA touched for the first time: allocate a frame, zero it, map it with the VMA's protection",
  ["stack-growth"] = "the address is below the stack, inside its growth room (the stack VMA's growth_limit … start): the stack grows — pass it to k:default(), which extends the VMA",
  ["file-read"] = "a page of a file mapping: the page cache is the kernel's, pass it to k:default()",
  ["page-cache"] = "a page of a file mapping: the page cache is the kernel's, pass it to k:default()",
  ["cow-copy"] = "a write to a private file mapping: pass it to k:default(), which copies the cached page",
}

-- Why access number i took more faults with the student's handler: what it mapped meanwhile.
local function refault_hint(s, e, i)
  local mapped
  for _, mp in ipairs(s.mapped) do
    if mp.at == i then
      if mp.vma and mp.prot ~= mp.vma then
        return string.format(" — after your handler ran, page %s still faulted: you mapped it %s although its VMA is %s", hex(mp.va), tostring(mp.prot), mp.vma)
      end
      mapped = true
    end
  end
  if mapped or not e.va then return "" end
  return string.format(" — your handler never mapped page %s (allocate a frame, zero it, k:map(f.page, pa, f.vma.prot))", hex(e.va & ~(PAGE - 1)))
end

local function compare(label, workload)
  local b, s = run(workload, false), run(workload, true)
  for i, e in ipairs(b.log) do
    local g = s.log[i]
    if g.result ~= e.result then
      local hint = ""
      if e.result:find("^SIGSEGV") and not g.result:find("^SIGSEGV") then
        hint = " — the access is invalid: your handler must refuse it with k:kill(\"" .. e.result:sub(9) .. "\")"
      elseif e.result:find("^SIGSEGV") then
        hint = " — refuse with the reason the kernel gives: k:kill(\"" .. e.result:sub(9) .. "\")"
      elseif g.result:find("^SIGSEGV still faulting") then
        hint = refault_hint(s, e, i)
      elseif g.result:find("^SIGSEGV") then
        local kind = e.kinds and e.kinds[1]
        hint = " — your handler refused a valid access" .. (kind and string.format(" (the built-in resolved it: %s) — %s", kind, RESOLVE[kind] or "") or "")
      else
        hint = " — a page of anonymous memory starts as zeros and keeps what was written into it: map a zeroed frame, once"
      end
      return check.fail(string.format("%s: %s: the built-in handler gave %s, yours %s%s", label, e.what, e.result, g.result, hint))
    end
    if g.faults ~= e.faults then
      return check.fail(string.format("%s: %s: the built-in handler took %d fault(s), your handler was called %d time(s)%s",
        label, e.what, e.faults, g.faults, g.faults > e.faults and refault_hint(s, e, i) or ""))
    end
  end
  if s.delegated[1] then return check.fail(label .. ": " .. s.delegated[1]) end
  check.eq(s.rss, b.rss, label .. ": resident memory with your handler {got} bytes, with the built-in {want} — map one frame per page touched, none for refused accesses")
  check.eq(s.major, b.major, label .. ": {got} major faults with your handler, {want} with the built-in — file pages go through k:default(), which reads them in")
  return b, s
end

-- The workloads: each is run twice, the logs compared access by access.
local function heap(w, p, m)
  local h = assert(p:mmap{ size = 16 * PAGE, prot = "rw-" })
  for i = 0, 15, 2 do w:access("heap page " .. i, "w", h + i * PAGE + 8 * i, 1000 + i) end
  for i = 0, 15 do w:access("heap page " .. i, "r", h + i * PAGE + 8 * i) end
  local big = assert(p:mmap{ size = 64 * PAGE, prot = "rw-" })
  w:run("a uniform trace over 64 pages", vm.trace.uniform{ pages = 64, n = 400, writes = 0.3, seed = 5, base = big })
  for i = 0, 63, 7 do w:access("big page " .. i, "r", big + i * PAGE) end
end

local function protections(w, p, m)
  local ro = assert(p:mmap{ size = 2 * PAGE, prot = "r--" })
  local rw = assert(p:mmap{ size = 2 * PAGE, prot = "rw-" })
  local rx = assert(p:mmap{ size = 2 * PAGE, prot = "r-x" })
  local rwx = assert(p:mmap{ size = 2 * PAGE, prot = "rwx" })
  w:access("r-- page 0", "r", ro); w:access("r-- page 0", "w", ro, 1); w:access("r-- page 1", "w", ro + PAGE, 1)
  w:access("rw- page 0", "r", rw); w:access("rw- page 0", "w", rw, 5); w:access("rw- page 0", "r", rw)
  w:access("rw- page 1", "x", rw + PAGE)
  w:access("r-x page 0", "x", rx); w:access("r-x page 0", "r", rx); w:access("r-x page 1", "w", rx + PAGE, 1)
  w:access("rwx page 0", "w", rwx, 9); w:access("rwx page 0", "x", rwx); w:access("rwx page 1", "x", rwx + PAGE)
end

local function invalid(w, p, m)
  w:access("page 0", "r", 0); w:access("0x1000", "w", 0x1000, 1)
  local h = assert(p:mmap{ size = 3 * PAGE, prot = "rw-" })
  assert(p:munmap(h + PAGE, PAGE))
  w:access("a hole left by munmap", "w", h + PAGE, 1); w:access("next to the hole", "w", h + 2 * PAGE, 2)
  local r = assert(p:reserve(4 * PAGE))
  w:access("reserved page 0", "r", r); assert(p:commit(r, PAGE)); w:access("committed page 0", "w", r, 3)
  w:access("reserved page 1", "w", r + PAGE, 4)
  local n = assert(p:mmap{ size = 2 * PAGE, prot = "---" })
  w:access("PROT_NONE page", "r", n); assert(p:mprotect(n, PAGE, "rw-")); w:access("after mprotect rw-", "w", n, 5)
  local g = assert(p:mmap{ size = PAGE, flags = { "guard" } })
  w:access("a guard mapping", "r", g)
end

local function stacks_and_files(w, p, m)
  local st = assert(p:mmap{ size = 8 * PAGE, flags = { "stack" } })
  w:access("the stack's top page", "w", st + 7 * PAGE, 1); w:access("the stack, 3 pages lower", "w", st + 4 * PAGE, 2)
  w:access("the stack page between", "r", st + 5 * PAGE); w:access("the bottom of the room", "w", st, 3)
  w:access("the guard page", "r", st - PAGE)
  local f = m:file("data.bin", string.rep("0123456789abcdef", PAGE // 4))  -- 4 pages
  local a = assert(p:mmap{ size = 4 * PAGE, prot = "r--", file = f })
  local b = assert(p:mmap{ size = 4 * PAGE, prot = "rw-", file = f })
  w:access("file page 0", "r", a); w:access("file page 1", "r", a + PAGE + 8)
  w:access("file page 0 again, second mapping", "r", b); w:access("private file page 0", "w", b, 77)
  w:access("file page 0 through the first mapping", "r", a); w:access("private file page 3", "w", b + 3 * PAGE, 78)
  w:access("file page 2 through the read-only mapping", "w", a + 2 * PAGE, 1)
  local sh = assert(p:mmap{ size = 2 * PAGE, flags = { "shared", "anonymous" } })
  w:access("shared anonymous page", "w", sh, 6); w:access("shared anonymous page", "r", sh)
end

local function odd_cases(w, p, m)
  local h = assert(p:mmap{ size = 4 * PAGE, prot = "rw-" })
  w:access("heap page 0", "w", h, 11); w:access("heap page 1", "w", h + PAGE, 12)
  assert(p:mprotect(h, 2 * PAGE, "r--"))
  w:access("heap page 0 after mprotect r--", "w", h, 1); w:access("heap page 1 after mprotect r--", "r", h + PAGE)
  assert(p:mprotect(h, PAGE, "---")); w:access("heap page 0 after mprotect ---", "r", h)
  assert(p:mprotect(h, 4 * PAGE, "rw-")); w:access("heap page 0 after mprotect rw-", "r", h); w:access("heap page 2", "r", h + 2 * PAGE)
  w:access("a kernel address", "r", 0xffff800000001000)
  w:access("the kernel half's first page", "w", 0xffff800000000000, 1)
end

check.test("handler: demand-zero heap", { points = 3 }, function() compare("heap", heap) end)
check.test("handler: protections", { points = 2 }, function() compare("protections", protections) end)
check.test("handler: refuses invalid accesses", { points = 3 }, function() compare("invalid accesses", invalid) end)
check.test("handler: stacks and files", { points = 2 }, function() compare("stacks and files", stacks_and_files) end)

check.test("handler: no leaked frame", { points = 2, partial = true }, function()
  for _, c in ipairs({ { "heap", heap }, { "protections", protections }, { "invalid accesses", invalid }, { "stacks and files", stacks_and_files } }) do
    local b, s = run(c[2], false), run(c[2], true)
    local problem
    if s.rss ~= b.rss then
      problem = string.format("with your handler %d bytes were resident, with the built-in %d — a handler that maps nothing leaks nothing: first make the workload behave", s.rss, b.rss)
    elseif s.problems[1] then
      problem = string.format("m:check() with your handler found %d problem(s), the first: %s — every", #s.problems, s.problems[1]) .. " frame from k:alloc_frame() must be mapped (an unmapped one is leaked), and no page mapped outside a VMA"
    elseif s.free ~= b.free then
      problem = string.format("after the process exited, %d frames were free with your handler, %d with the built-in — a frame you allocated and never mapped is never freed", s.free, b.free)
    end
    check.ok(problem == nil, c[1] .. ": " .. tostring(problem))
  end
end)

check.test("handler: zero the frame before mapping it", 1, function()
  local s = run(heap, true)
  check.ok(s.mapped[1] ~= nil, "your handler never called k:map")
  check.ok(s.unzeroed[1] == nil, string.format(
    "your handler mapped page %s to a frame it never cleared — the model happens to hand out clean frames, a real kernel does not: call k:zero(pa) before k:map, or one process reads another's old data",
    hex(s.unzeroed[1] or 0)))
end)

check.test("handler: mprotect and the kernel half", { points = 1, hidden = true }, function() compare("mprotect and kernel", odd_cases) end)
