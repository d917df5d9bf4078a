/// The simulated file store: named files whose pages are shared through the page cache.
extension Kernel {
    /// Creates file `name` holding `contents`, padded with zeros to `size` bytes (at least the
    /// contents' length). EEXIST-like EINVAL when the name is taken, EINVAL for an empty name.
    @discardableResult
    public func createFile(_ name: String, contents: [UInt8] = [], size: UInt64? = nil) throws(KernelError) -> MemoryObject {
        guard !name.isEmpty else { throw .fail(.EINVAL, "file", "the name is empty") }
        guard files[name] == nil else { throw .fail(.EINVAL, "file", "'\(name)' exists already") }
        let total = max(UInt64(contents.count), size ?? 0)
        guard total <= memory.bytes * 4 else {
            throw .fail(.ENOMEM, "file", "\(Units.size(total)) is more than the file store holds (4 × memory)")
        }
        let file = MemoryObject(name: name, anonymous: false, size: total, contents: contents)
        file.kernel = self
        files[name] = file
        return file
    }

    /// The bytes of `file` as a reader sees them: cached pages (which shared mappings write
    /// into) over the backing bytes.
    public func readFile(_ file: MemoryObject) -> [UInt8] {
        var bytes = file.contents + [UInt8](repeating: 0, count: Int(file.size) - min(Int(file.size), file.contents.count))
        bytes = Array(bytes.prefix(Int(file.size)))
        for (index, frame) in file.cache {
            guard index < UInt64(bytes.count) / pageBytes + 1, index * pageBytes < UInt64(bytes.count) else { continue }
            let from = Int(index * pageBytes)
            let n = min(Int(pageBytes), bytes.count - from)
            if let page = try? memory.readBytes(memory.address(frame: frame), count: n) {
                bytes.replaceSubrange(from..<(from + n), with: page)
            }
        }
        return bytes
    }

    /// Writes the dirty state of the page cache back to the backing bytes (like `sync`):
    /// afterwards `contents` alone holds what readers see. Returns the pages written.
    @discardableResult
    public func syncFile(_ file: MemoryObject) -> Int {
        file.contents = readFile(file)
        return file.cache.count
    }
}
