-- Shared by the policy-* scenarios: the ls lackey fixture, repeated `copies` times, converted
-- once to vmlab's binary format (so parsing is not measured). Returns the vm.trace and its file,
-- which is removed when the scenario ends (lib/temporary.lua).
return function(copies)
  local one, text = os.tmpname(), os.tmpname()
  assert(os.execute("gzip -dc '" .. BENCH_ROOT .. "/Tests/Fixtures/ls.lackey.gz' > '" .. one .. "'"))
  local list = {}
  for i = 1, copies do list[i] = "'" .. one .. "'" end
  assert(os.execute("cat " .. table.concat(list, " ") .. " > '" .. text .. "'"))
  local binary = text .. ".vmt"
  vm.trace.convert(text, binary)
  os.remove(one)
  os.remove(text)
  dofile(BENCH_ROOT .. "/Scripts/bench/lib/temporary.lua")(binary)
  return vm.trace.binary(binary), binary
end
