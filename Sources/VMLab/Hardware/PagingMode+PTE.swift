extension PagingMode {
    /// Decodes a raw entry of this mode. With `level` given, an x86 entry at the last level
    /// never reads as huge (bit 7 is PAT there).
    public func decode(_ raw: UInt64, level: Int? = nil) -> PTE {
        let l = layout
        func has(_ mask: UInt64) -> Bool { mask != 0 && raw & mask == mask }
        var entry = PTE()
        entry.raw = raw
        entry.present = has(l.present)
        entry.readable = l.readable == 0 ? entry.present : has(l.readable)
        entry.writable = has(l.writable)
        entry.user = has(l.user)
        entry.accessed = has(l.accessed)
        entry.dirty = has(l.dirty)
        entry.global = has(l.global)
        entry.huge = has(l.huge) && level != levels - 1
        entry.noExecute = has(l.noExecute)
        entry.executable = l.executable == 0 ? (entry.present && !entry.noExecute) : has(l.executable)
        entry.writeThrough = has(l.writeThrough)
        entry.cacheDisable = has(l.cacheDisable)
        entry.frame = (raw >> UInt64(l.frameShift)) & PTELayout.lowMask(l.frameBits)
        if l.protectionKeyShift > 0 { entry.protectionKey = Int((raw >> UInt64(l.protectionKeyShift)) & 0xf) }
        return entry
    }

    /// Encodes an entry in this mode's layout. Fields the format lacks are ignored (x86 ignores
    /// `readable` and `executable`; use `noExecute`). Throws when the frame number does not fit.
    public func encode(_ entry: PTE) throws(VMError) -> UInt64 {
        let l = layout
        guard entry.frame <= PTELayout.lowMask(l.frameBits) else {
            throw .physicalAddressNotEncodable(pa: entry.frame << UInt64(pageBits), mode: name, bits: physicalAddressBits)
        }
        var raw = entry.frame << UInt64(l.frameShift)
        func set(_ on: Bool, _ mask: UInt64) { if on { raw |= mask } }
        set(entry.present, l.present); set(entry.readable, l.readable)
        set(entry.writable, l.writable); set(entry.executable, l.executable)
        set(entry.user, l.user); set(entry.accessed, l.accessed); set(entry.dirty, l.dirty)
        set(entry.global, l.global); set(entry.huge, l.huge); set(entry.noExecute, l.noExecute)
        set(entry.writeThrough, l.writeThrough); set(entry.cacheDisable, l.cacheDisable)
        if l.protectionKeyShift > 0 { raw |= UInt64(entry.protectionKey & 0xf) << UInt64(l.protectionKeyShift) }
        return raw
    }

    /// The reserved bits set in `raw` if it were an entry at `level` (0 = none), per the rules:
    /// x86: bits MAXPHYADDR..51 in any present entry; PS set at a level that cannot hold a leaf;
    /// in a huge leaf, frame bits below the huge page size (bit 12 is PAT and allowed).
    /// RISC-V: bits 63..54 (Sv39/48/57); W without R; A, D or U in a non-leaf entry.
    /// Textbook: none.
    public func reservedBits(_ raw: UInt64, level: Int) -> UInt64 {
        let l = layout
        let level = max(0, min(level, levels - 1))
        var bad = raw & l.reserved
        let isLeaf = level == levels - 1 || raw & l.leafBits != 0
        switch architecture {
        case .x86:
            if level >= 0 && level < levels && !leafAllowed[level] { bad |= raw & l.huge }
            if isLeaf && level < levels - 1 {
                let hugeShift = indexShift(level: level)
                bad |= raw & PTELayout.lowMask(hugeShift) & ~PTELayout.lowMask(13)
            }
        case .riscv:
            if raw & l.writable != 0 && raw & l.readable == 0 { bad |= l.writable }
            if !isLeaf { bad |= raw & (l.accessed | l.dirty | l.user) }
        case .textbook:
            break
        }
        return bad
    }
}
