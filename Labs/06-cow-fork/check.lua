-- Lab 06 checker: copy-on-write fork.   vmlab check Labs/06-cow-fork
-- The oracle is the model: the same events run with the kernel's built-in fault handler.
local lab = check.lab
local show = check.show
local PAGE = 4096
local function hex(n) return string.format("0x%x", n) end

-- The README's start: process P with an 8-page heap whose pages 0 … 3 it has written.
local function start(m)
  local p = m:spawn("P")
  p.catch_segv = true
  local heap = assert(p:mmap{ size = 8 * PAGE, prot = "rw-" })
  for page = 0, 3 do p:write(heap + page * PAGE, 100 + page) end
  return p, heap
end

------------------------------------------------------------------ Part 1: predicting COW

local function model_outcomes(events)
  local m = vm.machine{ memory = "64 MiB" }
  local p, heap = start(m)
  local procs, out = { P = p }, {}
  for i, e in ipairs(events) do
    local op, q = e[1], procs[e[2]]
    if op == "fork" then procs[e[3]] = assert(q:fork()); out[i] = "ok"
    elseif op == "exit" then q:exit(); out[i] = "ok"
    elseif op == "exec" then assert(q:exec(e[2])); out[i] = "ok"
    else
      local t = q:translate(heap + e[3] * PAGE, op)
      out[i] = t.segv or (#t.faults > 0 and table.concat(t.faults, "+")) or "none"
    end
  end
  return out
end

local WHY = {
  ["none"] = "the page is mapped with a protection that allows the access (a read of a shared page does not fault; a page already copied or taken back is writable)",
  ["demand-zero"] = "the page was never touched by this process before the fork, so nothing is shared: a zeroed frame of its own",
  ["cow-copy"] = "after fork, parent and child map the same frame read-only; the first write by one of them while another still maps it copies the page to a new frame",
  ["cow-reuse"] = "the frame is read-only but this process is its last user (the others copied it, exited or exec'd): the kernel just makes it writable again — no copy",
  ["unmapped address"] = "exec gave the process a fresh address space: the heap is gone (and the frames it shared lost a user)",
  ["ok"] = "fork, exec and exit events answer \"ok\"",
}

local function event_text(e)
  if e[1] == "fork" then return e[2] .. " forks " .. e[3] end
  if e[1] == "exit" or e[1] == "exec" then return e[2] .. " " .. e[1] .. "s" end
  return string.format("%s %s page %d", e[2], e[1] == "w" and "writes" or "reads", e[3])
end

local function check_story(label, events)
  local want = model_outcomes(events)
  local got = lab.predict(events)
  if type(got) ~= "table" then return check.fail("predict must return a list of outcomes, it returned " .. show(got)) end
  for i, w in ipairs(want) do
    if got[i] ~= w then
      return check.fail(string.format("%s, event %d (%s): you predicted %s, the kernel did \"%s\" — %s", label, i,
        event_text(events[i]), got[i] == nil and "nothing" or '"' .. tostring(got[i]) .. '"', w, WHY[w] or ""))
    end
  end
  check.eq(#got, #want, label .. ": one outcome per event")
end

check.test("predict: one fork", { points = 2, partial = true }, function()
  check_story("child writes", { { "fork", "P", "C" }, { "r", "C", 0 }, { "w", "C", 0 }, { "w", "C", 0 }, { "r", "P", 0 } })
  check_story("both write", { { "fork", "P", "C" }, { "w", "P", 1 }, { "w", "C", 1 }, { "w", "C", 2 }, { "w", "P", 2 }, { "w", "P", 3 } })
  check_story("untouched pages", { { "fork", "P", "C" }, { "w", "C", 5 }, { "r", "P", 5 }, { "w", "P", 5 } })
end)

check.test("predict: three sharers and exits", { points = 2, partial = true }, function()
  check_story("three sharers", { { "fork", "P", "A" }, { "fork", "P", "B" }, { "w", "A", 0 }, { "w", "B", 0 }, { "w", "P", 0 }, { "w", "P", 0 } })
  check_story("a grandchild", { { "fork", "P", "C" }, { "fork", "C", "G" }, { "w", "G", 1 }, { "w", "P", 1 }, { "w", "C", 1 } })
  check_story("the parent exits", { { "fork", "P", "C" }, { "w", "P", 2 }, { "exit", "P" }, { "w", "C", 2 }, { "w", "C", 3 } })
end)

check.test("predict: fork + exec", { points = 1, partial = true }, function()
  check_story("fork + exec", { { "fork", "P", "C" }, { "exec", "C" }, { "w", "P", 0 }, { "w", "P", 1 }, { "r", "C", 0 } })
  check_story("a write before exec", { { "fork", "P", "C" }, { "w", "C", 0 }, { "exec", "C" }, { "w", "P", 0 }, { "w", "P", 1 } })
end)

check.test("predict: a longer story", { points = 1, hidden = true }, function()
  check_story("story", { { "fork", "P", "A" }, { "w", "A", 6 }, { "fork", "A", "B" }, { "w", "B", 6 }, { "w", "A", 6 },
    { "fork", "P", "C" }, { "exec", "A" }, { "w", "C", 0 }, { "w", "B", 0 }, { "w", "P", 0 }, { "exit", "B" }, { "w", "P", 1 },
    { "w", "C", 1 }, { "r", "A", 6 } })
end)

------------------------------------------------------------------ Part 2: the student's handler

local function reason_of(err)                -- the SIGSEGV reason of an error message
  local reason, detail = vm.segv_reason(tostring(err))
  if not reason then return "error: " .. tostring(err) end
  return reason == "fault not resolved by the fault handler" and detail ~= "" and detail or reason
end

-- A fault the student must resolve: a write to a present, read-only page of a private writable VMA.
local function is_cow(f)
  local v = f.vma
  return f.present and f.op == "write" and v ~= nil and v.prot:find("w", 1, true) ~= nil and not v.shared
end

-- k as the student's handler sees it: primitives pass through; what it did is written down.
local function spy(k, f, w)
  return setmetatable({}, { __index = function(_, name)
    local fn = k[name]
    if type(fn) ~= "function" then return fn end
    return function(_, ...)
      if name == "default" and is_cow(f) then
        w.delegated = w.delegated or string.format(
          "your handler passed the COW fault at %s (a write to a present read-only page of a private %s VMA, frame %s with %d reference(s)) to k:default() — that one is yours",
          hex(f.va), f.vma.prot, hex(f.pa), k:refcount(f.pa))
      elseif name == "map" then
        w.mapped[#w.mapped + 1] = { at = #w.log + 1, va = select(1, ...), pa = select(2, ...), prot = select(3, ...), vma = f.vma and f.vma.prot,
          refs = is_cow(f) and k:refcount(f.pa), old = f.pa }
      end
      return fn(k, ...)
    end
  end })
end

-- Runs workload(w) on a fresh machine with the built-in handler or (student = true) lab.cow_handler.
local function run(workload, student)
  local m = vm.machine{ memory = "64 MiB" }
  local w = { m = m, log = {}, faults = 0, mapped = {}, stats = { copies = 0, reuses = 0 }, procs = {} }
  if student then
    local handler = lab.cow_handler(w.stats)
    if type(handler) ~= "function" then error("cow_handler(stats) must return a function(f, k), it returned " .. show(handler)) end
    m:set_fault_handler(function(f, k)
      w.faults = w.faults + 1
      handler(f, spy(k, f, w))
    end)
  else
    local function count() w.faults = w.faults + 1 end
    m:on("fault", count)
    m:on("segv", count)
  end
  local p, heap = start(m)
  w.procs.P, w.heap = p, heap
  function w:fork(parent, child) self.procs[child] = assert(self.procs[parent]:fork()) end
  function w:access(who, op, page, value)
    local p, va = self.procs[who], self.heap + page * PAGE
    local before = self.faults
    -- A write changes the page's second word; a read reads the first two: a copy must carry the rest of the page.
    local ok, r
    if op == "r" then ok, r = pcall(function() return p:read(va) .. ", " .. p:read(va + 8) end)
    else ok, r = pcall(p.write, p, va + 8, value) end
    if ok then r = op == "r" and r or "ok" end
    self.log[#self.log + 1] = { what = string.format("%s %s page %d (%s)", who, op == "r" and "reads" or "writes", page, hex(va)),
      va = va, result = ok and r or "SIGSEGV " .. reason_of(r), faults = self.faults - before }
  end
  function w:problems(when)
    local c = m:check()
    if c[1] and not self.problem then self.problem = string.format("%s: m:check() found %d problem(s), the first: %s", when, #c, c[1]) end
  end
  workload(w)
  w:problems("before the processes exit")
  w.rss = {}
  for name, q in pairs(w.procs) do w.rss[name] = q.alive and q.stats.rss or 0 end
  w.kernel = m:kernel_stats()
  for _, q in pairs(w.procs) do q:exit() end
  w:problems("after every process exited")
  w.free = m.free_frames
  m:set_fault_handler(nil)
  return w
end

-- Why access number i took more faults, or failed, with the student's handler.
local function hint(s, i)
  local last
  for _, mp in ipairs(s.mapped) do
    if mp.at == i then
      if mp.vma and mp.prot ~= mp.vma then
        return string.format(" — after your handler ran, page %s still faulted: you mapped it %s although its VMA is %s", hex(mp.va), tostring(mp.prot), mp.vma)
      end
      if mp.refs and mp.refs > 1 and mp.pa == mp.old then
        return string.format(" — you made frame %s writable although %d mappings shared it: the other process now sees this write", hex(mp.pa), mp.refs)
      end
      last = mp
    end
  end
  if last then return "" end
  return " — your handler mapped nothing for this access: copy the frame (k:alloc_frame, k:copy_frame) and k:map the copy writable"
end

-- Why the value read by access i differs: the last thing the student's handler did to that page.
local function value_hint(s, e, i)
  for j = #s.mapped, 1, -1 do
    local mp = s.mapped[j]
    if mp.at < i and mp.va == e.va and mp.refs then
      if mp.refs > 1 and mp.pa == mp.old then
        return string.format(" — at \"%s\" you made frame %s writable although %d mappings shared it: the others see that write", s.log[mp.at].what, hex(mp.pa), mp.refs)
      elseif mp.pa ~= mp.old then
        return string.format(" — at \"%s\" your handler mapped a new frame %s: did it copy the old frame %s into it first (k:copy_frame(f.pa, new))?", s.log[mp.at].what, hex(mp.pa), hex(mp.old))
      end
      return ""
    end
  end
  return ""
end

-- Runs the workload both ways and compares every access, then the copies, resident sizes and leaks.
local function compare(label, workload)
  local b, s = run(workload, false), run(workload, true)
  for i, e in ipairs(b.log) do
    local g = s.log[i]
    if g.result ~= e.result then
      return check.fail(string.format("%s: %s: with the built-in handler %s, with yours %s%s", label, e.what, e.result, g.result,
        g.result:find("^SIGSEGV") and hint(s, i) or " — every process must keep reading its own values (the first two words of the page)" .. value_hint(s, e, i)))
    end
    if g.faults ~= e.faults then
      return check.fail(string.format("%s: %s: the built-in handler took %d fault(s), your handler was called %d time(s)%s",
        label, e.what, e.faults, g.faults, g.faults > e.faults and hint(s, i) or " — a page you copied must be mapped writable, or every later write faults again"))
    end
  end
  if s.delegated then return check.fail(label .. ": " .. s.delegated) end
  return b, s
end

local function memory_of(b, s, label)
  for name, rss in pairs(b.rss) do
    check.eq(s.rss[name], rss, string.format("%s: %s's resident memory is {got} bytes with your handler, {want} with the built-in", label, name))
  end
end

-- The workloads (each run twice; P starts with pages 0 … 3 written, values 100 … 103).
local function both_write(w)
  w:fork("P", "C")
  w:access("C", "r", 0); w:access("C", "w", 0, 7); w:access("C", "r", 0); w:access("P", "r", 0)
  w:access("P", "w", 1, 8); w:access("C", "r", 1); w:access("C", "w", 1, 9); w:access("P", "r", 1); w:access("C", "r", 1)
  w:access("C", "w", 2, 10); w:access("C", "w", 2, 11); w:access("P", "r", 2); w:access("C", "w", 6, 12); w:access("P", "r", 6)
  w:problems("after the writes")
end

local function three(w)
  w:fork("P", "A"); w:fork("P", "B"); w:fork("A", "G")
  for _, who in ipairs({ "A", "B", "G", "P" }) do w:access(who, "w", 0, #who * 10 + who:byte()) end
  for _, who in ipairs({ "P", "A", "B", "G" }) do w:access(who, "r", 0) end
  w:access("G", "w", 3, 1); w:access("B", "w", 3, 2); w:access("A", "r", 3)
  w:problems("after the writes")
end

local function parent_exits(w)
  w:fork("P", "C")
  w:access("P", "w", 0, 55)
  w.procs.P:exit()
  w.before = w.procs.C:translate(w.heap + PAGE, "r").pa
  w:access("C", "w", 1, 66); w:access("C", "r", 1); w:access("C", "r", 0); w:access("C", "w", 0, 67)
  w.after = w.procs.C:translate(w.heap + PAGE, "r").pa
  w:problems("after the child's writes")
end

local function fork_exec(w)
  w:fork("P", "C"); assert(w.procs.C:exec("ls"))
  for page = 0, 3 do w:access("P", "w", page, 200 + page) end
  for page = 0, 3 do w:access("P", "r", page) end
  w:access("C", "r", 0)
end

local function files_and_protections(w)
  local p, m = w.procs.P, w.m
  local f = m:file("data.bin", string.rep("abcdefgh", PAGE // 4))      -- 2 pages
  local map = assert(p:mmap{ size = 2 * PAGE, prot = "rw-", file = f })
  local ro = assert(p:mmap{ size = PAGE, prot = "r--" })
  p:read(map); p:read(ro)
  w:fork("P", "C")
  w.heap = map
  w:access("C", "r", 0); w:access("C", "w", 0, 1); w:access("P", "r", 0); w:access("P", "w", 0, 2); w:access("C", "r", 0)
  w:access("P", "r", 1); w:access("P", "w", 1, 3)
  w.heap = ro
  w:access("C", "w", 0, 4); w:access("P", "r", 0)
  w:problems("after the writes")
  w.file = f:read():sub(1, 8)
end

check.test("handler: each process sees its own values", { points = 3 }, function()
  local b, s = compare("parent and child", both_write)
  if b then memory_of(b, s, "parent and child") end
end)

check.test("handler: copies = shared pages written", { points = 2, partial = true }, function()
  for _, c in ipairs({ { "parent and child", both_write }, { "three generations", three } }) do
    local b, s = compare(c[1], c[2])
    if b then
      check.eq(s.stats.copies, b.kernel.cow_copies, c[1] .. ": your handler counted {got} copies, the built-in made {want} — count one per page copied (stats.copies)")
      check.eq(s.stats.reuses, b.kernel.cow_reuses, c[1] .. ": your handler counted {got} reuses, the built-in {want} — a write to a frame nobody else maps any more takes it back without a copy (stats.reuses)")
      check.eq(s.kernel.cow_copies + s.kernel.cow_reuses, 0, c[1] .. ": the kernel's own COW counters moved ({got}): a COW fault went to k:default()")
    end
  end
end)

check.test("handler: the last sharer reuses its page", { points = 2 }, function()
  local b, s = compare("the parent exits", parent_exits)
  if not b then return end
  check.eq(s.stats.copies, b.kernel.cow_copies, "the parent exits: your handler counted {got} copies, the built-in made {want} — the child is the frame's only user once the parent is gone: no copy needed (k:refcount(pa) == 1)")
  check.eq(hex(s.after), hex(s.before), "the parent exits: the child's page 1 moved from frame {want} to {got} — when k:refcount(pa) is 1, map the same frame writable again instead of copying")
end)

check.test("handler: fork + exec", { points = 1 }, function()
  local b, s = compare("fork + exec", fork_exec)
  if b then check.eq(s.stats.copies, 0, "fork + exec: your handler made {got} copies — exec dropped the child's mappings, so the parent is the only user of every frame: each write takes its page back") end
end)

check.test("handler: every frame freed", { points = 2, partial = true }, function()
  for _, c in ipairs({ { "parent and child", both_write }, { "three generations", three }, { "the parent exits", parent_exits }, { "fork + exec", fork_exec } }) do
    local b, s = compare(c[1], c[2])
    if b then
      check.ok(s.problem == nil, c[1] .. ": " .. tostring(s.problem) .. " — k:map drops the old frame's reference for you; a frame from k:alloc_frame that is never mapped is a leak")
      check.eq(s.free, b.free, c[1] .. ": after every process exited {got} frames were free with your handler, {want} with the built-in")
    end
  end
end)

check.test("handler: private file mappings and read-only areas", { points = 1, hidden = true }, function()
  local b, s = compare("files and protections", files_and_protections)
  if not b then return end
  check.eq(s.stats.copies, b.kernel.cow_copies, "files and protections: {got} copies, the built-in {want} — a private file page is shared with the page cache, whose reference counts too")
  check.eq(s.file, b.file, "files and protections: the file reads {got}, it should read {want} — writes through a private mapping must never reach the file")
  check.ok(s.problem == nil, "files and protections: " .. tostring(s.problem))
end)
