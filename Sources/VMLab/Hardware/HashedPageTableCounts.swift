/// The counters of a `HashedPageTable`, kept in one raw block (see `HashedPageTableStats`).
struct HashedPageTableCounts {
    var used = 0, aliasesUsed = 0, aliasRefusals = 0, evictions = 0, overflowReloads = 0
    var searches = 0, probes = 0, collisions = 0
}
