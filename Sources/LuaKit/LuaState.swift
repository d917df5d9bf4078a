import CLuaShim

/// A Lua 5.4 state owned by Swift.
///
/// Every call from Swift into Lua is protected, and every Swift function
/// bound into Lua reports errors by status, so no Lua error ever unwinds a
/// Swift frame (DESIGN.md §3).
///
/// ```swift
/// let lua = try LuaState()
/// lua.openStandardLibraries()
/// let results = try lua.run("return 1 + 1")   // [.integer(2)]
/// ```
public final class LuaState {
    /// The raw state, for code that talks to the C API directly.
    public let L: OpaquePointer
    public private(set) var isClosed = false
    /// The documentation of everything bound into this state.
    public let help = LuaHelp()
    var limitsStorage = LuaLimits()
    /// The sandbox in force, if any (see `LuaSandbox`).
    public internal(set) var sandbox: LuaSandbox?

    /// Creates an empty state (no libraries opened).
    public init() throws {
        _ = installBridge
        guard let L = lk_newstate() else {
            throw LuaError(kind: .memory, message: "cannot create a Lua state: not enough memory")
        }
        self.L = L
        lk_sethost(L, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { close() }

    /// Closes the state: finalizers run, every Swift object held by Lua is released.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        lk_close(L)
    }

    /// The `LuaState` that owns a raw state (or one of its threads).
    public static func owner(of L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(lk_host(L)).takeUnretainedValue()
    }

    /// Opens Lua's standard libraries (base, package, coroutine, table, io, os,
    /// string, math, utf8, debug).
    public func openStandardLibraries() {
        lk_openlibs(L)
    }

    /// Bytes the Lua state holds now, and the most it held at once.
    public var memoryInUse: Int { Int(control.pointee.used) }
    public var peakMemory: Int { Int(control.pointee.peak) }

    // MARK: stack helpers

    /// The string at `index` (numbers converted), decoded as UTF-8 with repair.
    static func string(_ L: OpaquePointer, _ index: Int32) -> String? {
        var length = 0
        guard let p = lk_tostring(L, index, &length) else { return nil }
        return p.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The name Lua uses for the type of the value at `index` (honours `__name`).
    static func typeName(_ L: OpaquePointer, _ index: Int32) -> String {
        if luaL_getmetafield(L, index, "__name") == LUA_TSTRING, let name = string(L, -1) {
            lk_pop(L, 1)
            return name
        } else if lua_type(L, index) == LUA_TLIGHTUSERDATA {
            return "light userdata"
        }
        return String(cString: lua_typename(L, lua_type(L, index)))
    }

    /// Copies the value at `index` out of the stack.
    public func value(at index: Int32) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lk_isinteger(L, index) != 0 {
                var ok: Int32 = 0
                return .integer(Int(lk_tointeger(L, index, &ok)))
            }
            var ok: Int32 = 0
            return .number(lk_tonumber(L, index, &ok))
        case LUA_TSTRING: return .string(Self.string(L, index) ?? "")
        case LUA_TLIGHTUSERDATA: return .lightUserdata(lua_touserdata(L, index))
        case LUA_TTABLE, LUA_TFUNCTION, LUA_TUSERDATA, LUA_TTHREAD:
            let type = lua_type(L, index)
            lua_pushvalue(L, index)
            let ref = LuaReference(popping: self)
            switch type {
            case LUA_TTABLE: return .table(ref)
            case LUA_TFUNCTION: return .function(ref)
            case LUA_TUSERDATA: return .userdata(ref)
            default: return .thread(ref)
            }
        default: return .nil
        }
    }

    /// `tostring(value)` of the value at `index`, metamethods included, never raising.
    public func tostring(at index: Int32) -> String {
        if lk_ptostring(L, index) == LUA_OK {
            defer { lk_pop(L, 1) }
            return Self.string(L, -1) ?? ""
        }
        let message = Self.string(L, -1) ?? "?"
        lk_pop(L, 1)
        return "<__tostring failed: \(message)>"
    }

    // MARK: globals and tables

    /// Sets a global variable.
    public func setGlobal(_ name: String, _ value: some LuaPushable) {
        lk_pushglobaltable(L)
        name.push(to: L)
        value.push(to: L)
        lua_rawset(L, -3)
        lk_pop(L, 1)
    }

    /// Reads a global variable (raw).
    public func global(_ name: String) -> LuaValue {
        lk_pushglobaltable(L)
        name.push(to: L)
        lua_rawget(L, -2)
        defer { lk_pop(L, 2) }
        return value(at: -1)
    }

    /// Pushes the table at a dotted global path (`"vm.trace"`), creating
    /// missing tables on the way.
    public func pushTable(path: String) {
        lk_pushglobaltable(L)
        for part in path.split(separator: ".") {
            String(part).push(to: L)
            if lua_rawget(L, -2) != LUA_TTABLE {
                lk_pop(L, 1)
                lk_newtable(L)
                String(part).push(to: L)
                lua_pushvalue(L, -2)
                lua_rawset(L, -4)
            }
            lk_remove(L, -2)
        }
    }

    /// Creates (or finds) the module table `name`, makes it a global and
    /// `require`-able, and documents it.
    public func module(_ name: String, doc: String) {
        pushTable(path: name)
        help.register(path: name, kind: .module, signature: name, doc: doc, value: -1, in: self)
        lua_getfield(L, lk_registryindex(), "_LOADED")
        lua_pushvalue(L, -2)
        lua_setfield(L, -2, name)
        lk_pop(L, 2)
    }

    /// Binds a Swift function at a dotted global path (`"vm.size"`) and
    /// documents it; `signature` is shown by `help` and `vmlab doc`.
    public func register(_ path: String, signature: String, doc: String, _ body: @escaping LuaFunctionBody) {
        let parts = path.split(separator: ".")
        let name = String(parts.last ?? "")
        if parts.count > 1 {
            pushTable(path: parts.dropLast().joined(separator: "."))
        } else {
            lk_pushglobaltable(L)
        }
        name.push(to: L)
        pushFunction(body)
        help.register(path: path, kind: .function, signature: signature, doc: doc, value: -1, in: self)
        lua_rawset(L, -3)
        lk_pop(L, 1)
    }
}

extension LuaState {
    /// The C control block (limits, counters); set for every state lk_newstate made.
    var control: UnsafeMutablePointer<lk_Control> { lk_control(L)! }
}

/// Lua's type tags, for code that does not import the C API.
public enum LuaType {
    public static let none = LUA_TNONE
    public static let `nil` = LUA_TNIL
    public static let boolean = LUA_TBOOLEAN
    public static let number = LUA_TNUMBER
    public static let string = LUA_TSTRING
    public static let table = LUA_TTABLE
    public static let function = LUA_TFUNCTION
    public static let userdata = LUA_TUSERDATA
}

extension LuaState {
    /// Sets `table.field` at a dotted global path (`"vm.version"`), creating tables on the way.
    public func setGlobalField(_ path: String, _ value: some LuaPushable) {
        let parts = path.split(separator: ".")
        guard let last = parts.last else { return }
        if parts.count > 1 { pushTable(path: parts.dropLast().joined(separator: ".")) } else { lk_pushglobaltable(L) }
        String(last).push(to: L)
        value.push(to: L)
        lua_rawset(L, -3)
        lk_pop(L, 1)
    }
}

extension LuaState {
    /// Pushes the global `name` (raw) onto the stack.
    public func pushValue(named name: String) {
        lk_pushglobaltable(L)
        name.push(to: L)
        lua_rawget(L, -2)
        lk_remove(L, -2)
    }

    /// Pops `n` values from the stack.
    public func pop(_ n: Int32 = 1) { lk_pop(L, n) }
}

extension LuaState {
    /// The index of the top of the stack (its number of values).
    public var top: Int32 { lua_gettop(L) }
}

extension LuaTableView {
    /// A view of the table at `index` of `state`'s stack.
    public init(_ state: LuaState, at index: Int32) {
        self.init(L: state.L, index: lua_absindex(state.L, index))
    }
}
