import LuaKit
import VMLab

/// A `vm.policy` at work in one simulation: a `ReplacementPolicy` whose decisions are Lua
/// callbacks. A Lua error in a callback, or a victim that is not a slot number, becomes a
/// `LuaScriptError` naming the policy; the simulator checks that the slot is resident and
/// unpinned.
final class LuaPolicyRunner: ReplacementPolicy {
    let definition: LuaPolicyDefinition
    let frames: FrameTable
    let state: LuaState
    let context: LuaReference

    var name: String { definition.name }
    var needsEveryAccess: Bool { definition.onAccess != nil }
    var tickInterval: Int { definition.tick }

    /// Builds the ctx and calls the policy's `init(self, ctx)`.
    init(_ definition: LuaPolicyDefinition, frames: FrameTable, state: LuaState) throws {
        self.definition = definition
        self.frames = frames
        self.state = state
        context = LuaPolicyContext.make(frames, policy: definition.name, in: state)
        if let initialize = definition.initialize {
            try call(initialize, "init", arguments: 0, results: 0)
        }
    }

    /// Calls `function(self, ctx, …)` with the `arguments` values `pushArguments` pushes.
    private func call(_ function: LuaReference, _ what: String, arguments: Int32, results: Int32,
                      _ pushArguments: (OpaquePointer) -> Void = { _ in }) throws {
        let L = state.L
        function.push(to: L)
        definition.table.push(to: L)
        context.push(to: L)
        pushArguments(L)
        do {
            try state.protectedCall(arguments: 2 + arguments, results: results)
        } catch let error as LuaError {
            throw LuaScriptError("policy '\(definition.name)': \(what) failed: \(error.message)")
        }
    }

    func inserted(slot: Int) throws {
        guard let onFault = definition.onFault else { return }
        try call(onFault, "on_fault", arguments: 2, results: 0) { L in
            slot.push(to: L)
            frames.page(slot).lua.push(to: L)
        }
    }

    func accessed(slot: Int, isWrite: Bool) throws {
        guard let onAccess = definition.onAccess else { return }
        try call(onAccess, "on_access", arguments: 2, results: 0) { L in
            slot.push(to: L)
            isWrite.push(to: L)
        }
    }

    func tick() throws {
        guard let onTick = definition.onTick else { return }
        try call(onTick, "on_tick", arguments: 0, results: 0)
    }

    func removed(slot: Int) throws {
        guard let onEvict = definition.onEvict else { return }
        try call(onEvict, "on_evict", arguments: 2, results: 0) { L in
            slot.push(to: L)
            frames.page(slot).lua.push(to: L)
        }
    }

    func victim(for incoming: UInt64) throws -> Int {
        try call(definition.victim, "victim", arguments: 1, results: 1) { L in
            incoming.lua.push(to: L)
        }
        let result = state.value(at: -1)
        state.pop()
        var expected: String { "expected a slot number 0…\(frames.capacity - 1)" }   // for errors only
        switch result {
        case .integer(let slot):
            return slot
        case .number(let x):
            guard let slot = Int(exactly: x) else {
                throw LuaScriptError("policy '\(name)': victim returned \(x), \(expected)")
            }
            return slot
        case .nil:
            throw LuaScriptError("policy '\(name)': victim returned nil, \(expected)")
        case .string(let s):
            throw LuaScriptError("policy '\(name)': victim returned a string (\"\(s)\"), \(expected)")
        case .boolean(let b):
            throw LuaScriptError("policy '\(name)': victim returned \(b), \(expected)")
        default:
            throw LuaScriptError("policy '\(name)': victim returned a \(Self.kind(of: result)), \(expected)")
        }
    }

    /// "table", "function", … for messages.
    static func kind(of value: LuaValue) -> String {
        switch value {
        case .table: "table"
        case .function: "function"
        case .userdata, .lightUserdata: "userdata"
        case .thread: "thread"
        default: "value"
        }
    }
}
