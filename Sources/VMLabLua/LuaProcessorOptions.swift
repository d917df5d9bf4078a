import LuaKit
import VMLab

/// The translation-hardware options of `vm.machine{…}`: `cpus`, `tlb`, `pwc`,
/// `pcid`, `asid_bits`, `flush_ceiling`, read into a `ProcessorConfiguration`.
enum LuaProcessorOptions {
    static let names = ["cpus", "tlb", "pwc", "pcid", "asid_bits", "flush_ceiling", "kpti", "software_tlb"]
    static let levelOptions = ["name", "entries", "ways", "replacement", "kind", "page_sizes", "shared", "level"]
    static let pageWalkCacheOptions = ["entries", "ways", "levels", "replacement"]

    /// The configuration the options of `t` ask for, or nil when they name none.
    static func read(_ t: LuaTableView, mode: PagingMode) throws -> ProcessorConfiguration? {
        guard names.contains(where: t.has) else { return nil }
        let function = "vm.machine"
        var config = ProcessorConfiguration()
        config.cpus = try t.integer("cpus") ?? config.cpus
        config.pcid = try t.boolean("pcid") ?? config.pcid
        config.kpti = try t.boolean("kpti") ?? config.kpti
        config.softwareTLB = try t.boolean("software_tlb") ?? config.softwareTLB
        if config.softwareTLB && !t.has("pwc") { config.pageWalkCache = nil }  // nothing walks in hardware
        config.asidBits = try t.integer("asid_bits") ?? config.asidBits
        config.flushCeiling = try t.integer("flush_ceiling") ?? config.flushCeiling
        switch t.value("tlb") {
        case .nil: break
        case .boolean(false): config.tlb = []
        case .table:
            config.tlb = try t.withTable("tlb") { list in
                try (0..<list.length).map { i in
                    try list.withElement(i + 1, what: "\(function): tlb[\(i + 1)]") { level in
                        try readLevel(level, mode: mode, function: "\(function): tlb[\(i + 1)]")
                    }
                }
            }
        default: throw LuaScriptError("\(function): tlb must be a list of levels ({name=, entries=, ways=}, …) or false")
        }
        switch t.value("pwc") {
        case .nil: break
        case .boolean(let on): config.pageWalkCache = on ? PageWalkCacheConfiguration() : nil
        case .table:
            config.pageWalkCache = try t.withTable("pwc") { try readPageWalkCache($0, function: "\(function): pwc") }
        default: throw LuaScriptError("\(function): pwc must be a table {entries=, ways=, levels=} or a boolean")
        }
        return config
    }

    /// One TLB level: `{name=, entries=, ways=, replacement=, kind=, page_sizes=, shared=, level=}`.
    static func readLevel(_ t: LuaTableView, mode: PagingMode, function: String) throws -> TLBLevelConfiguration {
        try t.checkOptions(levelOptions, function: function)
        guard let name = try t.string("name") else { throw LuaScriptError("\(function): a TLB level needs a name") }
        guard let entries = try t.integer("entries") else { throw LuaScriptError("\(function) ('\(name)'): entries is required") }
        var level = TLBLevelConfiguration(name: name, entries: entries, ways: try t.integer("ways") ?? 0)
        if let text = try t.string("replacement") { level.replacement = try TLBReplacement.named(text) }
        if let text = try t.string("kind") { level.kind = try TLBKind.named(text) }
        level.shared = try t.boolean("shared") ?? false
        level.level = try t.integer("level")
        switch t.value("page_sizes") {
        case .nil: break
        case .table:
            level.pageSizes = try t.withTable("page_sizes") { list in
                try (0..<list.length).map { i in
                    do { return try VMModule.size(list.element(i + 1)) } catch {
                        throw LuaScriptError("\(function) ('\(name)'): page_sizes[\(i + 1)]: \(error)")
                    }
                }
            }
        default:
            throw LuaScriptError("\(function) ('\(name)'): page_sizes must be a list of sizes, e.g. {\"4K\", \"2M\"}")
        }
        return level
    }

    /// `{entries=, ways=, levels={0, 1, 2}, replacement=}`; levels are upper page-table levels, root = 0.
    static func readPageWalkCache(_ t: LuaTableView, function: String) throws -> PageWalkCacheConfiguration {
        try t.checkOptions(pageWalkCacheOptions, function: function)
        var config = PageWalkCacheConfiguration()
        config.entries = try t.integer("entries") ?? config.entries
        config.ways = try t.integer("ways") ?? config.ways
        if let text = try t.string("replacement") { config.replacement = try TLBReplacement.named(text) }
        switch t.value("levels") {
        case .nil: break
        case .table:
            config.levels = try t.withTable("levels") { list in
                try (0..<list.length).map { i in
                    guard let level = list.element(i + 1).intValue else {
                        throw LuaScriptError("\(function): levels[\(i + 1)] must be an integer (0 = root)")
                    }
                    return level
                }
            }
        default: throw LuaScriptError("\(function): levels must be a list of upper levels (0 = root)")
        }
        return config
    }
}
