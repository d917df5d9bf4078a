/// What a software TLB refill handler did.
public enum TLBRefillOutcome: Sendable, Equatable {
    /// It wrote an entry (`CPU.tlbWriteRandom` / `tlbWriteIndexed`); the access is retried.
    case installed
    /// It found no translation: the access takes a page fault (`FaultReason.refillRefused`).
    case noTranslation
    /// It failed (a script error): the run stops with this message.
    case failed(String)
}
