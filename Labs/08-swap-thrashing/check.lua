-- Lab 08 checker: swap and thrashing.   vmlab check Labs/08-swap-thrashing
-- The oracle is the model: a machine with swap (its counters and events), p:wss, the built-in
-- "nru" policy in vm.simulate, and the fault rate of loops measured on fresh machines.
local lab = check.lab
local show = check.show
local PAGE, BASE = 4096, 0x10000000

------------------------------------------------------------------ Part 1: write-backs and clean drops

-- Runs a script on the README's machine (4 frames for data, FIFO, one eviction when a fault needs
-- a frame and none is free: low = 0 keeps reclaim from running ahead of need) and returns the
-- swap counters, the story (one line per step that faulted) and p:pff(window).
local function run_script(script, window)
  local m = vm.machine{ memory = "48 KiB", swap = { size = "1 MiB" }, policy = "fifo", watermarks = { low = 0, high = 1 } }
  local p = m:spawn("script")
  local a = assert(p:mmap{ size = 16 * PAGE })
  local events = {}
  local function page(ev) return (ev.va - a) // PAGE end
  m:on("fault", function(ev) table.insert(events, 1, ev.kind .. " fault") end)
  m:on("swap_out", function(ev)
    events[#events + 1] = ev.written == true
      and string.format("evicts page %d and writes it to swap", page(ev))
      or string.format("evicts page %d clean (its copy in swap is still good: dropped, no write)", page(ev))
  end)
  m:on("swap_in", function(ev) events[#events + 1] = string.format("reads page %d back from swap", page(ev)) end)
  local story = {}
  for i, s in ipairs(script) do
    events = {}
    if s[1] == "w" then p:write(a + s[2] * PAGE, i) else p:read(a + s[2] * PAGE) end
    if #events > 0 then story[#story + 1] = string.format("%d %s%d: %s", i, s[1], s[2], table.concat(events, ", ")) end
  end
  assert(#m:check() == 0, "the model's bookkeeping is broken — a bug in vmlab, not in your lab")
  local st = m.stats.swap
  return { swap_outs = st.swap_outs, writebacks = st.writebacks, clean_drops = st.clean_drops, swap_ins = st.swap_ins },
    story, p:pff(window or 1)
end

local FIELDS = {
  { "swap_outs", "every eviction is a swap-out: once the 4 frames are full, each fault of a page not in memory evicts the page loaded longest ago (FIFO; a hit changes nothing)" },
  { "writebacks", "an evicted page is written when swap holds no good copy of it: it was never swapped out, or it was written since it was last read back" },
  { "clean_drops", "a page read back from swap and only read since keeps its slot: evicting it again writes nothing (swap_outs = writebacks + clean_drops)" },
  { "swap_ins", "a fault on a page that was swapped out reads it back (a major fault); a page's first touch is a demand-zero fault, not a swap-in" },
}

local function steps_text(script)
  local t = {}
  for i, s in ipairs(script) do t[i] = s[1] .. s[2] end
  return table.concat(t, " ")
end

local function check_script(script)
  local want, story = run_script(script)
  local got = lab.predict_writebacks(script)
  if type(got) ~= "table" then return check.fail("predict_writebacks must return a table {swap_outs=, writebacks=, clean_drops=, swap_ins=}, it returned " .. show(got)) end
  for _, f in ipairs(FIELDS) do
    if got[f[1]] ~= want[f[1]] then
      return check.fail(string.format("on %s you predicted %s = %s, the kernel counted %d — %s. What the kernel did:\n  %s",
        steps_text(script), f[1], show(got[f[1]]), want[f[1]], f[2], table.concat(story, "\n  ")))
    end
  end
end

local function script_of(text)                  -- "r0 w1 r2" -> {{"r", 0}, {"w", 1}, {"r", 2}}
  local s = {}
  for op, page in text:gmatch("([rw])(%d+)") do s[#s + 1] = { op, tonumber(page) } end
  return s
end

check.test("write-backs: first evictions and clean drops", { points = 2, partial = true }, function()
  check_script(script_of("r0 r1 r2 r3 r4"))                              -- no copy in swap yet
  check_script(script_of("r0 r1 r2 r3 r4 r5 r6 r7 r0 r1 r2 r3 r4"))      -- read back, evicted clean
  check_script(script_of("w0 w1 w2 w3 w0 r4 r5 r0 r1 r6 r7 r2"))
end)

check.test("write-backs: writes after a swap-in", { points = 2, partial = true }, function()
  check_script(script_of("r0 r1 r2 r3 r4 r5 r6 r7 w0 r1 r2 r3 r4 r5"))   -- w0 after reading it back
  check_script(script_of("w0 w1 w2 w3 w4 r0 r1 w0 r2 r3 r4 r5 r6 r7 r1"))
  check_script(script_of("r0 r1 r2 r3 r4 r0 w0 r5 r6 r7 r1 r2 w3 r4 r0 r1"))
end)

check.test("write-backs: a longer story", { points = 1, hidden = true, partial = true }, function()
  check_script(script_of("w0 r1 w2 r3 r4 r5 r0 w1 r2 r3 w4 r6 r7 r0 r1 r2 r5 w5 r6 r3 r7 r0 w1 r2"))
  check_script(script_of("r0 r0 w0 r1 r2 r3 r4 r0 r1 r2 r3 w4 r5 r6 r7 r8 r0 r4"))
end)

local function check_pff(text, window)
  local script = script_of(text)
  local _, story, want = run_script(script, window)
  local got = lab.pff(script, window)
  check.near(got, want, 1e-9, string.format(
    "pff(%s, %d) = {got}, p:pff(%d) measures {want} — the faults of the last %d steps (every kind: demand zero, swap-in, and the minor fault of a write to a page read back from swap) divided by the steps. The steps that faulted:\n  %s",
    text, window, window, window, table.concat(story, "\n  ")))
end

check.test("page-fault frequency", { points = 2, partial = true }, function()
  check_pff("r0 w0 r1 r2 r3 r4 r0 w0 r0 w1 r1 w2", 6)
  check_pff("r0 r1 r2 r3 r0 r1 r2 r3 r4 r5 r0 r1", 4)
  check_pff("w0 w1 w2 w3 w4 r0 r1 r0 w1 w0 r5 r6 r7 r2 r2", 10)
  check_pff("r0 r1 r0 r1", 100)
end)

------------------------------------------------------------------ Part 2: working sets

-- p:wss(tau) after each access of refs, on a machine with room for all of them.
local function model_wss(refs, t, tau)
  local m = vm.machine{ memory = "1 MiB", swap = { size = "1 MiB" } }
  local p = m:spawn("ws")
  local a = assert(p:mmap{ size = 64 * PAGE })
  for i = 1, t do p:read(a + refs[i] * PAGE) end
  return p:wss(tau)
end

local function check_ws(refs, t, tau)
  local got = lab.working_set(refs, t, tau)
  local want = model_wss(refs, t, tau)
  local seen, first = {}, math.max(1, t - tau + 1)
  for i = first, t do seen[refs[i]] = true end
  local label = string.format("working_set(%s, t = %d, tau = %d)", show(refs), t, tau)
  if type(got) ~= "table" then return check.fail(label .. " must return a list of pages, it returned " .. show(got)) end
  local ok = #got == want
  for i, page in ipairs(got) do ok = ok and seen[page] and (i == 1 or got[i - 1] < page) end
  check.ok(ok, string.format(
    "%s = %s; p:wss(%d) counts %d pages — W(t, tau) is the set of distinct pages referenced in the window (t - tau, t]: accesses %d to %d, the access at t included (sorted, each page once)",
    label, show(got), tau, want, first, t))
end

local REFS = { 1, 2, 3, 1, 4, 5, 1, 2, 6, 6, 6, 2, 7, 1, 3, 3, 8, 1 }

check.test("working set W(t, tau)", { points = 2, partial = true }, function()
  check_ws(REFS, 6, 4)
  check_ws(REFS, 9, 3)
  check_ws(REFS, 11, 3)
  check_ws(REFS, 12, 5)
  check_ws(REFS, 18, 6)
  check_ws(REFS, 18, 1)
end)

check.test("working set: a window reaching past the start", { points = 1, hidden = true, partial = true }, function()
  check_ws(REFS, 3, 10)
  check_ws(REFS, 18, 18)
  check_ws(REFS, 1, 1)
end)

------------------------------------------------------------------ Part 3: thrashing

-- One fresh machine per measurement, as the README describes.
local function machine(config, policy)
  return vm.machine{ memory = config.memory, swap = { size = "1 MiB" }, policy = policy or config.policy, watermarks = config.watermarks }
end

local function loop_rate(config, k)
  local m = machine(config)
  m:run(m:spawn("loop"), vm.trace.loop{ pages = k, n = 2000, base = BASE }, { map = true })
  return m.stats.swap.fault_rate
end

local function check_thrashing(config)
  local label = string.format("thrashing_point{ memory = %q, policy = %q%s }", config.memory, config.policy,
    config.watermarks and string.format(", watermarks = { low = %d, high = %d }", config.watermarks.low, config.watermarks.high) or "")
  local k = lab.thrashing_point(config)
  if math.type(k) ~= "integer" or k < 2 then return check.fail(label .. " must return a number of pages (an integer > 1), it returned " .. show(k)) end
  local at, before = loop_rate(config, k), loop_rate(config, k - 1)
  check.ok(at >= 0.5 and before < 0.5, string.format(
    "%s = %d, but a loop over %d pages faults at a rate of %.3f and one over %d pages at %.3f — the thrashing point is the smallest working set whose fault rate is at least 0.5 (the rate jumps from about 0 to 1 there: search for the step, a binary search works)",
    label, k, k - 1, before, k, at))
end

check.test("thrashing point", { points = 2, partial = true }, function()
  check_thrashing{ memory = "128 KiB", policy = "clock" }
  check_thrashing{ memory = "256 KiB", policy = "fifo" }
end)

check.test("thrashing point with other watermarks", { points = 1, hidden = true }, function()
  check_thrashing{ memory = "128 KiB", policy = "clock", watermarks = { low = 2, high = 4 } }
end)

------------------------------------------------------------------ Part 4: enhanced clock

local function frames_of(text)                  -- "A10 B01" -> {{page = "A", r = true, m = false}, …}
  local list = {}
  for page, r, mbit in text:gmatch("(%a)([01])([01])") do list[#list + 1] = { page = page, r = r == "1", m = mbit == "1" } end
  return list
end

check.test("enhanced clock: (R, M) classes", 1, function()
  local frames = frames_of("A00 B01 C10 D11 E01")
  check.eq(lab.enhanced_clock_classes(frames), { 0, 1, 2, 3, 1 },
    "enhanced_clock_classes(A(R=0,M=0) B(0,1) C(1,0) D(1,1) E(0,1)) = {got}, want {want} — the class is 2 × R + M: (0,0) not used lately and clean is the best victim, (1,1) the worst")
end)

-- Decisions worked out with the rule (hand given as a 1-based position in the list).
local DECISIONS = {
  { "A11 B01 C10 D00", 1, 4, {}, "lap 1 finds the (0,0) frame D; nothing changes on lap 1" },
  { "A11 B01 C10 D11", 1, 2, { 1 }, "no (0,0) frame: lap 2 looks for (0,1), clearing R of the frames it passes (A) before it reaches B" },
  { "A11 B01 C10 D11", 3, 2, { 3, 4, 1 }, "lap 2 starts at the hand (C) and wraps around: it clears R of C, D and A on the way to B" },
  { "A11 B10 C11 D10", 2, 2, { 2, 3, 4, 1 }, "every frame was referenced: lap 2 clears every R bit and finds nothing; lap 1 again finds B, now (0,0), first from the hand" },
  { "A01 B11 C01 D10", 4, 1, { 4 }, "no (0,0) on lap 1; lap 2 starts at the hand: it clears D's R and wraps to A, a (0,1)" },
}

check.test("enhanced clock: one decision", { points = 2, partial = true }, function()
  for _, d in ipairs(DECISIONS) do
    local frames = frames_of(d[1])
    local victim, cleared = lab.enhanced_clock_victim(frames, d[2])
    check.eq({ victim = victim, cleared = cleared or {} }, { victim = d[3], cleared = d[4] }, string.format(
      "enhanced_clock_victim(%s, hand = %d) returned victim %s and cleared %s; the rule evicts %d (page %s) and clears R of %s — %s",
      d[1], d[2], show(victim), show(cleared), d[3], frames[d[3]].page, show(d[4]), d[5]))
  end
end)

-- The student's rule as a vm.policy: frames as the lab sees them, R bits cleared as it says.
local function student_nru(log)
  return vm.policy{ name = "student-nru",
    init = function(self) self.hand = 1 end,
    victim = function(self, ctx)
      local frames = {}
      for slot = 0, ctx.count - 1 do
        frames[slot + 1] = { page = ctx:page(slot), r = ctx:referenced(slot), m = ctx:dirty(slot) }
      end
      log[#log + 1] = { frames = frames, hand = self.hand }
      local i, cleared = lab.enhanced_clock_victim(frames, self.hand)
      assert(math.type(i) == "integer" and frames[i], "enhanced_clock_victim returned " .. show(i) .. ", not a position in the list")
      for _, c in ipairs(cleared or {}) do ctx:clear_referenced(c - 1) end
      self.hand = i % ctx.count + 1
      return i - 1
    end }
end

local function state_text(st)
  local t = {}
  for i, f in ipairs(st.frames) do t[i] = string.format("%s%d(%d,%d)", i == st.hand and ">" or "", f.page, f.r and 1 or 0, f.m and 1 or 0) end
  return table.concat(t, " ")
end

local function write_heavy(seed, n)             -- hot pages 16..27 written, cold pages 28..57 read
  local w = vm.trace.uniform{ pages = 12, n = n // 3, writes = 1, seed = seed, base = 16 * PAGE }:collect()
  local r = vm.trace.zipf{ pages = 30, alpha = 0.8, n = n - n // 3, writes = 0, seed = seed + 1, base = 28 * PAGE }:collect()
  local list, wi, ri = {}, 1, 1
  for i = 1, n do
    local e
    if i % 3 == 0 then e, wi = w[wi], wi + 1 else e, ri = r[ri], ri + 1 end
    list[i] = { e.op:sub(1, 1), e.address }
  end
  return vm.trace.list(list)
end

local function check_nru(label, trace, frames)
  local want = vm.simulate{ trace = trace, policy = "nru", frames = frames, victims = true }
  local log = {}
  local got = vm.simulate{ trace = trace, policy = student_nru(log), frames = frames, victims = true }
  for k = 1, math.max(#want.victims, #got.victims) do
    if got.victims[k] ~= want.victims[k] then
      return check.fail(string.format(
        "%s, %d frames, eviction #%d: the built-in enhanced clock evicted page %s, yours page %s. The frames then (page(R,M), > at the hand): %s. Lap 1 from the hand looks for (0,0) and changes nothing; lap 2 looks for (0,1) and clears R as it passes; then again",
        label, frames, k, show(want.victims[k]), show(got.victims[k]), log[k] and state_text(log[k]) or "?"))
    end
  end
  check.eq(got.writebacks, want.writebacks, label .. ": write-backs")
end

check.test("enhanced clock: victim for victim", { points = 3, partial = true }, function()
  check_nru("{1,2,3,4,1,5,2,6}", { 1, 2, 3, 4, 1, 5, 2, 6 }, 3)
  check_nru("a write-heavy trace", write_heavy(3, 1500), 8)
  check_nru("a write-heavy trace", write_heavy(9, 1500), 20)
  check_nru("Zipf with 30% writes", vm.trace.zipf{ pages = 60, alpha = 0.8, n = 1500, writes = 0.3, seed = 4 }, 12)
end)

------------------------------------------------------------------ Part 5: Clock vs enhanced clock

check.test("Clock vs enhanced clock in the kernel", { points = 2, partial = true }, function()
  local trace = write_heavy(7, 3000)
  local got = lab.clock_vs_nru(trace, "128 KiB")
  if type(got) ~= "table" then return check.fail("clock_vs_nru must return { clock = {…}, nru = {…} }, it returned " .. show(got)) end
  local want = {}
  for _, policy in ipairs({ "clock", "nru" }) do
    local m = machine({ memory = "128 KiB" }, policy)
    trace:rewind()
    m:run(m:spawn("writer"), trace, { map = true })
    local s = m.stats.swap
    want[policy] = { swap_ins = s.swap_ins, writebacks = s.writebacks, clean_drops = s.clean_drops, cycles = m.stats.cycles }
    local mine = type(got[policy]) == "table" and got[policy] or {}
    check.eq({ swap_ins = mine.swap_ins, writebacks = mine.writebacks, clean_drops = mine.clean_drops, cycles = mine.cycles }, want[policy], string.format(
      "clock_vs_nru(...)[%q] = {got}, the model measures {want} — one fresh machine per policy (vm.machine{ memory = \"128 KiB\", swap = { size = \"1 MiB\" }, policy = %q }), the trace rewound and replayed with m:run(p, trace, { map = true }), then m.stats.swap and m.stats.cycles",
      policy, policy))
  end
  assert(want.nru.writebacks < want.clock.writebacks, "the model's enhanced clock should write back less than Clock on this trace — a vmlab bug, not yours")
end)
