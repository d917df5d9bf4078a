-- Shared by the trace benchmarks: the real `ls /` lackey trace of Tests/Fixtures,
-- decompressed once and repeated ten times (about 2 M lines) into a temporary file.
-- Returns the file's path; the file is made once per scenario and removed when it ends.
if LACKEY_BENCH_TEXT then return LACKEY_BENCH_TEXT end
local temporary = dofile(BENCH_ROOT .. "/Scripts/bench/lib/temporary.lua")
local text = temporary(os.tmpname())
local one = os.tmpname()
assert(os.execute("gzip -dc '" .. BENCH_ROOT .. "/Tests/Fixtures/ls.lackey.gz' > '" .. one .. "'"))
assert(os.execute("for i in 1 2 3 4 5 6 7 8 9 10; do cat '" .. one .. "'; done > '" .. text .. "'"))
os.remove(one)
LACKEY_BENCH_TEXT = text
return text
