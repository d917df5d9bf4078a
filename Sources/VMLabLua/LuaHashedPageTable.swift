import LuaKit
import VMLab

/// Inverted and hashed page tables in Lua: the `page_table` option of `vm.machine`,
/// `m.page_table`, `m.stats.page_table`, and the searches of `s:translate` / `s:walk`.
enum LuaHashedPageTable {
    static let names = ["kind", "buckets", "groups", "aliases"]

    /// Reads `page_table` from the options of `vm.machine` ("radix", "inverted", "hashed" or
    /// {kind=, buckets=, groups=, aliases=}) and sets the table up (before anything else).
    static func configure(_ machine: Machine, _ t: LuaTableView, _ call: LuaCall) throws {
        let function = "vm.machine: page_table"
        var configuration: HashedPageTableConfiguration
        func kind(_ name: String) throws -> PageTableKind {
            guard let kind = PageTableKind(rawValue: name) else {
                throw LuaScriptError("\(function): unknown kind '\(name)' (radix, inverted or hashed)")
            }
            return kind
        }
        switch t.value("page_table") {
        case .nil: return
        case .string(let name): configuration = HashedPageTableConfiguration(kind: try kind(name))
        case .table:
            t.pushFieldValue("page_table")
            defer { call.state.pop() }
            let fields = LuaTableView(call.state, at: -1)
            try fields.checkOptions(names, function: function)
            func number(_ key: String) throws -> Int? {
                do { return try fields.integer(key) } catch let e as LuaArgumentError {
                    throw LuaScriptError("\(function): \(key): \(e.reason)")
                }
            }
            guard let name = try fields.string("kind") else { throw LuaScriptError("\(function): kind is missing (inverted or hashed)") }
            configuration = HashedPageTableConfiguration(kind: try kind(name), buckets: try number("buckets"),
                                                         groups: try number("groups"), aliases: try number("aliases"))
        default:
            throw LuaScriptError("\(function) must be \"radix\", \"inverted\", \"hashed\" or a table {kind=, buckets=, groups=, aliases=}")
        }
        guard configuration.kind != .radix else {
            guard configuration.buckets == nil, configuration.groups == nil, configuration.aliases == nil else {
                throw LuaScriptError("\(function): buckets, groups and aliases are for inverted and hashed tables")
            }
            return
        }
        try machine.useHashedPageTable(configuration)
    }

    /// `m.page_table` on the machine class.
    static func install(on cls: LuaClass<Machine>) {
        cls.property("page_table", doc: """
            How the machine's page tables are organized: "radix" (a tree per space), "inverted" (one entry per frame,
            hash anchor table and chains) or "hashed" (PowerPC groups of 8 entries). m.stats.page_table has its sizes
            and counters. local m = vm.machine{ page_table = "inverted" }; print(m.page_table)
            """, get: { m, call in call.push(m.pageTableKind.rawValue) })
    }

    /// The sizes and counters of a machine's inverted or hashed table.
    static func record(_ s: HashedPageTableStats) -> LuaRecord {
        LuaRecord([
            ("kind", s.kind.rawValue), ("entries", s.entries), ("entry_bytes", s.entryBytes), ("buckets", s.buckets),
            ("anchor_bytes", s.anchorBytes), ("table_bytes", s.tableBytes), ("used", s.used),
            ("aliases", s.aliases), ("aliases_used", s.aliasesUsed), ("alias_refusals", s.aliasRefusals),
            ("evictions", s.evictions), ("overflow", s.overflow), ("overflow_reloads", s.overflowReloads),
            ("searches", s.searches), ("probes", s.probes), ("collisions", s.collisions),
        ])
    }

    /// The reads of a search as the steps of `s:translate` / `s:walk`.
    static func steps(_ search: HashSearch, mode: PagingMode) -> [LuaRecord] {
        search.probes.map { p in
            var r = LuaRecord([("what", p.what), ("index", p.index), ("addr", p.address.lua), ("tag", p.tag.lua)])
            if p.what == "anchor" {
                r.set("entry", Int(p.tag) - 1)
            } else {
                r.set("slot", p.slot)
                r.set("pte", p.pte.lua)
                r.set("updated", p.updated.lua)
                r.set("flags", mode.decode(p.updated, level: mode.levels - 1).flagText(mode.architecture))
                r.set("match", p.matched)
            }
            return r
        }
    }

    /// Adds the summary of a search to the record of `s:translate`.
    static func summary(_ search: HashSearch, into r: inout LuaRecord) {
        r.set("probes", search.probes.filter { $0.what != "overflow" }.count)
        r.set("collisions", search.collisions)
        r.set("chain_length", search.chainLength)
        r.set("bucket", search.bucket)
        if search.secondaryBucket >= 0 { r.set("secondary_bucket", search.secondaryBucket) }
        r.set("reloaded", search.reloaded)
    }
}
