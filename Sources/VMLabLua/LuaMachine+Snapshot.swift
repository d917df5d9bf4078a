import LuaKit
import VMLab

/// Snapshots of `vm.machine`: `m:snapshot()`, `m:restore(s)` and the `vm.snapshot` class.
extension LuaMachine {
    /// Installs m:snapshot and m:restore and registers the vm.snapshot class.
    static func installSnapshot(on machines: LuaClass<Machine>, in state: LuaState) {
        let snapshots = makeSnapshotClass(machines: machines)
        state.register(snapshots)
        machines.method("snapshot", signature: "m:snapshot() -> vm.snapshot", doc: """
            The machine's whole state now: memory contents (shared copy-on-write, 4 KiB at a time, so a snapshot is
            cheap), frames, address spaces, CPUs with their TLBs and page-walk caches, the kernel's processes, files,
            swap and replacement policy, counters and costs. m:restore(s) goes back to it; s:fork_machine() branches a
            new machine from it. Not part of it: event handlers, a Lua fault handler or refill handler (they stay as
            they are). An error inside m:batch, while devices are open (m:device: close them first), for a
            host of guests or a guest's machine, for an inverted or hashed table, or when the
            replacement policy is written in Lua (its state is Lua's: snapshot under a built-in policy and set yours
            after restoring).
            local warm = m:snapshot()
            for _, name in ipairs{ "clock", "lru", "fifo" } do
              m:restore(warm); m:set_policy(name); m:run(p, trace:rewind()); print(name, m.stats.major_faults)
            end
            """) { m, call in
            call.push(try m.snapshot(), as: snapshots)
        }
        machines.method("restore", signature: "m:restore(s)", doc: """
            Puts m back in the state of snapshot s (taken of m): every address space, process and CPU that existed
            then is itself again, with its contents, mappings, TLBs and counters; spaces and processes made since are
            gone (using them is an error). Restoring then replaying gives exactly what replaying from the snapshot gave.
            The snapshot stays valid: restore it as often as you like. A snapshot of another machine is an error
            (use s:fork_machine()).
            """) { m, call in
            try m.restore(try call.object(2, snapshots))
            return 0
        }
    }

    /// The vm.snapshot class.
    static func makeSnapshotClass(machines: LuaClass<Machine>) -> LuaClass<MachineSnapshot> {
        let cls = LuaClass<MachineSnapshot>("vm.snapshot", doc: """
            A machine's state at one moment (see m:snapshot): restore it with m:restore(s), or branch a new machine from
            it with s:fork_machine().
            """)
        cls.tostring { s in
            "vm.snapshot(\(s.origin.mode.name), \(s.addressSpaces) address spaces, \(s.processes) processes, \(s.memoryBlocks) memory blocks)"
        }
        cls.property("machine", doc: "The machine the snapshot was taken of.", get: { s, call in call.push(s.origin, as: machines) })
        cls.property("memory_blocks", doc: "4 KiB blocks of memory contents it holds (shared copy-on-write with the machines that hold them too).",
                     get: { s, call in call.push(s.memoryBlocks) })
        cls.property("address_spaces", doc: "Address spaces (page tables) it holds.", get: { s, call in call.push(s.addressSpaces) })
        cls.property("processes", doc: "Live processes it holds.", get: { s, call in call.push(s.processes) })
        cls.method("fork_machine", signature: "s:fork_machine() -> vm.machine", doc: """
            A new machine in the state of the snapshot, independent from then on (memory is shared copy-on-write).
            Its processes are found by pid (m2:process(pid)), its CPUs by number. Event handlers and Lua hooks are not
            copied: install them on the new machine.
            local m2 = s:fork_machine(); local p2 = m2:process(p.pid)
            """) { s, call in
            call.push(try s.forkMachine(), as: machines)
        }
        return cls
    }
}
