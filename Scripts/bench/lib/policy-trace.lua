-- Shared by the policy-* scenarios: the ls lackey fixture, repeated `copies` times, converted
-- once to vmlab's binary format (so parsing is not measured). Returns the vm.trace. The binary
-- file is removed when the bench's Lua state closes (a finalizer kept alive by a global).
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
  local trace = vm.trace.binary(binary)
  POLICY_TRACE_FILES = POLICY_TRACE_FILES or {}
  POLICY_TRACE_FILES[#POLICY_TRACE_FILES + 1] = setmetatable({}, { __gc = function()
    trace:close()
    os.remove(binary)
  end })
  return trace, binary
end
