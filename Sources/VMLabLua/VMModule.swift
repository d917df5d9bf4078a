import LuaKit
import VMLab

/// The `vm` Lua module: installs every bound type and function of the model
/// into a state. One file per bound type lives beside this one.
public enum VMModule {
    /// Installs `vm` as a global and as `require "vm"`.
    public static func install(in state: LuaState) {
        state.module("vm", doc: """
            vmlab's model of the memory system: machines, address spaces, TLBs, policies, traces.
            Sizes accept numbers or strings with units ("4 KiB", "2M", "1 GiB"); addresses are Lua integers.
            """)
        state.setGlobalField("vm.version", VMLab.version)
        installSize(in: state)
        LuaPaging.install(in: state)
        let traces = LuaTrace.install(in: state)
        let spaces = LuaAddressSpace.makeClass(traces: traces)
        state.register(spaces)
        _ = LuaMachine.install(in: state, spaces: spaces, traces: traces)
        LuaPictures.install(in: state)
        LuaContiguous.install(in: state)
        LuaPolicy.install(in: state, traces: traces)
    }

    static func installSize(in state: LuaState) {
        state.register("vm.size", signature: "vm.size(s) -> integer", doc: """
            The number of bytes a size names: vm.size("4 KiB") --> 4096.
            Accepts integers and strings with B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB (all binary
            multiples, case ignored, space optional); "1.5 KiB" is 1536. Anything else is an error.
            """) { call in
            call.push(try size(call, 1))
        }
    }

    /// Reads argument `i` as a size: a non-negative integer or a size string.
    public static func size(_ call: LuaCall, _ i: Int32) throws -> Int {
        if call.type(i) == LuaType.number {
            guard let n = try? call.integer(i) else { throw LuaArgumentError(i, "size must be a whole number of bytes") }
            guard n >= 0 else { throw LuaArgumentError(i, "size must not be negative, got \(n)") }
            return n
        }
        guard call.type(i) == LuaType.string else { throw call.typeError(i, "string") }
        let text = try call.string(i)
        do {
            return try ByteSize.parse(text)
        } catch {
            throw LuaArgumentError(i, error.description)
        }
    }

    /// A size given as a Lua value: a whole number of bytes or a string such as "2 MiB".
    static func size(_ value: LuaValue) throws -> UInt64 {
        switch value {
        case .integer(let n) where n >= 0: return UInt64(n)
        case .string(let text): return UInt64(try ByteSize.parse(text))
        default: throw LuaScriptError("a size (bytes or a string like \"2 MiB\") expected, got \(value)")
        }
    }
}
