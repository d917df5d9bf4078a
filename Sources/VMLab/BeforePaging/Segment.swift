/// One contiguous piece of a program in physical memory: base/limit relocation with a
/// protection (a whole program is one segment; segmentation gives it several).
public struct Segment: Sendable, Equatable {
    /// Name: `"all"` for a program loaded in one piece, else `"code"`, `"data"`, `"stack"`…
    public var name: String
    /// Physical address of its first byte (the base register).
    public var base: UInt64
    /// Its size in bytes (the limit register: offsets `0 ..< limit` are valid).
    public var limit: UInt64
    public var readable = true
    public var writable = true
    public var executable = true
    /// A stack: grows toward lower addresses, so valid offsets are counted down from the top
    /// (an offset `o` means the byte at `limit − 1 − o`); only for showing the idea.
    public var growsDown = false

    public init(name: String, base: UInt64 = 0, limit: UInt64, readable: Bool = true, writable: Bool = true,
                executable: Bool = true, growsDown: Bool = false) {
        self.name = name; self.base = base; self.limit = limit
        self.readable = readable; self.writable = writable; self.executable = executable; self.growsDown = growsDown
    }

    /// `rwx` with `-` for what is denied.
    public var protectionText: String {
        (readable ? "r" : "-") + (writable ? "w" : "-") + (executable ? "x" : "-")
    }
}
