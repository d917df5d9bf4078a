-- Issue 4: lackey text parsing (>= 10 M records/s) and binary reading (>= 100 M records/s),
-- on the real `ls /` trace of Tests/Fixtures, decompressed once and repeated to ~2 M lines.
local function prepare()
  local text = dofile(BENCH_ROOT .. "/Scripts/bench/lib/lackey-text.lua")
  local binary = dofile(BENCH_ROOT .. "/Scripts/bench/lib/temporary.lua")(text .. ".vmt")
  vm.trace.convert(text, binary)
  return text, binary
end

local text, binary
return {
  name = "lackey-parse", unit = "records",
  description = "parse a Valgrind lackey text trace (real ls / trace, 2 M lines)",
  setup = function()
    text, binary = prepare()
    return function() return vm.trace.lackey(text):count() end
  end,
}
