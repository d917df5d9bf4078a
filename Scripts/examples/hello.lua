-- hello.lua: a first look at vmlab. Run: Scripts/vmlab Scripts/examples/hello.lua
-- How big are the page tables that map a region with 4 KiB pages on x86-64?
local page, entries = vm.size("4 KiB"), 512   -- 512 eight-byte PTEs fill a 4 KiB table page

for _, region in ipairs{ "1 MiB", "64 MiB", "1 GiB", "64 GiB" } do
  local bytes = vm.size(region)
  local pages = bytes // page
  local pt   = math.max(1, -(-pages // entries))        -- last-level tables (PT)
  local pd   = math.max(1, -(-pt // entries))           -- page directories
  local pdpt = math.max(1, -(-pd // entries))
  local tables = pt + pd + pdpt + 1                     -- + the PML4
  print(string.format("%-7s %9d pages need %6d table pages (%s of page tables)",
    region, pages, tables, tables * page >= vm.size("1 MiB")
      and string.format("%.1f MiB", tables * page / vm.size("1 MiB"))
      or string.format("%d KiB", tables * page // 1024)))
end
