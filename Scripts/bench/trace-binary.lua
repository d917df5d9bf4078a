-- Issue 4: reading vmlab's binary trace format (target >= 100 M records/s).
return {
  name = "binary-read", unit = "records",
  description = "read the binary form of the lackey benchmark trace",
  setup = function()
    local text = os.tmpname()
    local one = os.tmpname()
    assert(os.execute("gzip -dc '" .. BENCH_ROOT .. "/Tests/Fixtures/ls.lackey.gz' > '" .. one .. "'"))
    assert(os.execute("for i in 1 2 3 4 5 6 7 8 9 10; do cat '" .. one .. "'; done > '" .. text .. "'"))
    local binary = text .. ".vmt"
    vm.trace.convert(text, binary)
    os.remove(one); os.remove(text)
    return function() return vm.trace.binary(binary):count() end
  end,
}
