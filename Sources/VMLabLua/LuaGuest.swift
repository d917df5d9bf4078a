import LuaKit
import VMLab

/// The `vm.guest` class: a virtual machine (see `m:guest` in LuaMachine+Guest.swift).
enum LuaGuest {
    /// The vm.guest class.
    static func makeClass(machines: LuaClass<Machine>, spaces: LuaClass<PageTable>) -> LuaClass<Guest> {
        let cls = LuaClass<Guest>("vm.guest", doc: """
            A virtual machine on a host vm.machine (see m:guest): a guest machine whose physical memory is
            guest-physical memory, backed lazily by host frames through the EPT/NPT (RISC-V: the G-stage, modelled
            with the host's own mode: Sv39 stands for Sv39x4). The guest's bytes live only in those host frames, so
            the hypervisor can evict them to the guest's swap (g:reclaim, or the limit= of m:guest): double paging.
            g:translate makes the two-dimensional walk: every guest page-table read is itself translated through the
            EPT, (n+1)(m+1)-1 references when nothing is cached (this model has no TLB or page-walk cache for guests
            yet).
            """)
        cls.tostring { g in "vm.guest(\(Units.size(g.machine.memory.bytes)), \(g.machine.mode.name) on \(g.host.mode.name))" }
        cls.property("machine", doc: "The guest as a vm.machine: its memory is guest-physical memory (g.machine:address_space(), m:read…). The same value each time while g lives.",
                     get: { g, call in
                         call.push(g.machine, as: machines)
                         // One Lua value for the guest's machine while g lives, so that what is tied to it
                         // (the spaces its CPUs run, see cpu:switch) lasts as long as the guest.
                         try call.tie(call.count, to: g, as: cls, slot: 0)
                         return 1
                     })
        cls.property("host", doc: "The host vm.machine.", get: { g, call in call.push(g.host, as: machines) })
        cls.property("mode", doc: "\"nested\" (EPT/NPT) or \"shadow\".", get: { g, call in call.push(g.mode.rawValue) })
        cls.property("ept", doc: """
            The EPT/NPT/G-stage tables as a vm.address_space of the host: its virtual addresses are guest-physical
            addresses (g.ept:dump(), g.ept:lookup(gpa)). Change it only to look: the guest's backing lives there.
            """, get: { g, call in call.push(g.ept, as: spaces) })
        cls.property("stats", doc: """
            Counters: ept_violations (accesses to a guest-physical page with no host frame: first touch, or after the
            host evicted it), host_frames (host frames backing guest pages now), ept_table_pages (EPT table pages, root
            included), nested_walks, references, host_swap_outs / host_swap_ins (guest pages the hypervisor evicted to
            the guest's swap / read back), swap_used (slots in use), balloon_pages (guest pages in the balloon),
            balloon_freed (host frames freed by inflating it); the nested MMU of the guest's CPUs: tlb_hits,
            tlb_misses (their walks), ept_references (EPT entries read by nested walks, part of references),
            nested_pwc_hits (guest table pages whose EPT walk the nested page-walk cache skipped), invept_flushes
            (the hypervisor dropped the guest's cached translations after removing an EPT mapping); vm_exits =
            { ept_violation=, shadow_fault=, pte_write=, ad_update= } (VM exits by reason; the last three under
            shadow paging: hidden page faults, trapped guest PTE writes, first writes to a page whose guest PTE was
            clean), exits (their total) and exit_cycles (cycles of all exits: g.exit_cycles each, plus the swap's
            read latency for an EPT violation that reads a page back from the guest's swap).
            local g = m:guest{ memory = "4 MiB", swap = "4 MiB" }; print(g.stats.host_swap_outs) --> 0
            """, get: { g, call in
                let s = g.stats
                return call.push(LuaRecord([
                    ("ept_violations", s.eptViolations), ("host_frames", s.hostFrames),
                    ("ept_table_pages", g.ept.tablePages.reduce(0, +)), ("nested_walks", s.nestedWalks),
                    ("references", s.references), ("host_swap_outs", s.hostSwapOuts), ("host_swap_ins", s.hostSwapIns),
                    ("swap_used", g.backing.swap?.usedCount ?? 0), ("balloon_pages", s.balloonPages),
                    ("balloon_freed", s.balloonFreed), ("ept_references", s.eptReferences),
                    ("nested_pwc_hits", s.nestedPWCHits), ("invept_flushes", s.inveptFlushes),
                    ("tlb_hits", g.machine.cpus.reduce(0) { $0 + $1.statistics.tlbHits }),
                    ("tlb_misses", g.machine.cpus.reduce(0) { $0 + $1.statistics.walks }),
                    ("vm_exits", LuaRecord([("ept_violation", s.eptViolations), ("shadow_fault", s.shadowFaults),
                                            ("pte_write", s.pteWriteExits), ("ad_update", s.adUpdateExits)])),
                    ("exits", s.exits), ("exit_cycles", s.exitCycles),
                ]))
            })
        cls.method("translate", signature: "g:translate(space, va [, access [, privilege]]) -> table", doc: """
            The nested walk of guest virtual address va in space (an address space of g.machine) for an access ("r",
            "w", "x"; "user" or "kernel"). Returns { va=, gpa=, pa= (host-physical), refs=, ept_refs=, guest_refs=,
            cycles= (refs × memory_reference, plus g.exit_cycles per EPT violation and the swap read of a page read back),
            ept_violations=, steps = { {what="ept"|"guest pte", guest_level=, host_level= (ept only), pa=,
            gpa=, pte=}, … } } with the steps in hardware order: for each guest level (0 = root) the EPT references
            translating the guest PTE's gpa, then the guest PTE; last the EPT references for the data (guest_level =
            the guest's level count). On a fault pa is nil and fault = { kind = "guest", reason=, level=, … as in
            s:translate } or { kind = "ept", gpa=, reason= }.
            """) { g, call in
            let space = try call.object(2, spaces)
            let va = try call.address(3)
            let walk = try g.translateNested(va: va, access: try call.accessKind(4), privilege: try call.privilege(5), space: space)
            return call.push(record(walk, guest: g))
        }
        cls.method("touch_gpa", signature: "g:touch_gpa(gpa) -> pa", doc: """
            Backs the guest-physical page holding gpa with a host frame if it has none (an EPT violation: a VM exit, counted
            and costed on g.machine's cycles) and
            returns the host-physical address of gpa. A gpa beyond guest memory, or a host out of memory, is an error.
            """) { g, call in
            call.push(try g.touch(gpa: try call.address(2)).lua)
        }
        cls.method("host_pa", signature: "g:host_pa(gpa) -> pa | nil", doc: """
            The host-physical address backing gpa, or nil when its page has no host frame (never touched, swapped out
            by the host, or in the balloon). Looks only: nothing is allocated or read back.
            """) { g, call in
            guard let pa = try g.hostAddress(gpa: try call.address(2)) else { return call.pushNil() }
            return call.push(pa.lua)
        }
        cls.property("vmid", doc: "The VMID the host gave this guest (1 … 4095): the tag of its entries in TLB structures it shares with the host.",
                     get: { g, call in call.push(g.vmid) })
        cls.property("shared_tlb", doc: "True when the guest's virtual CPUs use the host CPUs' TLBs and page-walk caches (m:guest{shared_tlb=}).",
                     get: { g, call in call.push(g.tlbSharing == .shared) })
        cls.property("exit_cycles", doc: "Cycles of one VM exit and re-entry, any reason (EPT violation, shadow fault, PTE write, A/D update; default 1000; settable, not negative).",
                     get: { g, call in call.push(g.backing.exitCycles) },
                     set: { g, call in
                         let n = try call.integer(2)
                         guard n >= 0 else { throw LuaArgumentError(2, "exit_cycles must not be negative, got \(n)") }
                         g.backing.exitCycles = n
                     })
        cls.method("shadow_table", signature: "g:shadow_table(space) -> vm.address_space | nil", doc: """
            Under shadow paging, the hypervisor's shadow of space (an address space of g.machine): a vm.address_space of
            the host mapping guest virtual pages straight to host-physical addresses (:lookup(va), :dump()); nil before
            the guest's first TLB miss in space, or in nested mode. Look only.
            local g = m:guest{ mode = "shadow" }; local s = g.machine:address_space(); print(g:shadow_table(s)) --> nil
            """) { g, call in
            let space = try call.object(2, spaces)
            guard space.machine === g.machine else { throw LuaArgumentError(2, "the address space belongs to another machine, not to this guest") }
            guard let table = g.backing.shadow?.table(of: space) else { return call.pushNil() }
            return call.push(table, as: spaces)
        }
        cls.method("page_state", signature: "g:page_state(gpa) -> string", doc: """
            Where the guest-physical page holding gpa lives: "resident" (a host frame), "swapped" (the host evicted it
            to the guest's swap; the guest still thinks it resident) or "unbacked" (never touched, or ballooned).
            local g = m:guest{ memory = "4 MiB" }; print(g:page_state(0)) --> unbacked
            """) { g, call in
            let gpa = try call.address(2)
            try g.machine.memory.checkRange(gpa, width: 1)
            return call.push(g.backing.pageState(gpa >> UInt64(g.machine.mode.pageBits)))
        }
        cls.method("reclaim", signature: "g:reclaim([pages]) -> evicted", doc: """
            Host memory pressure on the guest: the hypervisor evicts up to pages guest pages (default: all it can) to
            the guest's swap, chosen by a clock over the EPT leaves' accessed bits (second chance). The guest is not
            told: its next access to such a page is an EPT violation that reads it back (stats.host_swap_ins). Returns
            how many pages went (0 without guest swap; pages whose host frame is pinned stay).
            local g = m:guest{ memory = "4 MiB", swap = "4 MiB" }; g:touch_gpa(0); print(g:reclaim()) --> 1
            """) { g, call in
            let pages = try call.isNoneOrNil(2) ? Int.max : call.integer(2)
            guard pages >= 0 else { throw LuaArgumentError(2, "pages must not be negative, got \(pages)") }
            return call.push(g.backing.reclaim(count: pages))
        }
        cls.method("balloon", signature: "g:balloon(size) -> size", doc: """
            Sets the balloon driver's size (a size, whole pages; 0 deflates it): inflating takes free pages from the
            guest's allocator (the guest kernel reclaims for it if it has a replacement policy) and the host frees the
            frames behind them; deflating gives the pages back to the guest, which gets host frames again on touch.
            Returns the balloon's size afterwards, smaller than asked when the guest has no more to give.
            local g = m:guest{ memory = "4 MiB" }; print(g:balloon("1 MiB")) --> 1048576
            """) { g, call in
            let bytes = try call.size(2)
            return call.push(Int(try g.balloon(bytes: UInt64(bytes))))
        }
        return cls
    }

    /// A nested walk as a Lua table.
    static func record(_ walk: NestedWalk, guest g: Guest) -> LuaRecord {
        var r = LuaRecord()
        r.set("va", walk.va.lua)
        r.set("refs", walk.references)
        r.set("ept_refs", walk.eptReferences)
        r.set("guest_refs", walk.guestReferences)
        r.set("cycles", walk.cycles)
        r.set("ept_violations", walk.eptViolations)
        r.set("steps", walk.steps.map { step in
            var s = LuaRecord([("what", step.kind.rawValue), ("guest_level", step.guestLevel)])
            if let level = step.hostLevel { s.set("host_level", level) }
            s.set("pa", step.physicalAddress.lua)
            s.set("gpa", step.guestPhysicalAddress.lua)
            s.set("pte", step.raw.lua)
            return s
        })
        if let gpa = walk.guestPhysicalAddress { r.set("gpa", gpa.lua) }
        if let pa = walk.physicalAddress { r.set("pa", pa.lua) }
        switch walk.fault {
        case let .guest(f)?:
            var f = LuaAddressSpace.fault(f, mode: g.machine.mode)
            f.set("kind", "guest")
            r.set("fault", f)
        case let .ept(gpa, reason)?:
            r.set("fault", LuaRecord([("kind", "ept"), ("gpa", gpa.lua), ("reason", reason)]))
        case nil:
            break
        }
        return r
    }
}
