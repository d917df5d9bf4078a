/// x86 memory protection keys (PKU). A leaf PTE carries a 4-bit key (bits 62..59); the per-CPU
/// 32-bit PKRU register holds two bits per key:
///
///     PKRU bit 2k     AD  access disable: no data access to user pages of key k
///     PKRU bit 2k+1   WD  write disable:  no writes to user pages of key k
///
/// Changing PKRU (WRPKRU) changes what is allowed at once, without touching page tables and
/// without any TLB flush: the TLB caches the key, and the check is made on every access.
public enum ProtectionKeys {
    /// True when `pkru` denies a data access (a write when `write`) to a page of key `key`.
    @inline(__always)
    public static func denies(_ pkru: UInt32, key: Int, write: Bool) -> Bool {
        let bits = pkru >> UInt32(2 &* key)
        return bits & 1 != 0 || (write && bits & 2 != 0)
    }

    /// `pkru` with key `key`'s two bits set so that `access` is allowed: `"rw"` (both clear),
    /// `"r"` (writes disabled) or `""`/`"none"` (all data access disabled).
    public static func setting(_ pkru: UInt32, key: Int, allow access: String) -> UInt32? {
        let bits: UInt32
        switch access {
        case "rw": bits = 0
        case "r": bits = 2
        case "", "none", "-": bits = 1
        default: return nil
        }
        let shift = UInt32(2 * key)
        return (pkru & ~(3 << shift)) | (bits << shift)
    }
}

extension CPU {
    /// True when `pkru` denies the access `kind` to the cached page of `meta` (user pages only;
    /// fetches are never checked).
    @inline(__always)
    func keyDenies(_ pkru: UInt32, meta: UInt32, _ kind: AccessKind) -> Bool {
        guard kind != .execute, meta & TLBMeta.user != 0 else { return false }
        return ProtectionKeys.denies(pkru, key: Int((meta & TLBMeta.keyMask) >> TLBMeta.keyShift), write: kind == .write)
    }

    /// The protection-key fault of an access that hit a TLB entry (`meta`) of a `pageBytes` page.
    func keyFault(_ va: UInt64, _ kind: AccessKind, _ privilege: Privilege, _ space: PageTable,
                  meta: UInt32, pageBytes: UInt64) -> PageFault? {
        var t = Translation()
        let level = machine.mode.leafLevel(pageBytes: pageBytes) ?? machine.mode.levels - 1
        return space.fail(&t, va, kind, privilege, .protectionKey, level: level,
                          key: Int((meta & TLBMeta.keyMask) >> TLBMeta.keyShift)).fault
    }
}
