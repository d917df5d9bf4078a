/// What a memory access does: it decides which permission the walker checks.
public enum AccessKind: String, Sendable, Equatable {
    /// A data load.
    case read
    /// A data store: needs a writable page; sets the Dirty bit.
    case write
    /// An instruction fetch: needs an executable page (NX clear / X set).
    case execute
}

/// The privilege level of an access: user pages are open to both, supervisor pages to supervisor only.
public enum Privilege: String, Sendable, Equatable {
    /// CPL 3 / U-mode.
    case user
    /// CPL 0 / S-mode (kernel).
    case supervisor
}
