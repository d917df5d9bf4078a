import LuaKit
import VMLab

/// Virtual machines on `vm.machine`: `m:guest{…}` and the `vm.guest` class (nested paging).
extension LuaMachine {
    /// Options of m:guest{…}.
    static let guestOptions = ["memory", "paging", "mode", "swap", "limit", "nested_pwc", "ept_page", "shared_tlb"] + LuaProcessorOptions.names

    /// Installs m:guest and registers the vm.guest class.
    static func installGuest(on machines: LuaClass<Machine>, spaces: LuaClass<PageTable>, processes: LuaClass<Process>,
                             in state: LuaState) {
        let guests = LuaGuest.makeClass(machines: machines, spaces: spaces)
        LuaDevice.install(machines: machines, guests: guests, spaces: spaces, processes: processes, in: state)
        state.register(guests)
        machines.method("guest", signature: "m:guest{memory=, paging=, mode=, swap=, limit=, nested_pwc=, ept_page=, shared_tlb=, cpus=, tlb=, pwc=…} -> vm.guest", doc: """
            Creates a virtual machine hosted by m. memory: the guest-physical memory (a size, default half the host's;
            at most the host's, since untouched guest memory costs the host nothing); paging: the guest's mode (a name
            or custom table as in vm.machine, default the host's; same page size as the host, at least 4 KiB);
            mode: "nested" (EPT/NPT/G-stage, the default) or "shadow" (the hypervisor's shadow tables map guest virtual
            to host physical; guest PTE writes trap: see g:shadow_table and g.stats.vm_exits); cpus, tlb, pwc,
            pcid…: the guest's virtual CPUs and their translation hardware, as in vm.machine (not software_tlb: its refill
            would skip the EPT); shared_tlb: true
            (the default when the guest asks for no tlb or pwc of its own and its paging has the host's page sizes
            and levels) runs virtual CPU i on host CPU i, in its TLBs and page-walk caches, with entries tagged by the guest's
            VMID (g.vmid; t:dump() shows it): host and guests compete for entries, a VM switch flushes nothing, INVEPT drops
            only this guest's entries; false gives the guest structures of its own; swap: host swap for the guest's pages (a size, default none: its pages cannot be evicted);
            limit: most host memory the guest may hold at once (a size, default all of the host's): past it the
            hypervisor evicts guest pages to swap (double paging); nested_pwc: entries of the nested page-walk cache
            (0 or a power of two up to 4096, default 16), which holds the host frames of guest table pages; ept_page:
            the EPT's page size (default the base page; "2 MiB" or "1 GiB" on x86_64: a whole block is backed at the first
            touch, EPT walks are 1 or 2 levels shorter, and such pages are never evicted or ballooned). The guest is a vm.machine of its own (g.machine,
            with processes, mmap, read, write…); its bytes live only in host frames, which guest-physical pages get
            lazily through the EPT (g.ept) on their first access (an EPT violation).
            local g = m:guest{ memory = "32 MiB", paging = "x86_64" }
            local s = g.machine:address_space(); s:map(0x400000, "alloc", { u = true })
            print(g:translate(s, 0x400000).refs) --> 24
            """) { m, call in
            let t = call.isNoneOrNil(2) ? nil : try call.table(2)
            try t?.checkOptions(guestOptions, function: "m:guest")
            let half = Int((m.memory.bytes / 2) & ~(m.mode.pageBytes - 1))
            let memory = try memoryOption(t, call, default: half, function: "m:guest")
            let mode = try pagingOption(t, call, default: m.mode, function: "m:guest")
            var guestMode = GuestMode.nested
            if let name = try t?.string("mode") {
                guard let known = GuestMode(rawValue: name) else {
                    throw LuaScriptError("m:guest: unknown mode '\(name)' (known: nested, shadow)")
                }
                guestMode = known
            }
            let swap = try t.map { t in t.has("swap") ? try LuaProcess.sizeField(call, t, "swap") : 0 } ?? 0
            let limit = try t.map { t in t.has("limit") ? try LuaProcess.sizeField(call, t, "limit") : nil } ?? nil
            let limitFrames = limit.map { Int(UInt64($0) / m.mode.pageBytes) }
            let nestedPWC = try t?.integer("nested_pwc") ?? 16
            let eptPage = try t.map { t in t.has("ept_page") ? UInt64(try LuaProcess.sizeField(call, t, "ept_page")) : nil } ?? nil
            let processors = try t.flatMap { t in try LuaProcessorOptions.read(t, mode: mode) }
            let sharing = try t?.boolean("shared_tlb").map { $0 ? GuestTLBSharing.shared : .private }
            let guest = try Guest(host: m, memoryBytes: UInt64(memory), mode: mode, guestMode: guestMode,
                                  processors: processors, tlbSharing: sharing,
                                  swapBytes: UInt64(swap), limitFrames: limitFrames, nestedPWCEntries: nestedPWC,
                                  eptPageBytes: eptPage)
            return call.push(guest, as: guests)
        }
    }
}
