import LuaKit

/// What a `vm.policy{…}` holds: the policy's name, its table (passed as `self` to every
/// callback, so it keeps the policy's own state) and its callbacks, kept in the registry.
final class LuaPolicyDefinition {
    /// The callbacks a policy may define; any other `on_…` key is an error (a typo).
    static let callbacks = ["init", "victim", "on_fault", "on_evict", "on_access", "on_tick"]

    let name: String
    let table: LuaReference
    let initialize: LuaReference?
    let victim: LuaReference
    let onFault: LuaReference?
    let onEvict: LuaReference?
    let onAccess: LuaReference?
    let onTick: LuaReference?
    /// Accesses between `on_tick` calls.
    let tick: Int

    /// Reads the definition table at argument `index` of `call`.
    init(_ call: LuaCall, _ index: Int32) throws {
        let t = try call.table(index)
        for key in t.stringKeys.sorted() where key.hasPrefix("on_") && !Self.callbacks.contains(key) {
            var message = "vm.policy: unknown callback '\(key)'"
            if let near = Suggestion.closest(to: key, in: Self.callbacks) { message += " (did you mean '\(near)'?)" }
            throw LuaScriptError(message + " (known: \(Self.callbacks.joined(separator: ", ")))")
        }
        let name = try t.string("name") ?? "lua"
        self.name = name
        func function(_ key: String) throws -> LuaReference? {
            switch t.value(key) {
            case .nil: return nil
            case .function(let f): return f
            default: throw LuaScriptError("vm.policy '\(name)': \(key) must be a function")
            }
        }
        guard let victim = try function("victim") else {
            throw LuaScriptError("vm.policy '\(name)': victim = function(self, ctx, page) … return slot end is required")
        }
        self.victim = victim
        initialize = try function("init")
        onFault = try function("on_fault")
        onEvict = try function("on_evict")
        onAccess = try function("on_access")
        onTick = try function("on_tick")
        let tick = try t.integer("tick")
        if onTick != nil {
            guard let tick, tick >= 1 else {
                throw LuaScriptError("vm.policy '\(name)': on_tick needs tick = N (accesses between ticks, ≥ 1)")
            }
            self.tick = tick
        } else {
            self.tick = 0
        }
        table = call.reference(index)
    }
}
