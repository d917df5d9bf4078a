import LuaKit
import VMLab

/// The `ctx` a Lua policy's callbacks receive: a plain table with `count` (frames), `now`
/// (the access clock, read in place through the table's metatable: nothing is set before each
/// callback) and functions that read and clear the frame table in place — no table of frames
/// is built per eviction.
enum LuaPolicyContext {
    /// Methods of ctx, with their one-line help (also in vm.policy's doc).
    static let help = """
        ctx.count (frames), ctx.now (accesses so far), ctx:page(slot) (page id, or nil if empty: the page number in
        vm.simulate; the kernel packs the owner into bits 52-63), ctx:owner(slot),
        ctx:referenced(slot), ctx:dirty(slot), ctx:pinned(slot), ctx:resident(slot), ctx:evictable(slot) (resident and
        not pinned), ctx:loaded(slot) (load time),
        ctx:clear_referenced(slot) (returns whether R was set: test and clear), ctx:clear_dirty(slot) (a write-back), ctx:frames() (iterator: slot, page,
        referenced, dirty over resident slots). Slots are 0 … ctx.count-1.
        """

    /// A new ctx table over `frames`, kept in the registry.
    static func make(_ frames: FrameTable, policy: String, in state: LuaState) -> LuaReference {
        func slot(_ call: LuaCall) throws -> Int {
            let slot = try call.integer(2)
            guard frames.contains(slot) else {
                throw LuaArgumentError(2, "policy '\(policy)': slot \(slot) does not exist (slots 0…\(frames.capacity - 1))")
            }
            return slot
        }
        /// Tests (and with `clears` clears) `bits` of a slot's flag byte: all set, or exactly `equals`.
        func bitFunction(_ bits: UInt8, equals: UInt8? = nil, clears: Bool = false) -> LuaByteBitFunction {
            LuaByteBitFunction(bytes: frames.flagBytes, count: frames.capacity, mask: bits, equals: equals ?? bits,
                               clears: clears, context: "policy '\(policy)'", owner: frames)
        }
        let record = LuaRecord([
            ("count", frames.capacity),
            ("page", LuaSwiftFunction { call in
                let s = try slot(call)
                return frames.isResident(s) ? call.push(frames.page(s).lua) : call.pushNil()
            }),
            ("owner", LuaSwiftFunction { call in call.push(Int(PolicyPage.owner(frames.page(try slot(call))))) }),
            // The bit tests a victim scan calls over and over run in C, on the table's bytes.
            ("referenced", bitFunction(FrameTable.referencedBit)),
            ("dirty", bitFunction(FrameTable.dirtyBit)),
            ("pinned", bitFunction(FrameTable.pinnedBit)),
            ("resident", bitFunction(FrameTable.residentBit)),
            // Resident and not pinned: what a victim must be, in one call.
            ("evictable", bitFunction(FrameTable.residentBit | FrameTable.pinnedBit, equals: FrameTable.residentBit)),
            ("loaded", LuaSwiftFunction { call in call.push(frames.loadTime(try slot(call)).lua) }),
            ("clear_referenced", bitFunction(FrameTable.referencedBit, clears: true)),
            ("clear_dirty", LuaSwiftFunction { call in frames.clearDirty(try slot(call)); return 0 }),
            ("frames", LuaSwiftFunction { call in
                var next = 0
                call.state.pushFunction { call in
                    while next < frames.capacity && !frames.isResident(next) { next += 1 }
                    guard next < frames.capacity else { return call.pushNil() }
                    let s = next
                    next += 1
                    return call.push(s, frames.page(s).lua, frames.referenced(s), frames.dirty(s))
                }
                return 1
            }),
        ])
        record.push(to: state.L)
        defer { state.pop() }
        state.setCounterField(at: -1, "now", counter: frames.clockPointer, owner: frames)
        guard case .table(let reference) = state.value(at: -1) else { preconditionFailure("a pushed record is a table") }
        return reference
    }
}
