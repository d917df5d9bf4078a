import CLuaShim

/// Shows Lua values the way the REPL prints them: tables nested with sorted
/// keys (array part first), strings quoted inside tables, cycles named, and
/// userdata through `__tostring`.
///
/// ```
/// > {1, 2, x = {y = "z"}}
/// { 1, 2, x = { y = "z" } }
/// ```
public struct LuaPrinter {
    /// Tables deeper than this print as `{…}`.
    public var maxDepth = 8
    /// Lines wider than this are broken, one field per line.
    public var width = 80
    /// Tables with more fields than this print the first ones and `… (N more)`.
    public var maxFields = 200

    public init() {}

    /// The text of the value at `index` (top-level strings unquoted, as `print` shows them).
    public func describe(_ state: LuaState, at index: Int32) -> String {
        let index = lua_absindex(state.L, index)
        if lua_type(state.L, index) == LUA_TTABLE && !hasToString(state.L, index) {
            var seen: [UnsafeRawPointer] = []
            return table(state, index, depth: 0, indent: "", seen: &seen)
        }
        return state.tostring(at: index)
    }

    func hasToString(_ L: OpaquePointer, _ index: Int32) -> Bool {
        guard luaL_getmetafield(L, index, "__tostring") != LUA_TNIL else { return false }
        lk_pop(L, 1)
        return true
    }

    func scalar(_ state: LuaState, _ index: Int32) -> String {
        if lua_type(state.L, index) == LUA_TSTRING {
            return quote(LuaState.string(state.L, index) ?? "")
        }
        return state.tostring(at: index)
    }

    func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f { out += "\\\(scalar.value)" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    func isIdentifier(_ s: String) -> Bool {
        let keywords: Set<String> = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
                                     "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"]
        guard let first = s.unicodeScalars.first, !keywords.contains(s) else { return false }
        func ok(_ c: Unicode.Scalar, digits: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (digits && c >= "0" && c <= "9")
        }
        return ok(first, digits: false) && s.unicodeScalars.allSatisfy { ok($0, digits: true) }
    }

    /// One field: its sort key and its text.
    struct Field {
        var rank: Int  // 0 array part, 1 other numbers, 2 strings, 3 others
        var number: Double
        var name: String
        var text: String
    }

    func table(_ state: LuaState, _ index: Int32, depth: Int, indent: String, seen: inout [UnsafeRawPointer]) -> String {
        let L = state.L
        guard let identity = lua_topointer(L, index) else { return "{}" }
        if seen.contains(identity) { return "<cycle: \(state.tostring(at: index))>" }
        if depth >= maxDepth { return "{…}" }
        seen.append(identity)
        defer { seen.removeLast() }

        let arrayLength = Int(lua_rawlen(L, index))
        var fields: [Field] = []
        var skipped = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            if fields.count >= maxFields {
                skipped += 1
                lk_pop(L, 1)
                continue
            }
            let valueText: String
            if lua_type(L, -1) == LUA_TTABLE && !hasToString(L, -1) {
                valueText = table(state, lua_absindex(L, -1), depth: depth + 1, indent: indent + "  ", seen: &seen)
            } else {
                valueText = scalar(state, -1)
            }
            var field = Field(rank: 3, number: 0, name: "", text: "")
            if lk_isinteger(L, -2) != 0 {
                var ok: Int32 = 0
                let i = Int(lk_tointeger(L, -2, &ok))
                field.number = Double(i)
                field.rank = (i >= 1 && i <= arrayLength) ? 0 : 1
                field.text = field.rank == 0 ? valueText : "[\(i)] = \(valueText)"
            } else if lua_type(L, -2) == LUA_TNUMBER {
                var ok: Int32 = 0
                field.number = lk_tonumber(L, -2, &ok)
                field.rank = 1
                field.text = "[\(state.tostring(at: -2))] = \(valueText)"
            } else if lua_type(L, -2) == LUA_TSTRING {
                let key = LuaState.string(L, -2) ?? ""
                field.rank = 2
                field.name = key
                field.text = isIdentifier(key) ? "\(key) = \(valueText)" : "[\(quote(key))] = \(valueText)"
            } else {
                field.name = state.tostring(at: -2)
                field.text = "[\(field.name)] = \(valueText)"
            }
            fields.append(field)
            lk_pop(L, 1)
        }
        if fields.isEmpty { return "{}" }
        fields.sort { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.rank <= 1 { return a.number < b.number }
            return a.name < b.name
        }
        var texts = fields.map(\.text)
        if skipped > 0 { texts.append("… (\(skipped) more)") }
        let oneLine = "{ " + texts.joined(separator: ", ") + " }"
        if oneLine.count + indent.count <= width && !oneLine.contains("\n") { return oneLine }
        let inner = indent + "  "
        return "{\n" + texts.map { inner + $0 }.joined(separator: ",\n") + "\n" + indent + "}"
    }
}
