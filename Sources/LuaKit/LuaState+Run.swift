import CLuaShim

extension LuaState {
    /// Compiles `code` and leaves the chunk on the stack. `name` follows Lua's
    /// chunkname rules: `"=stdin"` shows as `stdin:1:`, `"@file.lua"` as `file.lua:1:`.
    public func load(_ code: String, name: String) throws {
        var code = code
        let status = code.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                lk_loadbuffer(L, $0.baseAddress, $0.count, name, chunkMode)
            }
        }
        try check(status)
    }

    /// Compiles the file at `path` (a leading `#!` line is skipped), or
    /// standard input when `path` is nil; leaves the chunk on the stack.
    public func loadFile(_ path: String?) throws {
        try check(lk_loadfile(L, path, chunkMode))
    }

    /// Calls the function on the stack below its `arguments`, protected and
    /// with a traceback, under the limits. Leaves the results on the stack and
    /// returns how many there are.
    @discardableResult
    public func execute(arguments: Int32 = 0) throws -> Int32 {
        let base = lua_gettop(L) - arguments - 1
        lk_armlimits(L)
        try check(lk_pcalltraceback(L, arguments, LUA_MULTRET))
        return lua_gettop(L) - base
    }

    /// Runs a chunk of code (its `...` are `arguments`) and returns its results.
    @discardableResult
    public func run(_ code: String, name: String = "=(load)", arguments: [String] = []) throws -> [LuaValue] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try load(code, name: name)
        for argument in arguments { argument.push(to: L) }
        let n = try execute(arguments: Int32(arguments.count))
        return (0..<n).map { value(at: top + 1 + $0) }
    }

    /// Runs a file (or standard input when `path` is nil) with `arguments` as `...`.
    @discardableResult
    public func runFile(_ path: String?, arguments: [String] = []) throws -> [LuaValue] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try loadFile(path)
        for argument in arguments { argument.push(to: L) }
        let n = try execute(arguments: Int32(arguments.count))
        return (0..<n).map { value(at: top + 1 + $0) }
    }

    /// Calls a Lua function held by a reference (protected, with a traceback).
    @discardableResult
    public func call(_ function: LuaReference, _ arguments: [any LuaPushable] = []) throws -> [LuaValue] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        function.push(to: L)
        for argument in arguments { argument.push(to: L) }
        try check(lk_pcalltraceback(L, Int32(arguments.count), LUA_MULTRET))
        return (top..<lua_gettop(L)).map { value(at: $0 + 1) }
    }

    /// Text only in the sandbox (a crafted binary chunk can crash the VM).
    var chunkMode: String { sandbox == nil ? "bt" : "t" }

    /// Turns a non-OK status into a `LuaError`, popping the error value.
    func check(_ status: Int32) throws {
        guard status != LUA_OK else { return }
        let message = tostring(at: -1)
        lk_pop(L, 1)
        var traceback: String?
        if lua_getfield(L, lk_registryindex(), "lk.traceback") == LUA_TSTRING {
            traceback = Self.string(L, -1)
        }
        lk_pop(L, 1)
        lua_pushnil(L)
        lua_setfield(L, lk_registryindex(), "lk.traceback")
        let control = self.control
        if control.pointee.limit > 0, control.pointee.used > control.pointee.limit || control.pointee.limithit != 0 {
            lk_collectgarbage(L)  // give back what the failed chunk held
        }
        switch status {
        case LUA_ERRSYNTAX:
            throw LuaError(kind: .syntax, message: message)
        case LUA_ERRFILE:
            throw LuaError(kind: .file, message: message)
        case LUA_ERRMEM:
            var text = message
            if control.pointee.limithit != 0, let limit = limits.memory {
                text += " (memory limit of \(limit / 1024) KiB reached)"
            }
            control.pointee.limithit = 0
            throw LuaError(kind: .memory, message: text, traceback: traceback)
        default:
            throw LuaError(kind: .runtime, message: message, traceback: traceback)
        }
    }
}
