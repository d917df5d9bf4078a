-- Lab 09 checker: beyond LRU (2Q or ARC).   vmlab check Labs/09-beyond-lru
-- The oracle is the model: the built-in "2q" or "arc" is the twin of the student's policy.
local lab = check.lab
local show = check.show

local RACERS = { "lru", "clock", "arc", "2q", "lirs", "s3fifo", "sieve" }
local SCAN = { pages = 500, alpha = 0.9, n = 30000, seed = 5, every = 1000, scan = 200, base = 100000 }

-- Which policy the student wrote, and how to describe its rule when a victim differs.
local function choice()
  local c = lab.choice
  if c ~= "2q" and c ~= "arc" then
    error("set M.choice to \"2q\" or \"arc\" (the policy you implement); it is " .. show(c), 0)
  end
  return c
end

local HINTS = {
  ["2q"] = "2Q evicts from A1in (FIFO, oldest first) while A1in holds more than Kin pages, else Am's least recently used page; a hit in A1in changes nothing (a hit in Am moves the page to Am's front); only pages evicted from A1in go to the ghost list A1out, and a fault on a ghost goes to Am",
  arc = "ARC's REPLACE takes T1's LRU page when |T1| > p (or the missing page is in B2 and |T1| = p), else T2's; a ghost hit in B1 grows p by max(1, |B2| / |B1|), in B2 shrinks it by max(1, |B1| / |B2|) — check the case |T1| + |B1| = c too",
}

-- The page numbers of a trace (a list already, or a vm.trace read again from its start).
local function pages_of(trace)
  if type(trace) == "table" then return trace end
  local pages = {}
  trace:rewind()
  for _, address in trace:each() do pages[#pages + 1] = address >> 12 end
  trace:rewind()
  return pages
end

-- The access at which eviction k happens, replaying residency with the model's victims.
local function access_of_eviction(pages, n, victims, k)
  local resident, count, evictions = {}, 0, 0
  for i, p in ipairs(pages) do
    if not resident[p] then
      if count < n then count = count + 1
      else
        evictions = evictions + 1
        if evictions == k then return i, p end
        resident[victims[evictions]] = nil
      end
      resident[p] = true
    end
  end
end

-- The student's policy next to its built-in twin on one trace. With by_prefix, partial credit by
-- prefix: one check each for the first 10, 100 and 1000 evictions and one for all of them; else
-- one check.
local function twin(label, trace, n, options, by_prefix)
  local c = choice()
  local spec = c == "2q" and { name = "2q", kin = options and options.kin, kout = options and options.kout } or "arc"
  local want = vm.simulate{ trace = trace, policy = spec, frames = n, victims = true }
  local got = vm.simulate{ trace = trace, policy = lab.make_policy(options), frames = n, victims = true }
  local total = #want.victims
  local first                                       -- the first eviction that differs
  for k = 1, math.max(total, #got.victims) do
    if got.victims[k] ~= want.victims[k] then first = k; break end
  end
  local why = ""
  if first then
    local pages = pages_of(trace)
    local at, page = access_of_eviction(pages, n, want.victims, first)
    local recent = {}
    for i = math.max(1, (at or 1) - 8), (at or 1) - 1 do recent[#recent + 1] = pages[i] end
    why = string.format("eviction #%d of %d differs: at access #%s (page %s faults; the 8 accesses before: %s) the built-in %s evicts page %s, yours page %s — %s (faults: yours %d, built-in %d)",
      first, total, tostring(at), tostring(page), table.concat(recent, " "), c, tostring(want.victims[first]), tostring(got.victims[first]),
      HINTS[c], got.misses, want.misses)
  end
  local setup = string.format("%s, %d frames%s", label, n, options and " " .. show(options) or "")
  if not by_prefix then return check.ok(first == nil, setup .. ": " .. why) end
  local prefixes = {}
  for _, upto in ipairs({ 10, 100, 1000 }) do
    if upto < total then prefixes[#prefixes + 1] = upto end
  end
  prefixes[#prefixes + 1] = total
  for _, upto in ipairs(prefixes) do
    check.ok(first == nil or first > upto, string.format("%s, the first %d of %d evictions: %s", setup, upto, total, why))
  end
end

check.test("your policy on small reference strings", { points = 2, partial = true }, function()
  -- Each string tells 2Q and ARC from FIFO, from LRU and from each other with 4 frames.
  twin("hot pages among one-timers", { 1, 1, 2, 2, 3, 4, 5, 1, 2, 6, 7, 1, 2, 8, 3, 9, 1, 2, 3, 10, 1, 2 }, 4)
  twin("two hot pages and a stream", { 1, 2, 1, 3, 4, 5, 1, 6, 7, 2, 8, 1, 9, 2, 10, 3, 1, 2, 4, 5 }, 4)
  twin("pages coming back after eviction", { 1, 2, 3, 4, 5, 2, 1, 6, 7, 8, 1, 2, 9, 10, 11, 1, 2, 5, 6, 3, 4, 1, 2 }, 4)
end)

check.test("twin on a Zipf trace (partial credit by prefix)", { points = 3, partial = true }, function()
  local t = vm.trace.zipf{ pages = 400, alpha = 0.8, n = 20000, seed = 9 }
  twin("Zipf(0.8) over 400 pages", t, 16, nil, true)
  twin("Zipf(0.8) over 400 pages", t, 64, nil, true)
end)

check.test("twin on `sh` (a valgrind lackey trace, partial credit by prefix)", { points = 3, partial = true }, function()
  local t = vm.trace.lackey(check.file("sh.lackey.xz"))
  twin("sh.lackey.xz", t, 12, nil, true)
  twin("sh.lackey.xz", t, 24, nil, true)
  t:close()
end)

-- The scan-polluted Zipf trace, built the way the README says.
local function polluted(o)
  local out, fresh, i = {}, o.base, 0
  for _, address in vm.trace.zipf{ pages = o.pages, alpha = o.alpha, n = o.n, seed = o.seed }:each() do
    out[#out + 1] = address >> 12
    i = i + 1
    if i % o.every == 0 then
      for _ = 1, o.scan do out[#out + 1] = fresh; fresh = fresh + 1 end
    end
  end
  return out
end

check.test("a scan-polluted Zipf trace", 2, function()
  for _, o in ipairs({ SCAN, { pages = 50, alpha = 1.1, n = 40, seed = 2, every = 15, scan = 4, base = 1000 } }) do
    local got, want = lab.scan_polluted(o), polluted(o)
    check.ok(type(got) == "table", "scan_polluted must return a list of page numbers, it returned " .. show(got))
    for i = 1, math.max(#got, #want) do
      if got[i] ~= want[i] then
        check.fail(string.format("scan_polluted(%s): access #%d is page %s, it should be page %s (%d accesses in all, yours %d) — every Zipf access is page address >> 12; after every %d-th Zipf access come %d fresh pages, numbered on from %d and never used again",
          show(o), i, tostring(got[i]), tostring(want[i]), #want, #got, o.every, o.scan, o.base))
      end
    end
  end
end)

-- One trace of the race: the student's table against vm.simulate, policy by policy.
local function race(label, trace, n)
  local got = lab.race(trace, n)
  check.ok(type(got) == "table", "race must return a table {policy name = hit rate}, it returned " .. show(got))
  local built = { "mine" }
  for _, p in ipairs(RACERS) do built[#built + 1] = p end
  for _, p in ipairs(built) do
    local policy = p == "mine" and lab.make_policy() or p
    local want = vm.simulate{ trace = trace, policy = policy, frames = n }
    check.near(got[p], want.hit_rate, 1e-9, string.format(
      "race(%s, %d)[%q] = {got}, vm.simulate measures {want} (%d hits of %d accesses)%s", label, n, p, want.hits, want.accesses,
      p == "mine" and " — \"mine\" is your own policy, run with vm.simulate like the others" or ""))
  end
end

check.test("the race: hit rates per policy", { points = 3, partial = true }, function()
  race("the scan-polluted Zipf trace", polluted(SCAN), 64)
  local t = vm.trace.lackey(check.file("sh.lackey.xz"))
  race("sh.lackey.xz", t, 16)
  t:close()
end)

check.test("twin with other sizes", { points = 1, hidden = true, partial = true }, function()
  local t = vm.trace.uniform{ pages = 40, n = 3000, seed = 4 }
  if choice() == "2q" then
    twin("uniform over 40 pages", t, 10, { kin = 2, kout = 7 })
    twin("uniform over 40 pages", t, 17, { kin = 6, kout = 30 })
  else
    twin("uniform over 40 pages", t, 5)
    twin("uniform over 40 pages", t, 33)
  end
end)

check.test("twin on the scan-polluted trace", { points = 1, hidden = true, partial = true }, function()
  twin("the scan-polluted Zipf trace", polluted(SCAN), 64, nil, true)
end)
