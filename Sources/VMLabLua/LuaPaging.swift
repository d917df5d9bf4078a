import LuaKit
import VMLab

/// `vm.split`, `vm.pte.decode`, `vm.pte.encode`, `vm.modes`: the paging modes
/// at the level of a hardware manual.
enum LuaPaging {
    static func install(in state: LuaState) {
        state.setGlobalField("vm.modes", PagingMode.presetNames)
        state.register("vm.split", signature: "vm.split(va, mode) -> {indices=, names=, offset=, [level name]=index…}", doc: """
            Splits a virtual address into its table indices and page offset for a paging mode.
            vm.split(0x00007ffd12345678, "x86_64") --> { PML4 = 0xff, PDPT = 0x1f4, PD = 0x91, PT = 0x145, offset = 0x678, … }
            `indices` and `names` list the levels root first. Non-canonical addresses are an error.
            The mode is a name (see vm.modes) or a custom table {va_bits=, page_bits=, levels={…}, pte_bytes=}.
            """) { call in
            let va = try call.address(1)
            let mode = try paging(call, 2)
            let (indices, offset) = try mode.split(va)
            var record = LuaRecord()
            record.set("indices", indices)
            record.set("names", mode.levelNames)
            record.set("offset", offset.lua)
            for (name, index) in zip(mode.levelNames, indices) { record.set(name, index) }
            return call.push(record)
        }
        state.module("vm.pte", doc: "Page-table entries: raw integers in a mode's bit layout, decoded to flags and back.")
        state.register("vm.pte.decode", signature: "vm.pte.decode(raw, mode [, level]) -> table", doc: """
            Decodes a raw entry: present, writable, user, accessed, dirty, global, huge, nx, pwt, pcd
            (x86) or valid, readable, writable, executable, user, global, accessed, dirty (RISC-V),
            frame (the PFN/PPN) and flags (short text such as "P W U A").
            level (0 = root) matters where a bit means different things at different levels.
            """) { call in
            let raw = UInt64(bitPattern: Int64(try call.integer(1)))
            let mode = try paging(call, 2)
            let level = try call.optionalInteger(3)
            if let level, level < 0 || level >= mode.levels {
                throw LuaArgumentError(3, "level must be 0…\(mode.levels - 1) for \(mode.name)")
            }
            return call.push(record(mode.decode(raw, level: level), mode: mode))
        }
        state.register("vm.pte.encode", signature: "vm.pte.encode{mode=, frame=, present=, writable=, user=, …} -> integer", doc: """
            Builds a raw entry from flags (the same names vm.pte.decode returns). mode defaults to x86_64.
            """) { call in
            let t = try call.table(1)
            try t.checkOptions(["mode", "frame", "present", "valid", "readable", "writable", "executable", "user",
                                "accessed", "dirty", "global", "huge", "nx", "pwt", "pcd"], function: "vm.pte.encode")
            let mode = try t.string("mode").map { try PagingMode.named($0) } ?? .x86_64
            let present = try t.boolean("present") ?? t.boolean("valid") ?? false
            let entry = PTE(present: present, readable: try t.boolean("readable") ?? false,
                            writable: try t.boolean("writable") ?? false, executable: try t.boolean("executable") ?? false,
                            user: try t.boolean("user") ?? false, accessed: try t.boolean("accessed") ?? false,
                            dirty: try t.boolean("dirty") ?? false, global: try t.boolean("global") ?? false,
                            huge: try t.boolean("huge") ?? false, noExecute: try t.boolean("nx") ?? false,
                            writeThrough: try t.boolean("pwt") ?? false, cacheDisable: try t.boolean("pcd") ?? false,
                            frame: UInt64(max(0, try t.integer("frame") ?? 0)))
            return call.push(try mode.encode(entry).lua)
        }
    }

    /// A paging mode argument: a preset name or a custom table.
    static func paging(_ call: LuaCall, _ i: Int32) throws -> PagingMode {
        if call.type(i) == LuaType.table { return try custom(try call.table(i), function: "custom paging") }
        return try PagingMode.named(try call.string(i))
    }

    /// `{va_bits=15, page_bits=5, levels={5,5}, pte_bytes=1}`.
    static func custom(_ t: LuaTableView, function: String) throws -> PagingMode {
        try t.checkOptions(["va_bits", "page_bits", "levels", "pte_bytes"], function: function)
        guard let vaBits = try t.integer("va_bits"), let pageBits = try t.integer("page_bits") else {
            throw LuaScriptError("\(function): va_bits and page_bits are required")
        }
        guard case .table(let levelsRef) = t.value("levels") else {
            throw LuaScriptError("\(function): levels must be a list of bits per level, root first, e.g. {5, 5}")
        }
        let levels = try levelsRef.withTable { list in
            try (1...max(1, list.length)).map { i in
                guard let bits = list.element(i).intValue else { throw LuaScriptError("\(function): levels[\(i)] must be an integer") }
                return bits
            }
        }
        return try PagingMode.custom(vaBits: vaBits, pageBits: pageBits, levelBits: levels, pteBytes: try t.integer("pte_bytes") ?? 8)
    }

    /// A decoded entry as a Lua table.
    static func record(_ pte: PTE, mode: PagingMode) -> LuaRecord {
        var r = LuaRecord()
        r.set("raw", pte.raw.lua)
        r.set("frame", pte.frame.lua)
        r.set("flags", pte.flagText(mode.architecture))
        r.set("present", pte.present)
        r.set("writable", pte.writable)
        r.set("user", pte.user)
        r.set("accessed", pte.accessed)
        r.set("dirty", pte.dirty)
        r.set("global", pte.global)
        r.set("huge", pte.huge)
        if mode.architecture == .riscv {
            r.set("valid", pte.present)
            r.set("readable", pte.readable)
            r.set("executable", pte.executable)
        } else {
            r.set("nx", pte.noExecute)
            r.set("pwt", pte.writeThrough)
            r.set("pcd", pte.cacheDisable)
            if mode.layout.protectionKeyShift > 0 { r.set("pkey", pte.protectionKey) }
        }
        return r
    }
}
