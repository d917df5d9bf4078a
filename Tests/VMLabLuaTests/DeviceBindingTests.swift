import LuaKit
import Testing

/// The IOMMU from Lua (issue 9 item 5): m:device, g:device and vm.device — map/unmap, DMA that
/// crosses pages, DMA faults as nil + message with a log, pinning under swap pressure, stats.
@Suite struct DeviceBindingTests {
    @Test func dmaRoundTripAndStats() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local nic = m:device("nic", { iotlb = { entries = 8, ways = 0 } })
            local pa = m:alloc_frame(8192)
            nic:map(0x10000, { pa = pa, size = 8192 }, "rw")
            assert(nic:dma_write(0x10000 + 4090, "hello, dma!") == true)
            assert(m:read_bytes(pa + 4090, 11) == "hello, dma!", "the bytes land at pa")
            assert(nic:dma_read(0x10000 + 4090, 11) == "hello, dma!")
            local s = nic.stats
            assert(s.iotlb.misses == 2 and s.iotlb.hits == 2, "two pages: 2 misses then 2 hits")
            assert(s.walk_refs == 8 and s.walks == 2, "4-level I/O walks: " .. s.walk_refs)
            assert(s.cycles == 8 * m.costs.memory_reference + 2 * m.costs.tlb_hit[1], "cycles " .. s.cycles)
            assert(s.dma_reads == 1 and s.dma_writes == 1 and s.bytes_read == 11 and s.bytes_written == 11)
            assert(nic:translate(0x11000, "w") == pa + 4096)
            assert(#nic.mappings == 2 and nic.mappings[2].iova == 0x11000 and nic.mappings[2].access == "rw")
            assert(nic.table:lookup(0x10000).pa == pa, "the I/O table is a real page table")
            assert(m.stats.walks == 0, "I/O walks are not CPU walks")
            """)
    }

    @Test func aScribblingDeviceIsStoppedAndMemoryIsUnchanged() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local disk = m:device("disk")
            local pa = m:alloc_frame()
            m:write_bytes(pa, "kernel data")
            disk:map(0x4000, pa, "r")
            local ok, err = disk:dma_write(0x4000, "scribbled!!")
            assert(ok == nil and err:find("read%-only"), tostring(err))
            assert(m:read_bytes(pa, 11) == "kernel data", "memory unchanged")
            local bytes, err2 = disk:dma_read(0x9000, 4)
            assert(bytes == nil and err2:find("unmapped"), tostring(err2))
            assert(#disk.faults == 2)
            assert(disk.faults[1].iova == 0x4000 and disk.faults[1].access == "w" and disk.faults[1].reason == "read-only")
            assert(disk.faults[2].iova == 0x9000 and disk.faults[2].access == "r" and disk.faults[2].reason == "unmapped")
            assert(disk.stats.faults == 2 and disk.stats.faults_by_reason["read-only"] == 1 and disk.stats.faults_by_reason.unmapped == 1)
            disk:unmap(0x4000)
            assert(disk.stats.invalidations <= 1 and select(2, disk:translate(0x4000)) == "unmapped", "no stale entry after unmap")
            disk:reset_stats(); assert(#disk.faults == 0 and disk.stats.faults == 0)
            local seen = {}
            m:on("dma_fault", function(e) seen[#seen + 1] = e end)
            assert(disk:dma_write(0x7000, "x") == nil)
            assert(#seen == 1 and seen[1].event == "dma_fault" and seen[1].device == "disk" and seen[1].iova == 0x7000
              and seen[1].access == "w" and seen[1].reason == "unmapped", "a dma_fault event")
            m:on("dma_fault", function(e) error("handler saw " .. e.reason) end)
            local ok, err = pcall(disk.dma_read, disk, 0x7000, 1)
            assert(not ok and err:find("handler saw unmapped"), tostring(err))
            """)
    }

    @Test func pinnedBufferStaysUnderSwapPressure() throws {
        try runLua("""
            local m = vm.machine{ memory = "256 KiB", swap = "4 MiB" }
            local p = m:spawn("driver")
            local buf = p:mmap{ size = 4096, prot = "rw" }
            p:write(buf, 0x1234)
            local nic = m:device("nic")
            local ok, err = pcall(nic.map, nic, 0x2000, { process = p, va = buf }, "rw")
            assert(not ok and err:find("not pinned"), tostring(err))
            nic:map(0x2000, { process = p, va = buf, pin = true }, "rw")
            local pa = p:translate(buf).pa
            assert(m:frame(pa).pinned, "pinned")
            local filler = p:mmap{ size = 4 * m.memory, prot = "rw" }
            for i = 0, 4 * m.frames - 1 do p:write(filler + i * 4096, i) end
            assert(m.stats.swap.swap_outs > m.frames, "pressure")
            local t = p:translate(buf)
            assert(t.pa == pa and #t.faults == 0, "the pinned page never left its frame")
            assert(nic:dma_write(0x2000, "\\x78\\x56") and p:read(buf) == 0x5678, "DMA and CPU see the same page")
            assert(#m:check() == 0, table.concat(m:check(), "; "))
            assert(#nic:check() == 0, table.concat(nic:check(), "; "))
            nic:unmap(0x2000)
            assert(not m:frame(pa).pinned, "unmap unpins")
            """)
    }

    @Test func guestDeviceWalksTheEPT() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB" }
            local g = m:guest{ memory = "16 MiB" }
            local vf = g:device("vf", { iotlb = { entries = 4 } })
            assert(vf.guest == g or tostring(vf.guest) == tostring(g))
            vf:map(0x8000, 0x5000, "rw")
            assert(vf:dma_write(0x8000, "hi"))
            assert(m:read_bytes(g:host_pa(0x5000), 2) == "hi")
            assert(vf.stats.walk_refs == 8, "I/O table 4 + EPT 4")
            local ok, err = pcall(vf.map, vf, 0x9000, 16 * 1024 * 1024, "r")
            assert(not ok and err:find("beyond"), tostring(err))
            local m2 = vm.machine{ memory = "16 MiB" }
            local ok2, err2 = pcall(m2.device, m2, "x", { guest = g })
            assert(not ok2 and err2:find("another machine"), tostring(err2))
            """)
    }

    /// A guest process's buffer through a device assigned to that guest: pinned in the guest's
    /// kernel, its host frame pinned on the host, DMA landing in that host frame. (Assumption:
    /// guest data lives in the host frame g:host_pa names; read there, not through the guest.)
    @Test func guestProcessBufferIsPinnedAtBothLevels() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB" }
            local g = m:guest{ memory = "16 MiB" }
            local gp = g.machine:spawn("guest-driver")
            local va = gp:mmap{ size = 8192, prot = "rw" }
            local vf = g:device("vf")
            local ok, err = pcall(vf.map, vf, 0x1000, { process = gp, va = va, size = 8192 }, "rw")
            assert(not ok and err:find("not pinned"), tostring(err))
            vf:map(0x1000, { process = gp, va = va, size = 8192, pin = true }, "rw")
            local gpa = gp:translate(va + 4096).pa
            assert(g.machine:frame(gpa).pinned and g.machine:frame(gpa).refcount == 2, "pinned and referenced in the guest")
            assert(m:frame(g:host_pa(gpa)).pinned, "its host frame is pinned too")
            assert(vf:dma_write(0x2000, "from device") and m:read_bytes(g:host_pa(gpa), 11) == "from device")
            assert(#g.machine:check() == 0 and #m:check() == 0)
            local hp = m:spawn("host"); local hva = hp:mmap{ size = 4096, prot = "rw" }
            local ok2, err2 = pcall(vf.map, vf, 0x9000, { process = hp, va = hva, pin = true }, "rw")
            assert(not ok2 and err2:find("not a process of the guest"), tostring(err2))
            local hd = m:device("hd")
            local ok3, err3 = pcall(hd.map, hd, 0x9000, { process = gp, va = va, pin = true }, "rw")
            assert(not ok3 and err3:find("another machine"), tostring(err3))
            vf:close()
            assert(not g.machine:frame(gpa).pinned and g.machine:frame(gpa).refcount == 1, "close unpins in the guest")
            assert(not m:frame(g:host_pa(gpa)).pinned, "and on the host")
            """)
    }

    @Test func badInputIsALuaError() throws {
        let setup = "local m = vm.machine{ memory = '16 MiB' }; local d = m:device('nic'); local pa = m:alloc_frame(); "
        try expectLuaErrors([
            (setup + "m:device('x', { iotlb = { entries = 6, ways = 4 } })", "does not divide"),
            (setup + "m:device('x', { iotlb = { entriez = 6 } })", "unknown option 'entriez'"),
            (setup + "m:device('x', { colour = 1 })", "unknown option 'colour'"),
            (setup + "m:device('x', { guest = 3 })", "guest must be a vm.guest"),
            (setup + "d:map(0x1001, pa, 'r')", "not aligned"),
            (setup + "d:map(0x1000, pa + 8, 'r')", "not aligned"),
            (setup + "d:map(0x1000, { pa = pa, size = '1 GiB' }, 'r')", "more than the machine's memory"),
            (setup + "d:map(0x1000, pa, 'x')", "access must be"),
            (setup + "d:map(0x1000, { pa = pa, colour = 1 }, 'r')", "unknown option 'colour'"),
            (setup + "d:map(0x1000, { process = 1, va = 0 }, 'r')", "process must be a vm.process"),
            (setup + "d:map(0x1000, pa, 'r'); d:map(0x1000, pa, 'r')", "already mapped"),
            (setup + "d:unmap(0x5000)", "not mapped"),
            (setup + "d:dma_read(0, -1)", "must not be negative"),
            (setup + "d:dma_read(0, 1 << 40)", "more than the machine's memory"),
            (setup + "d:dma_read(-2, 8)", "overflows"),
            (setup + "d:translate(0, 'x')", "do not execute"),
            (setup + "d:close(); d:dma_read(0, 1)", "is closed"),
            (setup + "d:close(); d:map(0, pa, 'r')", "is closed"),
            (setup + "d:close(); local t = d.table", "is closed"),
        ])
    }
}
