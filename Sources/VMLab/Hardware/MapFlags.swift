/// Permissions and attributes of a mapping, independent of the PTE layout. Pages are always
/// readable; flags a mode lacks are ignored (x86_32 cannot forbid execution; a 1-byte textbook
/// PTE has no permission bits at all).
public struct MapFlags: Sendable, Equatable {
    /// Writes allowed.
    public var writable = false
    /// User-mode access allowed (else supervisor only).
    public var user = false
    /// Instruction fetch allowed (x86: NX clear).
    public var executable = false
    /// Global mapping (kept across address-space switches).
    public var global = false
    /// x86 PWT.
    public var writeThrough = false
    /// x86 PCD.
    public var cacheDisable = false
    /// x86 PKU protection key, 0…15 (modes without keys ignore it).
    public var protectionKey = 0

    /// Flags as given; the default is a read-only, supervisor, non-executable page.
    public init(writable: Bool = false, user: Bool = false, executable: Bool = false,
                global: Bool = false, writeThrough: Bool = false, cacheDisable: Bool = false, protectionKey: Int = 0) {
        self.writable = writable; self.user = user; self.executable = executable
        self.global = global; self.writeThrough = writeThrough; self.cacheDisable = cacheDisable
        self.protectionKey = protectionKey
    }
}
