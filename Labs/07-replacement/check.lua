-- Lab 07 checker: replacement policies.   vmlab check Labs/07-replacement
-- The oracle is the model: vm.simulate with the built-in policies.
local lab = check.lab
local show = check.show

local BELADY = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 }
local STRINGS = {                                   -- reference strings for the by-hand policies
  { refs = BELADY, frames = 3 }, { refs = BELADY, frames = 4 },
  { refs = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 }, frames = 3 },   -- the textbook's
  { refs = { 1, 2, 3, 1, 2, 4, 1, 2, 5, 1, 2, 6, 3, 4, 5, 6 }, frames = 3 },
  { refs = { 1, 2, 3, 4, 5, 1, 2, 3, 4, 5 }, frames = 4 },                                 -- a loop one too big
  { refs = { 3, 3, 3, 1, 1, 2 }, frames = 1 },
}

local function faults(refs, policy, frames)
  return vm.simulate{ trace = refs, policy = policy, frames = frames }.misses
end

-- Compares lab[fname](refs, frames) with the built-in policy on every string.
local function by_hand(fname, policy, why)
  for _, s in ipairs(STRINGS) do
    check.eq(lab[fname](s.refs, s.frames), faults(s.refs, policy, s.frames), string.format(
      "%s(%s, %d) = {got}, the model counts {want} faults — %s", fname, show(s.refs), s.frames, why))
  end
end

check.test("FIFO by hand", { points = 2, partial = true }, function()
  by_hand("fifo_faults", "fifo",
    "a fault loads the page; when all frames are full, the page loaded longest ago leaves (a hit changes nothing)")
end)

check.test("LRU by hand", { points = 2, partial = true }, function()
  by_hand("lru_faults", "lru",
    "a hit refreshes the page; when all frames are full, the page whose last use is oldest leaves")
end)

check.test("OPT by hand", { points = 2, partial = true }, function()
  by_hand("opt_faults", "opt",
    "Belady's OPT evicts the page whose next use is farthest in the future (never used again = infinitely far)")
end)

------------------------------------------------------------------ Clock, victim for victim

-- The student's policy: clock_policy() may return a vm.policy or a constructor of one.
local function student_clock()
  local p = lab.clock_policy()
  if type(p) == "function" then p = p() end
  return p
end

-- Replays `pages` (a list) with the built-in Clock's rule to explain eviction number k: returns
-- the access index, the faulting page, the hand, the slots it cleared, the victim's slot, and the
-- frames (page, R) as they were when the eviction started. Only used to word a failure.
local function clock_state_at(pages, n, k)
  local slot_of, page_at, r, hand, used, evictions = {}, {}, {}, 0, 0, 0
  for i, p in ipairs(pages) do
    local s = slot_of[p]
    if s then r[s] = true
    elseif used < n then
      slot_of[p], page_at[used], r[used] = used, p, true
      used = used + 1
    else
      evictions = evictions + 1
      local before, start, cleared = {}, hand, {}
      for j = 0, n - 1 do before[j] = { page = page_at[j], r = r[j] } end
      while r[hand] do
        r[hand] = false
        cleared[#cleared + 1] = hand
        hand = (hand + 1) % n
      end
      local v = hand
      hand = (hand + 1) % n
      if evictions == k then
        return { access = i, page = p, hand = start, cleared = cleared, slot = v, frames = before, previous = (start - 1) % n }
      end
      slot_of[page_at[v]] = nil
      slot_of[p], page_at[v], r[v] = v, p, true
    end
  end
end

-- Why the student's victim `mine` is wrong at eviction k, in words.
local function explain_clock(pages, n, k, want, mine)
  local st = clock_state_at(pages, n, k)
  if not st or st.frames[st.slot].page ~= want then
    return string.format("eviction #%d: the built-in Clock evicted page %d, yours page %d", k, want, mine)
  end
  local where = string.format("at access #%d (page %d faults, all %d frames full), eviction #%d: the hand is at slot %d",
    st.access, st.page, n, k, st.hand)
  local swept = #st.cleared == 0 and "finds R = 0 there" or string.format("clears R of %d frame(s) on its way (slots %s)",
    #st.cleared, table.concat(st.cleared, ", "))
  local msg = string.format("%s, %s and evicts page %d from slot %d — your Clock evicted page %d", where, swept, want, st.slot, mine)
  local mine_slot
  for s = 0, n - 1 do if st.frames[s].page == mine then mine_slot = s end end
  if mine_slot == nil then
    return msg .. ", which was not even resident"
  end
  if st.frames[mine_slot].r then
    msg = msg .. string.format(", but its referenced bit was set (it was used since the hand last passed) — the hand should have cleared it and moved on")
  else
    msg = msg .. string.format(", which had R = 0, but the hand, going up from slot %d and wrapping to 0, meets slot %d first", st.hand, st.slot)
  end
  if k == 1 then
    msg = msg .. ". The hand starts at slot 0; frames are filled from slot 0 up without moving it"
  elseif mine_slot == st.previous then
    msg = msg .. string.format(". Slot %d is where the last victim was: after a replacement the hand moves one past the victim", mine_slot)
  end
  return msg
end

-- Runs the student's Clock and the built-in on one trace; the first differing victim fails.
local function check_clock(label, trace, n, pages_of)
  local want = vm.simulate{ trace = trace, policy = "clock", frames = n, victims = true }
  local got = vm.simulate{ trace = trace, policy = student_clock(), frames = n, victims = true }
  for k = 1, math.max(#want.victims, #got.victims) do
    if got.victims[k] ~= want.victims[k] then
      if got.victims[k] == nil or want.victims[k] == nil then
        return check.fail(string.format("%s, %d frames: your Clock evicted %d pages, the built-in %d", label, n, #got.victims, #want.victims))
      end
      return check.fail(string.format("%s, %d frames: %s (%d faults in all for yours, %d for the built-in)", label, n,
        explain_clock(pages_of(), n, k, want.victims[k], got.victims[k]), got.misses, want.misses))
    end
  end
  check.eq(got.misses, want.misses, label .. ": your Clock's faults")
end

local function list_pages(list) return function() return list end end

-- The page numbers of a vm.trace (4 KiB pages), read again from its start.
local function trace_pages(t)
  return function()
    local pages = {}
    t:rewind()
    for _, address in t:each() do pages[#pages + 1] = address >> 12 end
    t:rewind()
    return pages
  end
end

check.test("Clock: victim for victim on reference strings", { points = 2, partial = true }, function()
  for _, s in ipairs({ { BELADY, 3 }, { BELADY, 4 }, { STRINGS[3].refs, 3 }, { { 1, 2, 3, 1, 4, 1, 5, 2, 6, 1, 3, 7, 1 }, 3 } }) do
    check_clock(show(s[1]), s[1], s[2], list_pages(s[1]))
  end
end)

check.test("Clock on a Zipf trace", { points = 2, partial = true }, function()
  local t = vm.trace.zipf{ pages = 300, alpha = 0.8, n = 20000, seed = 7 }
  for _, n in ipairs({ 8, 50 }) do check_clock("Zipf(0.8) over 300 pages", t, n, trace_pages(t)) end
end)

check.test("Clock on `ls` (a valgrind lackey trace)", { points = 2, partial = true }, function()
  local t = vm.trace.lackey(check.file("ls.lackey.gz"))
  for _, n in ipairs({ 16, 48 }) do check_clock("ls.lackey.gz", t, n, trace_pages(t)) end
  t:close()
end)

------------------------------------------------------------------ Belady's anomaly

-- The frame counts 2..max where `policy` faults more than with one frame less, by the model.
local function model_anomalies(refs, policy, max)
  local list = {}
  for _, a in ipairs(vm.simulate{ trace = refs, policy = policy, frames = { from = 1, to = max } }.anomalies) do
    list[#list + 1] = a.frames
  end
  return list
end

check.test("Belady's anomaly in a faults-vs-frames curve", { points = 2, partial = true }, function()
  for _, c in ipairs({
    { BELADY, "fifo", 6, "FIFO on Belady's string faults 9 times with 3 frames and 10 with 4" },
    { BELADY, "lru", 6, "LRU is a stack algorithm: the pages in n frames are always among those in n + 1, so more frames never hurt" },
    { { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6 }, "fifo", 7, "compare each point with the one before it" },
    { BELADY, "opt", 6, "OPT is a stack algorithm too" },
  }) do
    check.eq(lab.anomalies(c[1], c[2], c[3]), model_anomalies(c[1], c[2], c[3]), string.format(
      "anomalies(%s, %q, %d) = {got}, the model finds {want} — %s", show(c[1]), c[2], c[3], c[4]))
  end
end)

-- The reference string with its pages renamed in order of first use (1, 2, 3, …).
local function canonical(refs)
  local name, out, next_name = {}, {}, 0
  for i, p in ipairs(refs) do
    if not name[p] then next_name = next_name + 1; name[p] = next_name end
    out[i] = name[p]
  end
  return table.concat(out, ",")
end

check.test("your own anomaly", 1, function()
  local refs = lab.belady_string()
  check.ok(type(refs) == "table" and #refs > 0, "belady_string() must return a list of page numbers, it returned " .. show(refs))
  check.ok(canonical(refs) ~= canonical(BELADY), "belady_string() returned Belady's own string (or the same with pages renamed) — find another one")
  local found = model_anomalies(refs, "fifo", #refs)
  check.ok(#found > 0, string.format(
    "FIFO on %s faults never more with more frames (1 to %d) — the model finds no anomaly; try strings with 5 or 6 pages, and search with vm.simulate{…, frames = {from =, to =}}",
    show(refs), #refs))
end)

-- The polylines of an SVG, as their `points` attributes.
local function polylines(svg)
  local list = {}
  for pts in tostring(svg):gmatch('<polyline points="([^"]*)"') do list[#list + 1] = pts end
  return list
end

check.test("faults-vs-frames chart", { points = 2, partial = true }, function()
  local policies, max = { "fifo", "lru", "opt" }, 6
  local svg = lab.plot_faults(BELADY, policies, max)
  local lines = polylines(svg)
  check.eq(#lines, #policies, "plot_faults(Belady's string, {\"fifo\", \"lru\", \"opt\"}, 6) drew {got} line(s); a chart of three policies has {want}: one series per policy in vm.plot's series = {…}")
  local series = {}
  for i, p in ipairs(policies) do
    local pts = {}
    for _, pt in ipairs(vm.simulate{ trace = BELADY, policy = p, frames = { from = 1, to = max } }.points) do pts[#pts + 1] = { pt.frames, pt.misses } end
    series[i] = { name = p, points = pts }
  end
  local want = polylines(vm.plot{ x = "frames", y = "faults", series = series })
  check.eq(lines, want, "the lines of your chart do not follow the model's curves: one point {frames, faults} per frame count from 1 to 6, for fifo, lru and opt in that order (vm.plot's default width and height)")
  check.ok(tostring(svg):find('r="7"', 1, true) ~= nil,
    "your chart does not mark Belady's anomaly: pass marks = {{x = 4, y = 10, label = \"Belady\"}} (from the curve's anomalies) to vm.plot")
end)

check.test("Clock skips pinned frames", { points = 1, hidden = true }, function()
  local refs = { 1, 2, 3, 4, 1, 5, 2, 6, 1, 7, 3, 8, 1, 2, 9 }
  local want = vm.simulate{ trace = refs, policy = "clock", frames = 3, pin = { 1 }, victims = true }
  local got = vm.simulate{ trace = refs, policy = student_clock(), frames = 3, pin = { 1 }, victims = true }
  check.eq(got.victims, want.victims, "with page 1 pinned, your Clock evicted {got}, the built-in {want}: a pinned frame (ctx:pinned(slot)) is never a victim — the hand passes over it")
end)

check.test("OPT on longer strings", { points = 1, hidden = true, partial = true }, function()
  for _, seed in ipairs({ 3, 11 }) do
    local refs = {}
    for _, address in vm.trace.zipf{ pages = 12, alpha = 0.6, n = 60, seed = seed }:each() do refs[#refs + 1] = address >> 12 end
    for _, n in ipairs({ 3, 5 }) do
      check.eq(lab.opt_faults(refs, n), faults(refs, "opt", n), string.format("opt_faults(%s, %d) = {got}, the model counts {want}", show(refs), n))
    end
  end
end)
