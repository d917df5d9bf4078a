-- Issue 3: an untouched 64 GiB machine must start in < 50 ms and < 64 MiB host RSS.
return {
  name = "machine-64g-start", unit = "machines",
  description = "create an untouched 64 GiB machine and an empty address space",
  setup = function()
    return function()
      for i = 1, 20 do
        local m = vm.machine{ memory = "64 GiB" }
        m:address_space()
      end
      collectgarbage()
      return 20
    end
  end,
}
