-- Temporary files of a benchmark scenario, removed when the scenario's Lua state closes
-- (a finalizer kept alive by a global). Returns a function that registers a path and returns it.
if BENCH_TEMPORARY then return BENCH_TEMPORARY end
local files = {}
BENCH_TEMPORARY_SENTINEL = setmetatable({}, { __gc = function()
  for _, path in ipairs(files) do os.remove(path) end
end })
BENCH_TEMPORARY = function(path)
  files[#files + 1] = path
  return path
end
return BENCH_TEMPORARY
