extension PagingMode {
    /// Human statement of the canonical rule, used in error messages.
    public var canonicalRuleText: String {
        switch canonical {
        case .signExtended: return "bits 63..\(vaBits - 1) must all equal bit \(vaBits - 1)"
        case .zeroExtended: return "only the low \(vaBits) bits may be set"
        }
    }

    /// True when `va` is a valid virtual address of this mode.
    @inline(__always)
    public func isCanonical(_ va: UInt64) -> Bool {
        let high = va >> UInt64(vaBits - 1)          // the top bit of the VA and everything above
        switch canonical {
        case .signExtended:
            return high == 0 || high == (~UInt64(0) >> UInt64(vaBits - 1))
        case .zeroExtended:
            return vaBits >= 64 || va >> UInt64(vaBits) == 0
        }
    }

    /// Throws `nonCanonical` unless `va` is a valid virtual address of this mode.
    public func checkCanonical(_ va: UInt64) throws(VMError) {
        guard isCanonical(va) else { throw .nonCanonical(va: va, mode: name, rule: canonicalRuleText) }
    }

    /// The index of `va` into the table of `level`.
    @inline(__always)
    public func index(of va: UInt64, level: Int) -> Int {
        Int((va >> UInt64(indexShift(level: level))) & PTELayout.lowMask(levelBits[level]))
    }

    /// Splits a virtual address into one table index per level (root first) and the page offset.
    /// For x86_64:
    /// ```
    ///  63      48 47    39 38    30 29    21 20    12 11         0
    /// | sign ext | PML4  |  PDPT  |   PD   |   PT   |   offset   |
    /// ```
    /// Throws `nonCanonical` for addresses outside the mode.
    public func split(_ va: UInt64) throws(VMError) -> (indices: [Int], offset: UInt64) {
        try checkCanonical(va)
        let indices = (0..<levels).map { index(of: va, level: $0) }
        return (indices, va & (pageBytes - 1))
    }
}
