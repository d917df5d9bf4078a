import LuaKit
import VMLab

/// `vm.tlb`: one TLB structure of a CPU (or a shared one), or one level's
/// page-walk cache: its geometry, contents, counters and invalidation.
enum LuaTLB {
    static let flushOptions = ["asid", "global"]

    static func makeClass() -> LuaClass<TLBHandle> {
        let cls = LuaClass<TLBHandle>("vm.tlb", doc: """
            One TLB structure (or a page-walk-cache level): sets × ways of entries tagged with an ASID.
            local l1 = m:tlb("L1d", 0)        -- CPU 0's L1d
            print(l1.sets, l1.ways, l1.stats.hit_rate)
            for _, e in ipairs(l1:dump()) do print(e.set, e.way, e.vpn, e.pfn) end
            """)
        cls.tostring { h in
            let t = h.tlb
            let owner = t.isShared ? "shared" : "CPU \(t.cpu)"
            return "vm.tlb(\(t.name), \(owner), \(t.entries) entries, \(t.ways)-way, \(t.replacement.rawValue))"
        }
        cls.property("name", doc: "The structure's name (\"L1d\", \"L2\", \"PWC PD\"…).", get: { h, call in call.push(h.tlb.name) })
        cls.property("entries", doc: "Number of entries.", get: { h, call in call.push(h.tlb.entries) })
        cls.property("ways", doc: "Associativity (entries per set).", get: { h, call in call.push(h.tlb.ways) })
        cls.property("sets", doc: "Number of sets (entries / ways); the set of a page is VPN mod sets.", get: { h, call in call.push(h.tlb.sets) })
        cls.property("replacement", doc: "Victim choice in a set: lru, plru, fifo or random.", get: { h, call in call.push(h.tlb.replacement.rawValue) })
        cls.property("kind", doc: "instruction, data or unified.", get: { h, call in call.push(h.tlb.kind.rawValue) })
        cls.property("page_sizes", doc: "Page sizes it holds (bytes), smallest first; for a page-walk cache the VA span of an entry.",
                     get: { h, call in call.push(h.tlb.pageSizes.map { Int($0) }) })
        cls.property("shared", doc: "True when one structure serves every CPU.", get: { h, call in call.push(h.tlb.isShared) })
        cls.property("cpu", doc: "The CPU number owning a private structure, nil when shared.", get: { h, call in
            h.tlb.isShared ? call.pushNil() : call.push(h.tlb.cpu)
        })
        cls.property("level", doc: "For a page-walk cache: the upper page-table level it serves (0 = root); else nil.", get: { h, call in
            guard let level = h.pageWalkCacheLevel else { return call.pushNil() }
            return call.push(level)
        })
        cls.property("valid", doc: "Number of valid entries.", get: { h, call in call.push(h.tlb.validCount) })
        cls.property("stats", doc: "Counters: hits, misses, hit_rate, evictions, fills, flushes, invalidations.",
                     get: { h, call in call.push(stats(h.tlb.stats)) })

        cls.method("dump", signature: "t:dump() -> {{set=, way=, vpn=, pfn=, pa=, page_size=, asid=, vmid=, global=, flags=}…}", doc: """
            Every valid entry in slot order (set by set, way by way). flags is a string of r w x u d g (readable,
            writable, executable, user, dirty, global), "-" where a bit is clear. vmid is 0 for the host's entries and a
            guest's VMID for a guest sharing the structure (m:guest{shared_tlb=true}); a guest's entries hold
            guest-physical addresses (pa, pfn), which the EPT maps to host memory.
            """) { h, call in
            call.push(h.tlb.dump().map(entry))
        }
        cls.method("flush", signature: "t:flush([{asid=n} | {global=true}])", doc: """
            Drops entries: with asid = n the non-global entries tagged n (INVPCID single-context); with global = true
            every entry, global ones too; with no argument every non-global entry.
            """) { h, call in
            try flush(call, 2, all: h.tlb.flushAll, asid: h.tlb.flush(asid:), nonGlobal: h.tlb.flushNonGlobal)
            return 0
        }
        cls.method("invlpg", signature: "t:invlpg(va, asid) -> removed", doc: """
            Drops the entries translating va (every page size held) tagged asid, and global ones. Returns how many.
            """) { h, call in
            call.push(h.tlb.invalidate(try call.address(2), tag: try call.integer(3)))
        }
        cls.method("set_index", signature: "t:set_index(va [, page_size]) -> set", doc: """
            The set a page of page_size (default: the smallest held) containing va maps to: (va >> log2(page_size)) mod sets.
            """) { h, call in
            let size = call.isNoneOrNil(3) ? (h.tlb.pageSizes.first ?? h.machine.mode.pageBytes) : UInt64(try call.size(3))
            guard let set = h.tlb.setIndex(try call.address(2), pageBytes: size) else {
                throw LuaArgumentError(3, "\(h.tlb.name) does not hold \(Units.size(size)) pages (it holds \(h.tlb.pageSizes.map { Units.size($0) }.joined(separator: ", ")))")
            }
            return call.push(set)
        }
        cls.method("reset_stats", signature: "t:reset_stats()", doc: "Sets the counters back to zero (the contents stay).") { h, _ in
            h.tlb.resetStats()
            return 0
        }
        cls.metamethod("__eq") { call in
            let a = try call.object(1, cls), b = try call.object(2, cls)
            return call.push(a.tlb === b.tlb)
        }
        return cls
    }

    /// A structure's counters as a Lua table.
    static func stats(_ s: TLBStats) -> LuaRecord {
        LuaRecord([
            ("hits", s.hits), ("misses", s.misses), ("hit_rate", s.hitRate), ("evictions", s.evictions),
            ("fills", s.fills), ("flushes", s.flushes), ("invalidations", s.invalidations),
        ])
    }

    /// Counters of several structures added up (a private structure has one per CPU).
    static func total(_ list: [TLBStats]) -> TLBStats {
        list.reduce(into: TLBStats()) { sum, s in
            sum.hits += s.hits; sum.misses += s.misses; sum.evictions += s.evictions
            sum.fills += s.fills; sum.flushes += s.flushes; sum.invalidations += s.invalidations
        }
    }

    static func entry(_ e: TLBEntryInfo) -> LuaRecord {
        let flags = [(e.readable, "r"), (e.writable, "w"), (e.executable, "x"), (e.user, "u"), (e.dirty, "d"), (e.global, "g")]
            .map { $0.0 ? $0.1 : "-" }.joined()
        return LuaRecord([
            ("set", e.set), ("way", e.way), ("vpn", e.vpn.lua), ("pfn", e.pfn.lua), ("pa", e.physicalBase.lua),
            ("page_size", Int(e.pageBytes)), ("asid", e.asid), ("vmid", e.vmid), ("global", e.global), ("flags", flags), ("pkey", e.protectionKey),
        ])
    }

    /// Reads the optional `{asid=}`/`{global=true}` argument `i` of a flush and runs the matching one.
    static func flush(_ call: LuaCall, _ i: Int32, all: () -> Void, asid: (Int) -> Void, nonGlobal: () -> Void) throws {
        guard !call.isNoneOrNil(i) else { return nonGlobal() }
        let t = try call.table(i)
        try t.checkOptions(flushOptions, function: "flush")
        let tag = try t.integer("asid")
        let global = try t.boolean("global") ?? false
        if tag != nil && global { throw LuaArgumentError(i, "give asid or global, not both") }
        if let tag { return asid(tag) }
        if global { return all() }
        nonGlobal()
    }
}
