-- Issue 4: lackey text parsing (>= 10 M records/s) and binary reading (>= 100 M records/s),
-- on the real `ls /` trace of Tests/Fixtures, decompressed once and repeated to ~2 M lines.
local function prepare()
  local text = os.tmpname()
  local one = os.tmpname()
  assert(os.execute("gzip -dc '" .. BENCH_ROOT .. "/Tests/Fixtures/ls.lackey.gz' > '" .. one .. "'"))
  assert(os.execute("for i in 1 2 3 4 5 6 7 8 9 10; do cat '" .. one .. "'; done > '" .. text .. "'"))
  os.remove(one)
  local binary = text .. ".vmt"
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
