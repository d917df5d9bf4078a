/// Which virtual addresses a mode accepts.
public enum CanonicalRule: Sendable, Equatable {
    /// Bits 63 down to `vaBits - 1` must all be equal (x86_64, LA57, Sv39/48/57).
    case signExtended
    /// Only the low `vaBits` bits may be set (32-bit modes, custom modes).
    case zeroExtended
}
