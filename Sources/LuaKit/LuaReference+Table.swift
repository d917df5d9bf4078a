/// Reading nested tables: a table held by a reference (a field or an element of another
/// table) is pushed, viewed, and popped again around `body`.
extension LuaReference {
    /// Runs `body` with a view of the referenced table, pushed for the duration.
    public func withTable<T>(_ body: (LuaTableView) throws -> T) rethrows -> T {
        let state = self.state
        push(to: state.L)
        defer { state.pop() }
        return try body(LuaTableView(state, at: -1))
    }
}

extension LuaTableView {
    /// Runs `body` with a view of the table in field `key`; an error when it is not a table.
    public func withTable<T>(_ key: String, _ body: (LuaTableView) throws -> T) throws -> T {
        guard case .table(let table) = value(key) else { throw LuaScriptError("field '\(key)' must be a table") }
        return try table.withTable(body)
    }

    /// Runs `body` with a view of the table at `t[i]`; `what` names it in the error when it is not a table.
    public func withElement<T>(_ i: Int, what: String, _ body: (LuaTableView) throws -> T) throws -> T {
        guard case .table(let table) = element(i) else { throw LuaScriptError("\(what) must be a table") }
        return try table.withTable(body)
    }
}
