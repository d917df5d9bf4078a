import LuaKit
import VMLab

/// Virtual machines on `vm.machine`: `m:guest{…}` and the `vm.guest` class (nested paging).
extension LuaMachine {
    /// Options of m:guest{…}.
    static let guestOptions = ["memory", "paging"]

    /// Installs m:guest and registers the vm.guest class.
    static func installGuest(on machines: LuaClass<Machine>, spaces: LuaClass<PageTable>, processes: LuaClass<Process>,
                             in state: LuaState) {
        let guests = makeGuestClass(machines: machines, spaces: spaces)
        LuaDevice.install(machines: machines, guests: guests, spaces: spaces, processes: processes, in: state)
        state.register(guests)
        machines.method("guest", signature: "m:guest{memory=, paging=} -> vm.guest", doc: """
            Creates a virtual machine hosted by m, with nested paging (EPT/NPT/G-stage). memory: the guest-physical
            memory (a size, default half the host's; at most the host's, since untouched guest memory costs the host
            nothing); paging: the guest's mode (a name or custom table as in vm.machine, default the host's; same page
            size as the host). The guest is a vm.machine of its own (g.machine); its guest-physical pages get host
            frames lazily, through the EPT (g.ept), on the first nested walk that touches them.
            local g = m:guest{ memory = "32 MiB", paging = "x86_64" }
            local s = g.machine:address_space(); s:map(0x400000, "alloc", { u = true })
            print(g:translate(s, 0x400000).refs) --> 24
            """) { m, call in
            let t = call.isNoneOrNil(2) ? nil : try call.table(2)
            try t?.checkOptions(guestOptions, function: "m:guest")
            let half = Int((m.memory.bytes / 2) & ~(m.mode.pageBytes - 1))
            let memory = try memoryOption(t, call, default: half, function: "m:guest")
            let mode = try pagingOption(t, call, default: m.mode, function: "m:guest")
            return call.push(try Guest(host: m, memoryBytes: UInt64(memory), mode: mode), as: guests)
        }
    }

    /// The vm.guest class.
    static func makeGuestClass(machines: LuaClass<Machine>, spaces: LuaClass<PageTable>) -> LuaClass<Guest> {
        let cls = LuaClass<Guest>("vm.guest", doc: """
            A virtual machine on a host vm.machine (see m:guest): a guest machine whose physical memory is
            guest-physical memory, backed lazily by host frames through the EPT/NPT (RISC-V: the G-stage, modelled
            with the host's own mode: Sv39 stands for Sv39x4). g:translate makes the two-dimensional walk: every guest
            page-table read is itself translated through the EPT, (n+1)(m+1)-1 references when nothing is cached (this
            model has no TLB or page-walk cache for guests yet).
            """)
        cls.tostring { g in "vm.guest(\(Units.size(g.machine.memory.bytes)), \(g.machine.mode.name) on \(g.host.mode.name))" }
        cls.property("machine", doc: "The guest as a vm.machine: its memory is guest-physical memory (g.machine:address_space(), m:read…).",
                     get: { g, call in call.push(g.machine, as: machines) })
        cls.property("host", doc: "The host vm.machine.", get: { g, call in call.push(g.host, as: machines) })
        cls.property("ept", doc: """
            The EPT/NPT/G-stage tables as a vm.address_space of the host: its virtual addresses are guest-physical
            addresses (g.ept:dump(), g.ept:lookup(gpa)). Change it only to look: the guest's backing lives there.
            """, get: { g, call in call.push(g.ept, as: spaces) })
        cls.property("stats", doc: """
            Counters: ept_violations (guest-physical pages given a host frame on first touch), host_frames (host frames
            backing guest pages), ept_table_pages (EPT table pages, root included), nested_walks, references.
            """, get: { g, call in
                let s = g.stats
                return call.push(LuaRecord([
                    ("ept_violations", s.eptViolations), ("host_frames", s.hostFrames),
                    ("ept_table_pages", g.ept.tablePages.reduce(0, +)), ("nested_walks", s.nestedWalks),
                    ("references", s.references),
                ]))
            })
        cls.method("translate", signature: "g:translate(space, va [, access [, privilege]]) -> table", doc: """
            The nested walk of guest virtual address va in space (an address space of g.machine) for an access ("r",
            "w", "x"; "user" or "kernel"). Returns { va=, gpa=, pa= (host-physical), refs=, ept_refs=, guest_refs=,
            cycles=, ept_violations=, steps = { {what="ept"|"guest pte", guest_level=, host_level= (ept only), pa=,
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
            Backs the guest-physical page holding gpa with a host frame if it has none (an EPT violation, counted) and
            returns the host-physical address of gpa. A gpa beyond guest memory, or a host out of memory, is an error.
            """) { g, call in
            call.push(try g.touch(gpa: try call.address(2)).lua)
        }
        cls.method("host_pa", signature: "g:host_pa(gpa) -> pa | nil", doc: "The host-physical address backing gpa, or nil when its page was never touched (nothing is allocated).") { g, call in
            guard let pa = try g.hostAddress(gpa: try call.address(2)) else { return call.pushNil() }
            return call.push(pa.lua)
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
