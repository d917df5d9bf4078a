import CLuaShim

/// The documentation of everything bound into a state: one entry per
/// module, function, class, method and property. `help(x)` in Lua and
/// `vmlab doc` are generated from it, so the docs cannot drift from the code.
public final class LuaHelp {
    public enum Kind: String, Sendable {
        case module, function, `class`, method, property
    }

    public struct Entry: Sendable {
        /// `vm.size`, `vm.machine`, `vm.machine:map`, `vm.machine.stats`.
        public let path: String
        public let kind: Kind
        /// How it is called, e.g. `vm.size(s) -> integer`.
        public let signature: String
        /// First line: a summary; the rest: details and examples.
        public let doc: String

        public var summary: String { String(doc.split(separator: "\n", maxSplits: 1).first ?? "") }
    }

    public private(set) var entries: [String: Entry] = [:]
    /// Classes whose path is also a function's (`vm.machine` makes a `vm.machine`): `entries`
    /// keeps the function, this keeps the class, so the reference still has the class's section.
    public private(set) var shadowedClasses: [String: Entry] = [:]

    static let registryKey = "lk.help"

    /// Records an entry; when `value` names a stack slot, `help(thatValue)` finds it.
    func register(path: String, kind: Kind, signature: String, doc: String, value: Int32?, in state: LuaState) {
        let entry = Entry(path: path, kind: kind, signature: signature, doc: doc)
        if let existing = entries[path], existing.kind == .class, kind != .class {
            shadowedClasses[path] = existing
        }
        if kind == .class, let existing = entries[path], existing.kind != .class {
            shadowedClasses[path] = entry
        } else {
            entries[path] = entry
        }
        guard let value else { return }
        let L = state.L
        let index = lua_absindex(L, value)
        Self.pushIndex(L)
        lua_pushvalue(L, index)
        path.push(to: L)
        lua_rawset(L, -3)
        lk_pop(L, 1)
    }

    /// Pushes the weak-keyed table value → path.
    static func pushIndex(_ L: OpaquePointer) {
        if lua_getfield(L, lk_registryindex(), registryKey) == LUA_TTABLE { return }
        lk_pop(L, 1)
        lk_newtable(L)
        lk_newtable(L)
        "k".push(to: L)
        lua_setfield(L, -2, "__mode")
        lua_setmetatable(L, -2)
        lua_pushvalue(L, -1)
        lua_setfield(L, lk_registryindex(), registryKey)
    }

    /// The entries directly under `path` (`vm.x`, `vm.machine:m`, `vm.machine.p`), sorted.
    public func members(of path: String) -> [Entry] {
        entries.values.filter { entry in
            for separator in [".", ":"] where entry.path.hasPrefix(path + separator) {
                let rest = entry.path.dropFirst(path.count + 1)
                return !rest.contains(".") && !rest.contains(":")
            }
            return false
        }.sorted { $0.path < $1.path }
    }

    /// The help text for one entry: signature, doc, and its members if any.
    public func text(for path: String) -> String? {
        guard let entry = entries[path] else { return nil }
        var lines = [entry.signature]
        for line in entry.doc.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(line.isEmpty ? "" : "  " + line)
        }
        let members = self.members(of: path)
        if !members.isEmpty {
            lines.append("")
            for member in members {
                lines.append("  \(member.signature)\(member.summary.isEmpty ? "" : "  -- " + member.summary)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// An overview of the top-level modules and functions.
    public var overview: String {
        var lines = ["help(x) shows the documentation of x (a function, object, module or a name like \"vm.size\")."]
        let top = entries.values.filter { !$0.path.contains(".") && !$0.path.contains(":") }.sorted { $0.path < $1.path }
        for entry in top {
            lines.append("  \(entry.signature)\(entry.summary.isEmpty ? "" : "  -- " + entry.summary)")
        }
        return lines.joined(separator: "\n")
    }

    /// The whole reference as Markdown, grouped by module and class.
    public func markdown(title: String) -> String {
        var out = "# \(title)\n\n"
        out += "Generated from the help registry (`vmlab doc`); `help(x)` in the REPL shows the same text.\n"
        let groups = (entries.values.filter { $0.kind == .module || $0.kind == .class } + shadowedClasses.values)
            .sorted { $0.path < $1.path }
        for group in groups {
            out += "\n## `\(group.path)` (\(group.kind.rawValue))\n\n\(group.doc)\n"
            for member in allMembers(of: group.path) {
                out += "\n### `\(member.signature)`\n\n\(member.doc)\n"
            }
        }
        return out
    }

    /// Members of a module or class, not counting those of nested modules/classes.
    func allMembers(of path: String) -> [Entry] {
        members(of: path).filter { $0.kind != .module && $0.kind != .class }
    }
}

extension LuaState {
    /// The path documented for the value at `index`, if any: a registered
    /// function or table, or the class of a userdata.
    public func helpPath(at index: Int32) -> String? {
        let index = lua_absindex(L, index)
        if lua_type(L, index) == LUA_TSTRING { return Self.string(L, index) }
        if lua_type(L, index) == LUA_TUSERDATA, luaL_getmetafield(L, index, "__name") == LUA_TSTRING {
            defer { lk_pop(L, 1) }
            return Self.string(L, -1)
        }
        LuaHelp.pushIndex(L)
        lua_pushvalue(L, index)
        defer { lk_pop(L, 2) }
        return lua_rawget(L, -2) == LUA_TSTRING ? Self.string(L, -1) : nil
    }

    /// Defines the global `help(x)`, which prints the documentation of x.
    public func installHelpFunction() {
        register("help", signature: "help([x])", doc: """
            Prints the documentation of x: a function, an object, a module, or a name such as "vm.size".
            With no argument, lists what is documented.
            """) { call in
            let state = call.state
            let text: String
            if call.count == 0 {
                text = state.help.overview
            } else if let path = state.helpPath(at: 1), let found = state.help.text(for: path) {
                text = found
            } else {
                text = "no help for \(state.tostring(at: 1)) (try help() for a list)"
            }
            print(text)
            return 0
        }
    }
}
