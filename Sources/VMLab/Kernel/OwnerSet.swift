/// The owner ids a kernel handed to its page tables (and its own), as a bit per id: owner ids
/// come from one counter per machine, so the set is dense, and asking whether a frame belongs to
/// the kernel — once per fault under memory pressure — is a load and a mask, not a hash lookup.
///
/// ```swift
/// var owners = OwnerSet()
/// owners.insert(3)
/// owners.contains(3)   // true
/// owners.contains(4)   // false
/// ```
struct OwnerSet: Equatable {
    private var words: [UInt64] = []

    /// Adds `owner` (ids below zero are never handed out and are ignored).
    mutating func insert(_ owner: Int32) {
        guard owner >= 0 else { return }
        let word = Int(owner) >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word + 1 - words.count)) }
        words[word] |= 1 << UInt64(owner & 63)
    }

    /// Whether `owner` was inserted.
    func contains(_ owner: Int32) -> Bool {
        let word = Int(owner) >> 6
        guard owner >= 0, word < words.count else { return false }
        return words[word] & (1 << UInt64(owner & 63)) != 0
    }
}
