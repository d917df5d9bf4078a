import CLuaShim

extension LuaState {
    /// Tab completions for the word `text` at the end of an input line:
    /// globals (`pri` → `print`), fields of tables (`vm.ma` → `vm.machine`),
    /// methods and properties of objects (`m:tr` → `m:translate`). Keys are
    /// read raw, so completion never runs script code.
    public func completions(for text: String) -> [String] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let separator = text.lastIndex { $0 == "." || $0 == ":" }
        let prefix = separator.map { String(text[...$0]) } ?? ""
        let partial = separator.map { String(text[text.index(after: $0)...]) } ?? text
        let methodsOnly = separator.map { text[$0] == ":" } ?? false

        lk_pushglobaltable(L)
        if let separator {
            for part in text[..<separator].split(separator: ".", omittingEmptySubsequences: false) {
                guard !part.isEmpty, pushField(of: -1, String(part)) else { return [] }
            }
        }
        var names = Set<String>()
        collectKeys(at: lua_gettop(L), methodsOnly: methodsOnly, into: &names)
        return names.filter { $0.hasPrefix(partial) && (!$0.hasPrefix("_") || partial.hasPrefix("_")) }
            .sorted().map { prefix + $0 }
    }

    /// Replaces the value on top with its field `name`, looking through
    /// object metatables; false if there is nothing there.
    func pushField(of index: Int32, _ name: String) -> Bool {
        let container = lua_absindex(L, index)
        switch lua_type(L, container) {
        case LUA_TTABLE:
            name.push(to: L)
            lua_rawget(L, container)
        case LUA_TUSERDATA:
            return false  // properties could run code; stop here
        default:
            return false
        }
        lk_remove(L, container)
        return lua_type(L, -1) != LUA_TNIL
    }

    func collectKeys(at index: Int32, methodsOnly: Bool, into names: inout Set<String>) {
        switch lua_type(L, index) {
        case LUA_TTABLE:
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                if lua_type(L, -2) == LUA_TSTRING, !methodsOnly || lua_type(L, -1) == LUA_TFUNCTION,
                   let key = Self.string(L, -2) {
                    names.insert(key)
                }
                lk_pop(L, 1)
            }
            // Fields a table inherits through a plain __index table (one level).
            if lua_getmetatable(L, index) != 0 {
                if lua_getfield(L, -1, "__index") == LUA_TTABLE, lua_topointer(L, -1) != lua_topointer(L, index) {
                    collectKeys(at: lua_gettop(L), methodsOnly: methodsOnly, into: &names)
                }
                lk_pop(L, 2)
            }
        case LUA_TUSERDATA, LUA_TSTRING:
            guard lua_getmetatable(L, index) != 0 else { return }
            let metatable = lua_gettop(L)
            let tables = methodsOnly ? ["__methods"] : ["__methods", "__getters"]
            var found = false
            for name in tables where lua_getfield(L, metatable, name) == LUA_TTABLE {
                found = true
                collectKeys(at: lua_gettop(L), methodsOnly: false, into: &names)
                lk_pop(L, 1)
            }
            if !found, lua_getfield(L, metatable, "__index") == LUA_TTABLE {
                collectKeys(at: lua_gettop(L), methodsOnly: methodsOnly, into: &names)
            }
            lua_settop(L, metatable - 1)
        default:
            return
        }
    }
}
