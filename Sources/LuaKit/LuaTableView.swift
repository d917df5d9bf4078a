import CLuaShim

/// A table argument of a bound function, read with raw access (no
/// metamethods run, so reading cannot raise). Field errors name the field:
/// `bad argument #1 to 'machine' (field 'cpus': number expected, got string)`.
public struct LuaTableView {
    public let L: OpaquePointer
    /// Absolute stack index of the table.
    public let index: Int32

    /// The argument position the table came from, for messages.
    public var argument: Int32 { index }

    /// Pushes t[key] (raw) and returns its type.
    @discardableResult
    func pushField(_ key: String) -> Int32 {
        key.push(to: L)
        return lua_rawget(L, index)
    }

    func fieldError(_ key: String, _ expected: String) -> LuaArgumentError {
        LuaArgumentError(index, "field '\(key)': \(expected) expected, got \(LuaState.typeName(L, -1))")
    }

    public func has(_ key: String) -> Bool {
        defer { lk_pop(L, 1) }
        return pushField(key) != LUA_TNIL
    }

    public func value(_ key: String) -> LuaValue {
        pushField(key)
        defer { lk_pop(L, 1) }
        return LuaState.owner(of: L).value(at: -1)
    }

    public func integer(_ key: String) throws -> Int? {
        guard pushField(key) != LUA_TNIL else { lk_pop(L, 1); return nil }
        defer { lk_pop(L, 1) }
        var isNumber: Int32 = 0
        let v = lk_tointeger(L, -1, &isNumber)
        guard isNumber != 0 else { throw fieldError(key, "integer") }
        return Int(v)
    }

    public func number(_ key: String) throws -> Double? {
        guard pushField(key) != LUA_TNIL else { lk_pop(L, 1); return nil }
        defer { lk_pop(L, 1) }
        var isNumber: Int32 = 0
        let v = lk_tonumber(L, -1, &isNumber)
        guard isNumber != 0 else { throw fieldError(key, "number") }
        return v
    }

    public func string(_ key: String) throws -> String? {
        let t = pushField(key)
        defer { lk_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TSTRING || t == LUA_TNUMBER else { throw fieldError(key, "string") }
        return LuaState.string(L, -1)
    }

    public func boolean(_ key: String) throws -> Bool? {
        let t = pushField(key)
        defer { lk_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TBOOLEAN else { throw fieldError(key, "boolean") }
        return lua_toboolean(L, -1) != 0
    }

    /// The number of array elements (`#t` without metamethods).
    public var length: Int { Int(lua_rawlen(L, index)) }

    /// t[i] (raw) copied out.
    public func element(_ i: Int) -> LuaValue {
        lua_rawgeti(L, index, lua_Integer(i))
        defer { lk_pop(L, 1) }
        return LuaState.owner(of: L).value(at: -1)
    }

    /// Every key of the table that is a string, in no particular order.
    public var stringKeys: [String] {
        var keys: [String] = []
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, let k = LuaState.string(L, -2) { keys.append(k) }
            lk_pop(L, 1)
        }
        return keys
    }

    /// Whether the table has a key that is not a string (e.g. array items).
    public var hasNonStringKeys: Bool {
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            if lua_type(L, -2) != LUA_TSTRING {
                lk_pop(L, 2)
                return true
            }
            lk_pop(L, 1)
        }
        return false
    }

    /// Rejects keys outside `known`, naming the closest known one:
    /// `vm.machine: unknown option 'memroy' (did you mean 'memory'?)`, or else listing them all.
    public func checkOptions(_ known: [String], function: String) throws {
        for key in stringKeys.sorted() where !known.contains(key) {
            var message = "\(function): unknown option '\(key)'"
            if let near = Suggestion.closest(to: key, in: known) {
                message += " (did you mean '\(near)'?)"
            } else {
                message += " (expected one of: \(known.joined(separator: ", ")))"
            }
            throw LuaScriptError(message)
        }
    }
}

extension LuaTableView {
    /// Pushes t[key] (raw) onto the stack, for reading it with another view or check.
    public func pushFieldValue(_ key: String) {
        pushField(key)
    }
}
