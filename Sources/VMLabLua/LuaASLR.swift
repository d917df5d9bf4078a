import LuaKit
import VMLab

/// ASLR in Lua: the `aslr` option of `vm.machine`, `m.aslr`, and `p:layout()`.
enum LuaASLR {
    /// Reads `aslr` from the options of `vm.machine` (absent or false: nil; true: the mode's
    /// defaults; a table: the defaults with the fields it gives) and turns it on.
    static func configure(_ machine: Machine, _ t: LuaTableView, _ call: LuaCall) throws {
        let function = "vm.machine: aslr"
        var configuration = ASLRConfiguration.defaults(for: machine.mode)
        switch t.value("aslr") {
        case .nil, .boolean(false): return
        case .boolean(true): break
        case .table:
            t.pushFieldValue("aslr")
            defer { call.state.pop() }
            let fields = LuaTableView(call.state, at: -1)
            try fields.checkOptions(ASLRConfiguration.names, function: function)
            func bits(_ key: String) throws -> Int? {
                do { return try fields.integer(key) } catch let e as LuaArgumentError {
                    throw LuaScriptError("\(function): \(key): \(e.reason)")
                }
            }
            configuration.stack = try bits("stack") ?? configuration.stack
            configuration.mmap = try bits("mmap") ?? configuration.mmap
            configuration.brk = try bits("brk") ?? configuration.brk
            configuration.code = try bits("code") ?? configuration.code
            configuration.kernel = try bits("kernel") ?? configuration.kernel
        default:
            throw LuaScriptError("\(function) must be true, false or a table {stack=, mmap=, brk=, code=, kernel=} (bits)")
        }
        let kernel = try machine.kernel
        do throws(KernelError) {
            try kernel.configureASLR(configuration)
        } catch {
            throw LuaScriptError("vm.machine: \(error.description)")
        }
    }

    /// The bits as a Lua table.
    static func record(_ c: ASLRConfiguration) -> LuaRecord {
        LuaRecord(zip(ASLRConfiguration.names, c.bits).map { ($0, $1) })
    }

    /// Installs `m.aslr` and `p:layout()`.
    static func install(machines: LuaClass<Machine>, processes: LuaClass<Process>) {
        machines.property("aslr", doc: """
            The ASLR configuration {stack=, mmap=, brk=, code=, kernel=} (bits of randomness), or false when every
            process gets the fixed layout. Set with vm.machine{ aslr = true | {…} }.
            """, get: { m, call in
                guard let c = m.existingKernel?.aslr else { return call.push(false) }
                return call.push(record(c))
            })
        processes.method("layout", signature: "p:layout() -> {mmap_base=, stack_top=, brk_start=, code_base=, kernel_base=, entropy={…}}", doc: """
            Where the process's areas start: mmap_base (top-down placement of mmap areas begins there), stack_top
            (stack mappings go below it), brk_start (the initial break), code_base (where a loader would put the
            text; nothing is mapped there), kernel_base (the kernel image page, moved by KASLR), and entropy = the
            bits of randomness used for each (all 0 without ASLR). fork keeps the layout; exec draws a new one.
            """) { p, call in
            let l = p.layout
            return call.push(LuaRecord([("mmap_base", l.mmapBase.lua), ("stack_top", l.stackTop.lua),
                                        ("brk_start", l.brkStart.lua), ("code_base", l.codeBase.lua),
                                        ("kernel_base", l.kernelBase.lua), ("entropy", record(l.entropy))]))
        }
        processes.property("code_base", doc: "Where a loader would put the program text (randomized with ASLR; see p:layout()).",
                           get: { p, call in call.push(p.layout.codeBase.lua) })
    }
}
