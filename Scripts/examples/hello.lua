-- hello.lua: a first look at vmlab.   Run: Scripts/vmlab Scripts/examples/hello.lua
-- A machine with 64 MiB of RAM and x86-64 four-level paging. We map one page, translate an
-- address the way the MMU does, and look at every page-table entry the walk reads.
local m = vm.machine{ memory = "64 MiB", paging = "x86_64" }
local space = m:address_space()
print(string.format("machine: %s, %d free frames, root table at 0x%x", tostring(m), m.free_frames, space.root))

local va = 0x00007ffd12345678                      -- a typical stack address
local parts = vm.split(va, "x86_64")
print(string.format("\n%#x splits into PML4 %#05x  PDPT %#05x  PD %#05x  PT %#05x  offset %#05x",
  va, parts.PML4, parts.PDPT, parts.PD, parts.PT, parts.offset))

space:map(va & ~0xfff, "alloc", { w = true, u = true })   -- one fresh 4 KiB page, user read/write
print(string.format("mapping one 4 KiB page allocated %d table pages below the root",
  space:stats().total_table_pages - 1))

local t = space:translate(va, "w", "user")
print(string.format("\nwrite to %#x from user mode:", va))
for _, step in ipairs(t.steps) do
  print(string.format("  %-4s [%#05x]  PTE at %#08x = %#018x  %s", step.name, step.index, step.pte_addr, step.updated, step.flags))
end
print(string.format("  -> physical address %#x after %d memory references (%d cycles)", t.pa, t.refs, t.cycles))

local f = space:translate(0x400000, "r", "user")
print(string.format("\nread of %#x: page fault, %s (error code %s)", 0x400000, f.fault.reason, f.fault.error_code))

space:protect(va & ~0xfff, 4096, { u = true })     -- make the page read-only
f = space:translate(va, "w", "user")
print(string.format("write after mprotect(read-only): page fault, %s (error code %s)", f.fault.reason, f.fault.error_code))
