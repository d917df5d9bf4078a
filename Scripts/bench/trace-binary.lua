-- Issue 4: reading vmlab's binary trace format (target >= 100 M records/s).
return {
  name = "binary-read", unit = "records",
  description = "read the binary form of the lackey benchmark trace",
  setup = function()
    local text = dofile(BENCH_ROOT .. "/Scripts/bench/lib/lackey-text.lua")
    local binary = dofile(BENCH_ROOT .. "/Scripts/bench/lib/temporary.lua")(text .. ".vmt")
    vm.trace.convert(text, binary)
    return function() return vm.trace.binary(binary):count() end
  end,
}
