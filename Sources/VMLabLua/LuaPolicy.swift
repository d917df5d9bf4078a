import LuaKit
import VMLab

/// `vm.policy{…}`: a page-replacement policy written in Lua, and (through `LuaSimulate`)
/// `vm.simulate`, the policy-only simulation.
enum LuaPolicy {
    /// Installs `vm.policy`, `vm.policies` and `vm.simulate`.
    static func install(in state: LuaState, traces: LuaClass<TraceHandle>) {
        // One text for the class and the function of the same name: help("vm.policy") finds the
        // function, so the callbacks and ctx must be in its documentation.
        let doc = """
            A page-replacement policy written in Lua. vm.policy{ name =, init =, victim =, on_fault =, on_evict =,
            on_access =, on_tick =, tick = } returns one; pass it as policy= to vm.simulate. The table itself is the
            `self` of every callback (keep your state in it; init runs at the start of every simulation):
              init(self, ctx)                  before the first access
              victim(self, ctx, page) -> slot  a frame must be freed for page: return a resident, unpinned slot
              on_fault(self, ctx, slot, page)  page was loaded into slot (its R bit is set, D too for a write)
              on_evict(self, ctx, slot, page)  slot is about to be freed
              on_access(self, ctx, slot, is_write)  every hit — optional, and it makes every access cross into Lua
              on_tick(self, ctx)               every tick accesses (a timer interrupt)
            Every access sets the frame's referenced bit, a write its dirty bit (like hardware A/D bits); policies
            may clear them. \(LuaPolicyContext.help)
            Errors (a callback raising, victim returning nil, a non-number, an empty, pinned or nonexistent slot)
            stop vm.simulate with a message naming the policy.
            """
        let cls = LuaClass<LuaPolicyDefinition>("vm.policy", doc: doc)
        cls.tostring { "vm.policy('\($0.name)')" }
        cls.method("name", signature: "p:name() -> string", doc: "The policy's name.") { p, call in call.push(p.name) }
        state.register(cls)
        state.register("vm.policy", signature: "vm.policy{ name=, victim=function(self, ctx, page) … end, … } -> vm.policy",
                       doc: doc) { call in
            call.push(try LuaPolicyDefinition(call, 1), as: cls)
        }
        installCatalog(in: state)
        LuaSimulate.install(in: state, traces: traces, policies: cls)
    }

    static func installCatalog(in state: LuaState) {
        state.register("vm.policies", signature: "vm.policies() -> { {name=, options={…}, rule=}, … }", doc: """
            The built-in replacement policies, in the order of the design: their names (for vm.simulate's
            policy=), the options each takes, and its rule in one line.
            """) { call in
            call.push(PolicySpec.catalog.map { entry in
                LuaRecord([("name", entry.name), ("options", entry.options), ("rule", entry.rule)])
            })
        }
    }
}
