import LuaKit
import VMLab

/// Huge-page management in Lua: the `thp` and `hugetlb_pages` options of `vm.machine`, `m.thp`,
/// `m.hugetlb`, `m:khugepaged{}`, `m:compact()` and the counters in `m.stats`.
enum LuaHugePages {
    /// Options of `vm.machine` read here.
    static let options = ["thp", "hugetlb_pages"]

    /// The mode named by `text`, or an error naming `function` and the choices.
    static func mode(_ text: String, function: String) throws -> TransparentHugePageMode {
        guard let mode = TransparentHugePageMode(rawValue: text) else {
            throw LuaScriptError("\(function): thp must be \"always\", \"madvise\" or \"never\", not '\(text)'")
        }
        return mode
    }

    /// Runs a kernel call, turning its error into a Lua error prefixed with `function`.
    static func run<T>(_ function: String, _ body: () throws(KernelError) -> T) throws -> T {
        do throws(KernelError) { return try body() } catch { throw LuaScriptError("\(function): \(error.description)") }
    }

    /// Reads `thp` and `hugetlb_pages` from the options of `vm.machine`.
    static func configure(_ machine: Machine, _ t: LuaTableView, _ call: LuaCall) throws {
        guard options.contains(where: t.has) else { return }
        let k = try machine.kernel
        if t.has("thp") {
            guard case .string(let text) = t.value("thp") else {
                throw LuaScriptError("vm.machine: thp must be \"always\", \"madvise\" or \"never\"")
            }
            let chosen = try mode(text, function: "vm.machine")
            try run("vm.machine") { () throws(KernelError) in try k.setTransparentHugePages(chosen) }
        }
        if t.has("hugetlb_pages") {
            let pages: Int
            do { pages = try t.integer("hugetlb_pages") ?? 0 } catch let e as LuaArgumentError {
                throw LuaScriptError("vm.machine: hugetlb_pages: \(e.reason)")
            }
            try run("vm.machine") { () throws(KernelError) in try k.reserveHugePagePool(pages: pages) }
        }
    }

    /// The kernel of `m` for `function`, or an error when the machine has none yet.
    static func kernel(_ m: Machine, _ function: String) throws -> Kernel {
        guard let k = m.existingKernel else {
            throw LuaScriptError("\(function): the machine has no kernel yet (m:spawn starts it; compaction moves pages of processes)")
        }
        return k
    }

    /// Adds the /proc/vmstat-like counters and the pool to `m.stats`.
    static func addStats(_ m: Machine, into r: inout LuaRecord) {
        let k = m.existingKernel
        let c = k?.hugePages.counters ?? HugePageCounters()
        r.set("thp_fault_alloc", c.thpFaultAlloc)
        r.set("thp_fault_fallback", c.thpFaultFallback)
        r.set("thp_collapse_alloc", c.thpCollapseAlloc)
        r.set("thp_collapse_alloc_failed", c.thpCollapseAllocFailed)
        r.set("thp_split_page", c.thpSplitPage)
        r.set("thp_split_reclaim", c.thpSplitReclaim)
        r.set("khugepaged_scanned", c.khugepagedScanned)
        r.set("compact_migrated", c.compactMigrated)
        r.set("compact_blocks", c.compactBlocks)
        r.set("compact_success", c.compactSuccess)
        r.set("compact_fail", c.compactFail)
        r.set("free_huge_blocks", k?.freeHugeBlocks ?? 0)
        r.set("hugetlb", pool(k))
    }

    /// The pool as a table.
    static func pool(_ k: Kernel?) -> LuaRecord {
        LuaRecord([("total", k?.hugePages.pool.total ?? 0), ("free", k?.hugePages.pool.freeCount ?? 0),
                   ("page_size", Int(k?.hugePageBytes ?? 0))])
    }

    /// Installs m.thp, m.hugetlb, m:khugepaged and m:compact.
    static func install(machines cls: LuaClass<Machine>) {
        cls.property("thp", doc: """
            Transparent huge pages: "always" (every private anonymous area), "madvise" (areas given
            p:madvise(a, n, "hugepage") only; Linux's usual default) or "never" (vmlab's default). Assign to change it
            (like /sys/kernel/mm/transparent_hugepage/enabled). An aligned 2 MiB region (4 MiB on x86_32) wholly inside
            one such area gets a huge page at its first fault when the buddy allocator has a free aligned block
            (m.stats.thp_fault_alloc; else thp_fault_fallback and a 4 KiB page); it is promoted when its 512 pages are all
            present; a munmap/mprotect/madvise of part of it splits it back (thp_split_page); a COW write copies it whole.
            With swap, reclaim splits a THP its policy picks and swaps the 4 KiB pages out (thp_split_reclaim); hugetlb
            pages (flags={"hugepage"}) are never evicted.
            local m = vm.machine{ thp = "always" }; print(m.thp)
            """, get: { m, call in call.push((m.existingKernel?.hugePages.mode ?? .never).rawValue) },
            set: { m, call in
                let chosen = try mode(try call.string(2), function: "m.thp")
                let k = try m.kernel
                try run("m.thp") { () throws(KernelError) in try k.setTransparentHugePages(chosen) }
            })
        cls.property("hugetlb", doc: """
            The hugetlb pool reserved at boot with vm.machine{hugetlb_pages = N}: {total=, free=, page_size=}.
            local m = vm.machine{ hugetlb_pages = 2 }; print(m.hugetlb.free)
            """, get: { m, call in call.push(pool(m.existingKernel)) })
        cls.method("khugepaged", signature: "m:khugepaged{pages=, max_ptes_none=} -> {scanned=, collapsed=, failed=}", doc: """
            One pass of khugepaged: looks at up to `pages` base pages' worth of THP regions (512 per region; default
            4096, like Linux's pages_to_scan), resuming where the last pass stopped, and collapses each region mapped by
            4 KiB pages with at most max_ptes_none absent pages (default 511, Linux's: one present page is enough; the
            setting stays), no swapped-out, shared or pinned page: its pages are copied into one fresh 2 MiB block
            (thp_collapse_alloc), or, with no free aligned block, left alone (failed, thp_collapse_alloc_failed).
            local m = vm.machine{ thp = "always" }; m:spawn("app"); local r = m:khugepaged{ pages = 8192, max_ptes_none = 64 }; print(r.collapsed)
            """) { m, call in
            let k = try kernel(m, "m:khugepaged")
            var pages = 4096
            if !call.isNoneOrNil(2) {
                let t = try call.table(2)
                try t.checkOptions(["pages", "max_ptes_none"], function: "m:khugepaged")
                pages = try t.integer("pages") ?? pages
                if let none = try t.integer("max_ptes_none") {
                    try run("m:khugepaged") { () throws(KernelError) in try k.setMaxPtesNone(none) }
                }
            }
            let r = try run("m:khugepaged") { () throws(KernelError) in try k.khugepaged(pages: pages) }
            return call.push(LuaRecord([("scanned", r.scanned), ("collapsed", r.collapsed), ("failed", r.failed)]))
        }
        cls.method("compact", signature: "m:compact() -> {migrated=, blocks=, free_huge_blocks=}", doc: """
            One compaction run: empties the 2 MiB physical blocks whose used frames are all movable user pages (fewest
            first), moving each page to a free frame elsewhere (contents copied, every PTE mapping it rewritten through
            the reverse map, TLBs shot down), so that the buddy allocator gets free huge blocks back. Page tables, the
            kernel image, huge pages, pinned pages and pages reclaim tracks stay put. Returns pages moved, blocks
            emptied and the free huge blocks after (m.stats.compact_migrated, compact_blocks, compact_success/fail).
            local m = vm.machine{}; m:spawn("app"); local r = m:compact(); print(r.migrated, r.free_huge_blocks)
            """) { m, call in
            let k = try kernel(m, "m:compact")
            let r = try run("m:compact") { () throws(KernelError) in try k.compact() }
            return call.push(LuaRecord([("migrated", r.migrated), ("blocks", r.blocks), ("free_huge_blocks", r.freeHugeBlocks)]))
        }
    }
}
