import LuaKit
import VMLab

/// Devices behind the IOMMU: `m:device`, `g:device` and the `vm.device` class.
enum LuaDevice {
    /// Options of m:device / g:device.
    static let options = ["iotlb", "guest"]
    /// Options of the iotlb table.
    static let iotlbOptions = ["entries", "ways", "replacement"]
    /// Fields of a buffer table given to dev:map.
    static let bufferOptions = ["pa", "process", "va", "size", "pin"]

    /// Installs m:device and g:device (before their classes are registered) and registers vm.device.
    static func install(machines: LuaClass<Machine>, guests: LuaClass<Guest>, spaces: LuaClass<PageTable>,
                        processes: LuaClass<Process>, in state: LuaState) {
        let devices = makeClass(guests: guests, spaces: spaces, processes: processes)
        state.register(devices)
        machines.method("device", signature: "m:device(name [, {iotlb = {entries=, ways=, replacement=}, guest=}]) -> vm.device", doc: """
            A DMA-capable device behind m's IOMMU: its own I/O page table in m's memory (m's paging mode and PTE
            format, walked like a CPU's) and its own IOTLB (default 64 entries, 4-way, LRU; ways = 0: fully
            associative). guest = a vm.guest of m assigns the device to that guest: its mappings then name
            guest-physical addresses, and every IOTLB miss also walks the guest's EPT (same as g:device).
            local nic = m:device("nic", { iotlb = { entries = 16, ways = 0 } })
            local buf = m:alloc_frame()
            nic:map(0x10000, buf, "rw"); nic:dma_write(0x10000, "packet")
            print(m:read_bytes(buf, 6)) --> packet
            """) { m, call in
            let name = try call.string(2)
            let t = call.isNoneOrNil(3) ? nil : try call.table(3)
            try t?.checkOptions(options, function: "m:device")
            var guest: Guest?
            if let t, t.has("guest") {
                t.pushFieldValue("guest")
                defer { call.state.pop() }
                do { guest = try call.object(call.state.top, guests) } catch {
                    throw LuaScriptError("m:device: guest must be a vm.guest (from m:guest)")
                }
            }
            return call.push(try Device(name: name, host: m, guest: guest, iotlb: try iotlb(t, function: "m:device")), as: devices)
        }
        guests.method("device", signature: "g:device(name [, {iotlb = {entries=, ways=, replacement=}}]) -> vm.device", doc: """
            A device of the host assigned to guest g (VFIO-style passthrough): its I/O page table maps IOVAs to
            guest-physical addresses, and the IOMMU's second stage, g's EPT, maps those to host frames (backed, and
            pinned, when mapped). An IOTLB miss walks both: 4 + 4 references on x86_64.
            local g = m:guest{ memory = "16 MiB" }
            local vf = g:device("vf")
            vf:map(0x8000, 0x5000, "rw"); vf:dma_write(0x8000, "hi")
            print(m:read_bytes(g:host_pa(0x5000), 2)) --> hi
            """) { g, call in
            let name = try call.string(2)
            let t = call.isNoneOrNil(3) ? nil : try call.table(3)
            try t?.checkOptions(["iotlb"], function: "g:device")
            return call.push(try Device(name: name, host: g.host, guest: g, iotlb: try iotlb(t, function: "g:device")), as: devices)
        }
    }

    /// The iotlb option: {entries=, ways=, replacement=}.
    static func iotlb(_ t: LuaTableView?, function: String) throws -> TLBLevelConfiguration {
        var config = TLBLevelConfiguration(name: "IOTLB", entries: 64, ways: 4)
        guard let t, t.has("iotlb") else { return config }
        guard case .table = t.value("iotlb") else { throw LuaScriptError("\(function): iotlb must be a table {entries=, ways=, replacement=}") }
        try t.withTable("iotlb") { o in
            try o.checkOptions(iotlbOptions, function: "\(function): iotlb")
            config.entries = try o.integer("entries") ?? config.entries
            config.ways = try o.integer("ways") ?? (o.has("entries") ? 0 : config.ways)
            if let text = try o.string("replacement") { config.replacement = try TLBReplacement.named(text) }
        }
        return config
    }

    /// The access argument of dev:map.
    static func access(_ call: LuaCall, _ i: Int32) throws -> DMAAccess {
        let text = try call.string(i)
        guard let access = DMAAccess(rawValue: text.lowercased()) else {
            throw LuaArgumentError(i, "access must be \"r\", \"w\" or \"rw\", got \"\(text)\"")
        }
        return access
    }

    /// The buffer argument of dev:map: a physical address (one page) or a table.
    static func buffer(_ call: LuaCall, _ i: Int32, device: Device, processes: LuaClass<Process>) throws -> DMABuffer {
        let page = Int(device.host.mode.pageBytes)
        if call.type(i) == LuaType.number { return .physical(address: try call.address(i), bytes: UInt64(page)) }
        guard call.type(i) == LuaType.table else {
            throw call.typeError(i, "physical address or buffer table {pa=, size=} / {process=, va=, size=, pin=}")
        }
        let t = try call.table(i)
        try t.checkOptions(bufferOptions, function: "dev:map")
        let size = t.has("size") ? try LuaProcess.sizeField(call, t, "size") : page
        guard size >= 0 else { throw LuaScriptError("dev:map: size must not be negative") }
        if t.has("process") {
            guard !t.has("pa") else { throw LuaScriptError("dev:map: a buffer is either {pa=} or {process=, va=}, not both") }
            t.pushFieldValue("process")
            let p: Process
            do { p = try call.object(call.state.top, processes) } catch {
                call.state.pop()
                throw LuaScriptError("dev:map: process must be a vm.process")
            }
            call.state.pop()
            guard let va = try t.integer("va") else { throw LuaScriptError("dev:map: a process buffer needs va=") }
            return .process(p, va: UInt64(bitPattern: Int64(va)), bytes: UInt64(size), pin: try t.boolean("pin") ?? false)
        }
        guard let pa = try t.integer("pa") else { throw LuaScriptError("dev:map: a buffer table needs pa= or process=") }
        guard !t.has("pin") && !t.has("va") else { throw LuaScriptError("dev:map: va= and pin= go with process=") }
        return .physical(address: UInt64(bitPattern: Int64(pa)), bytes: UInt64(size))
    }

    /// Raises what an m:on("dma_fault") handler raised during the last DMA.
    static func raisePending(_ d: Device) throws {
        if let k = d.host.existingKernel { try LuaKernelBridge.of(k).raisePending() }
    }

    /// A fault as a Lua table.
    static func record(_ fault: DMAFault) -> LuaRecord {
        LuaRecord([("iova", fault.iova.lua), ("access", fault.access == .write ? "w" : "r"), ("reason", fault.reason.rawValue)])
    }

    /// The vm.device class.
    static func makeClass(guests: LuaClass<Guest>, spaces: LuaClass<PageTable>, processes: LuaClass<Process>) -> LuaClass<Device> {
        let cls = LuaClass<Device>("vm.device", doc: """
            A DMA-capable device behind the IOMMU (see m:device, g:device). The addresses it uses are IOVAs,
            translated page by page through its IOTLB and, on a miss, its I/O page table (dev.table) — for a
            guest's device then through the guest's EPT. DMA to an unmapped page, a write to a page mapped "r" or
            a read from one mapped "w" is a DMA fault: the whole transfer is dropped (memory unchanged), the fault
            is logged (dev.faults) and the call returns nil, message — not a Lua error.
            """)
        cls.tostring { d in
            "vm.device(\(d.name)\(d.guest == nil ? "" : ", guest")\(d.isOpen ? "" : ", closed"), \(d.mappedPages) pages mapped)"
        }
        cls.property("name", doc: "The device's name.", get: { d, call in call.push(d.name) })
        cls.property("guest", doc: "The vm.guest the device is assigned to, or nil.", get: { d, call in
            guard let g = d.guest else { return call.pushNil() }
            return call.push(g, as: guests)
        })
        cls.property("closed", doc: "True after dev:close().", get: { d, call in call.push(!d.isOpen) })
        cls.property("table", doc: """
            The I/O page table as a vm.address_space of the host (dev.table:dump(), dev.table:lookup(iova)): its
            "virtual" addresses are IOVAs, its leaves physical (or guest-physical) pages. Look, do not change.
            """, get: { d, call in
                guard d.isOpen else { throw LuaScriptError(DeviceError.closed(device: d.name).description) }
                return call.push(d.table, as: spaces)
            })
        cls.property("stats", doc: """
            Counters: iotlb = {hits=, misses=, hit_rate=, evictions=, entries=, ways=}, translations, walks,
            walk_refs (memory references of IOTLB-miss walks: I/O table, plus EPT for a guest's device), cycles
            (hits at the first TLB level's cost, walk references at memory_reference each), dma_reads, dma_writes,
            bytes_read, bytes_written, faults (total), faults_by_reason = {unmapped=, ["read-only"]=,
            ["write-only"]=, ["second stage"]=}, invalidations (IOTLB entries removed by unmaps), pages_mapped,
            pages_unmapped, mapped (pages mapped now).
            """, get: { d, call in
                let s = d.stats, t = d.iotlb.stats
                var byReason = LuaRecord()
                for reason in DMAFaultReason.allCases { byReason.set(reason.rawValue, s.faults(reason)) }
                return call.push(LuaRecord([
                    ("iotlb", LuaRecord([("hits", s.iotlbHits), ("misses", s.iotlbMisses), ("hit_rate", s.iotlbHitRate),
                                         ("evictions", t.evictions), ("entries", d.iotlb.entries), ("ways", d.iotlb.ways)])),
                    ("translations", s.translations), ("walks", s.walks), ("walk_refs", s.walkReferences), ("cycles", s.cycles),
                    ("dma_reads", s.dmaReads), ("dma_writes", s.dmaWrites), ("bytes_read", s.bytesRead),
                    ("bytes_written", s.bytesWritten), ("faults", s.faults), ("faults_by_reason", byReason),
                    ("invalidations", s.invalidations), ("pages_mapped", s.pagesMapped), ("pages_unmapped", s.pagesUnmapped),
                    ("mapped", d.mappedPages),
                ]))
            })
        cls.property("faults", doc: """
            The fault log, oldest first: { {iova=, access="r"|"w", reason="unmapped"|"read-only"|"write-only"|"second
            stage"}, … } (the first 4096; stats.faults counts all).
            """, get: { d, call in call.push(d.faults.map(record)) })
        cls.property("mappings", doc: """
            The mapped pages sorted by IOVA: { {iova=, pa= (guest-physical for a guest's device), access=, pinned=
            (a process page held by the device)}, … }.
            """, get: { d, call in
                call.push(d.mappingList.map { m in
                    LuaRecord([("iova", m.iova.lua), ("pa", m.address.lua), ("access", m.access.rawValue), ("pinned", m.pinned)])
                })
            })
        cls.method("map", signature: "dev:map(iova, pa | {pa=, size=} | {process=, va=, size=, pin=}, access)", doc: """
            Maps a buffer at page-aligned iova for access "r" (the device reads it), "w" (writes it) or "rw". A
            number is one page of physical memory (guest-physical for a guest's device); {pa=, size=} is size
            bytes from pa (page aligned; the size rounds up to pages). {process=p, va=, size=} is p's memory
            (va page aligned): each page is faulted in (for "w"/"rw" as a write, so a COW page is copied first)
            and must already be pinned (p:mlock) unless pin = true, which pins it until dev:unmap — a page under
            DMA must never be swapped out or moved. Errors: unaligned iova/pa/va, a size beyond the machine, an
            iova beyond the I/O address space, a page already mapped (unmap first), an unpinned page without
            pin = true, a closed device. On an error nothing is mapped.
            local p = m:spawn("driver"); local va = p:mmap{ size = 8192, prot = "rw" }
            nic:map(0x20000, { process = p, va = va, size = 8192, pin = true }, "w")
            """) { d, call in
            let iova = try call.address(2)
            let buffer = try buffer(call, 3, device: d, processes: processes)
            try d.map(iova: iova, buffer, access: try access(call, 4))
            return 0
        }
        cls.method("unmap", signature: "dev:unmap(iova [, size])", doc: """
            Unmaps size bytes (default one page, rounded up to pages) at page-aligned iova: clears the I/O PTEs,
            invalidates the IOTLB entries (else the device could still reach the old pages) and unpins what
            dev:map pinned. A page of the range that is not mapped is an error (and nothing is unmapped).
            nic:unmap(0x20000, 8192)
            """) { d, call in
            let iova = try call.address(2)
            let size = call.isNoneOrNil(3) ? nil : UInt64(try call.size(3))
            try d.unmap(iova: iova, bytes: size)
            return 0
        }
        cls.method("dma_read", signature: "dev:dma_read(iova, n) -> string | nil, message", doc: """
            The device reads n bytes of memory at iova (DMA to the device; may cross pages, each translated).
            Returns the bytes, or nil and a message on a DMA fault (logged in dev.faults).
            local bytes, err = nic:dma_read(0x10000, 6)
            """) { d, call in
            let n = try call.integer(3)
            let result = try d.dmaRead(iova: try call.address(2), count: n)
            try raisePending(d)
            switch result {
            case let .success(bytes): return call.push(LuaBytes(bytes))
            case let .failure(fault): return call.push(LuaValue.nil, fault.description)
            }
        }
        cls.method("dma_write", signature: "dev:dma_write(iova, bytes) -> true | nil, message", doc: """
            The device writes the string bytes to memory at iova (DMA from the device; may cross pages). Returns
            true, or nil and a message on a DMA fault (logged in dev.faults; no byte is written).
            assert(nic:dma_write(0x10000, "packet"))
            """) { d, call in
            let fault = try d.dmaWrite(iova: try call.address(2), try call.bytes(3))
            try raisePending(d)
            if let fault {
                return call.push(LuaValue.nil, fault.description)
            }
            return call.push(true)
        }
        cls.method("translate", signature: "dev:translate(iova [, access]) -> pa | nil, reason", doc: """
            What the IOMMU does for one DMA access to iova ("r": the device reads, default; "w": it writes):
            IOTLB lookup, on a miss a walk and an IOTLB fill. Returns the host-physical address, or nil and the
            fault reason. Counted in dev.stats like a DMA's translations; not logged (no DMA happened).
            print(nic:translate(0x10000, "w"))
            """) { d, call in
            let iova = try call.address(2)
            let kind = try call.accessKind(3)
            guard kind != .execute else { throw LuaArgumentError(3, "access must be \"r\" or \"w\" (devices do not execute)") }
            guard d.isOpen else { throw LuaScriptError(DeviceError.closed(device: d.name).description) }
            let r = d.translate(iova: iova, direction: kind)
            if let reason = r.fault { return call.push(LuaValue.nil, reason.rawValue) }
            return call.push(r.address.lua)
        }
        cls.method("check", signature: "dev:check() -> {problems}", doc: """
            The device's invariants: every mapped page has its I/O PTE (W bit as the access says), every IOTLB
            entry translates a mapped page to its current frame with no more permission than the mapping, every
            page held for DMA is held (and pinned) in its machine. Returns the list of problems (empty when all is
            well). m:check() checks the kernel side (frames referenced by devices).
            assert(#nic:check() == 0)
            """) { d, call in call.push(d.check()) }
        cls.method("reset_stats", signature: "dev:reset_stats()", doc: "Sets the counters to zero and empties the fault log (the IOTLB keeps its entries).") { d, _ in
            d.resetStats()
            return 0
        }
        cls.method("close", signature: "dev:close()", doc: """
            Releases the device: unmaps everything (unpinning), frees the I/O page table, empties the IOTLB. Any
            later use of dev is an error.
            """) { d, _ in
            d.close()
            return 0
        }
        return cls
    }
}
