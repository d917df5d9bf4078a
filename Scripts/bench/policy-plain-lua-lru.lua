-- Issue 4's baseline: the same LRU page simulation written in ordinary Lua 5.4 tables (no
-- vm.simulate), on the page numbers of the ls lackey trace (x5), 64 frames. setup runs it
-- once beside the built-in and prints the ratio; the scenario's rate is plain Lua's.
local function plainLRU(pages, frames)
  -- A doubly linked list over pages (newer/older links) and a resident set.
  local newer, older, resident = {}, {}, {}
  local head, tail, count, misses = nil, nil, 0, 0
  for i = 1, #pages do
    local p = pages[i]
    if resident[p] then
      if head ~= p then
        local n, o = newer[p], older[p]
        older[n] = o
        if o then newer[o] = n else tail = n end
        newer[p], older[p] = nil, head
        newer[head] = p
        head = p
      end
    else
      misses = misses + 1
      if count == frames then
        local victim = tail
        tail = newer[victim]
        if tail then older[tail] = nil else head = nil end
        resident[victim], newer[victim], older[victim] = nil, nil, nil
        count = count - 1
      end
      resident[p] = true
      newer[p], older[p] = nil, head
      if head then newer[head] = p else tail = p end
      head = p
      count = count + 1
    end
  end
  return misses
end

return {
  name = "policy-plain-lua-lru", unit = "accesses",
  description = "LRU in plain Lua tables (no vm.simulate), 64 frames, ls lackey pages x5; prints built-in/plain ratio",
  setup = function()
    local trace = dofile(BENCH_ROOT .. "/Scripts/bench/lib/policy-trace.lua")(5)
    local pages = {}
    for _, address in trace:each() do pages[#pages + 1] = address >> 12 end
    local t0 = os.clock()
    local plain = plainLRU(pages, 64)
    local t1 = os.clock()
    local builtin = vm.simulate{ trace = trace, policy = "lru", frames = 64 }
    local t2 = os.clock()
    assert(plain == builtin.misses, "plain Lua and built-in LRU disagree: " .. plain .. " vs " .. builtin.misses)
    local plainRate, builtinRate = #pages / (t1 - t0), #pages / (t2 - t1)
    io.stderr:write(string.format("policy-plain-lua-lru: plain Lua %.1f M/s, built-in vm.simulate %.1f M/s: built-in is %.0fx faster\n",
      plainRate / 1e6, builtinRate / 1e6, builtinRate / plainRate))
    return function() plainLRU(pages, 64) return #pages end
  end,
}
