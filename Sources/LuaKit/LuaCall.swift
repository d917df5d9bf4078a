import CLuaShim

/// The arguments and results of one call from Lua into a Swift function.
/// Checks read like Lua's own: `bad argument #1 to 'size' (string expected, got table)`.
public struct LuaCall {
    public let L: OpaquePointer

    init(_ L: OpaquePointer) { self.L = L }

    /// The state this call runs in.
    public var state: LuaState { LuaState.owner(of: L) }

    /// Number of arguments.
    public var count: Int32 { lua_gettop(L) }

    public func type(_ i: Int32) -> Int32 { lua_type(L, i) }

    public func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }

    /// The name Lua's messages use for the value at `i`: `__name` of its metatable, or its type.
    public func typeName(_ i: Int32) -> String {
        LuaState.typeName(L, i)
    }

    /// `T expected, got U` for argument `i`.
    public func typeError(_ i: Int32, _ expected: String) -> LuaArgumentError {
        LuaArgumentError(i, "\(expected) expected, got \(typeName(i))")
    }

    // MARK: reading arguments

    public func integer(_ i: Int32) throws -> Int {
        var isNumber: Int32 = 0
        let value = lk_tointeger(L, i, &isNumber)
        if isNumber != 0 { return Int(value) }
        if lua_type(L, i) == LUA_TNUMBER || (lua_type(L, i) == LUA_TSTRING && lua_isnumber(L, i) != 0) {
            throw LuaArgumentError(i, "number has no integer representation")
        }
        throw typeError(i, "number")
    }

    public func optionalInteger(_ i: Int32) throws -> Int? {
        isNoneOrNil(i) ? nil : try integer(i)
    }

    public func number(_ i: Int32) throws -> Double {
        var isNumber: Int32 = 0
        let value = lk_tonumber(L, i, &isNumber)
        if isNumber != 0 { return value }
        throw typeError(i, "number")
    }

    public func optionalNumber(_ i: Int32) throws -> Double? {
        isNoneOrNil(i) ? nil : try number(i)
    }

    /// A string argument (numbers are converted, as `luaL_checkstring` does).
    public func string(_ i: Int32) throws -> String {
        let t = lua_type(L, i)
        guard t == LUA_TSTRING || t == LUA_TNUMBER else { throw typeError(i, "string") }
        return LuaState.string(L, i) ?? ""
    }

    public func optionalString(_ i: Int32) throws -> String? {
        isNoneOrNil(i) ? nil : try string(i)
    }

    /// The raw bytes of a string argument.
    public func bytes(_ i: Int32) throws -> [UInt8] {
        let t = lua_type(L, i)
        guard t == LUA_TSTRING || t == LUA_TNUMBER else { throw typeError(i, "string") }
        var length = 0
        guard let p = lk_tostring(L, i, &length) else { return [] }
        return p.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    /// Lua truthiness: everything but nil and false is true.
    public func boolean(_ i: Int32) -> Bool { lua_toboolean(L, i) != 0 }

    /// Checks that argument `i` is a table and returns a view of it.
    public func table(_ i: Int32) throws -> LuaTableView {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
        return LuaTableView(L: L, index: lua_absindex(L, i))
    }

    /// Checks that argument `i` is a function and keeps a reference to it.
    public func function(_ i: Int32) throws -> LuaReference {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw typeError(i, "function") }
        return reference(i)
    }

    /// A registry reference to any argument.
    public func reference(_ i: Int32) -> LuaReference {
        lua_pushvalue(L, i)
        return LuaReference(popping: state)
    }

    /// Any argument copied out as a `LuaValue`.
    public func value(_ i: Int32) -> LuaValue { state.value(at: i) }

    /// The Swift object behind a userdata of class `cls`, or a Lua-style error.
    public func object<Object>(_ i: Int32, _ cls: LuaClass<Object>) throws -> Object {
        var closed: Int32 = 0
        guard let p = lk_toobject(L, i, cls.name, &closed) else {
            if closed != 0 { throw LuaArgumentError(i, "\(cls.name) is closed") }
            throw typeError(i, cls.name)
        }
        return Unmanaged<Object>.fromOpaque(p).takeUnretainedValue()
    }

    // MARK: results

    /// Pushes one result; returns 1 so a body can `return call.push(x)`.
    @discardableResult
    public func push(_ value: some LuaPushable) -> Int32 {
        value.push(to: L)
        return 1
    }

    /// Pushes several results in order and returns their number.
    @discardableResult
    public func push(_ values: any LuaPushable...) -> Int32 {
        for value in values { value.push(to: L) }
        return Int32(values.count)
    }

    /// Pushes nil and returns 1.
    public func pushNil() -> Int32 {
        lua_pushnil(L)
        return 1
    }

    /// Pushes the userdata standing for `object` (the same one each time).
    @discardableResult
    public func push<Object>(_ object: Object, as cls: LuaClass<Object>) -> Int32 {
        cls.push(object, to: L)
        return 1
    }

    /// Keeps argument `value` alive for as long as `owner` (a Swift object pushed as `cls`) has a
    /// Lua value, in the owner's `slot` (what was tied there before is let go): for a Swift
    /// object that uses another without owning it, e.g. a CPU and the address space it runs.
    /// The owner is not kept alive by the tie. Throws only when Lua runs out of memory.
    public func tie<Object>(_ value: Int32, to owner: Object, as cls: LuaClass<Object>, slot: Int) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        cls.push(owner, to: L)
        guard lk_tie(L, -1, lua_Integer(slot), value) == LUA_OK else {
            throw LuaScriptError(LuaState.string(L, -1) ?? "out of memory")
        }
    }

    /// Pushes the `nil, "message"` pair Lua functions use for expected failures.
    public func fail(_ message: String) -> Int32 {
        lua_pushnil(L)
        message.push(to: L)
        return 2
    }
}
