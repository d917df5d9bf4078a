extension TLB {
    /// A structure's entries, replacement state, random generator and counters at one moment.
    struct Image {
        let keys: [UInt64]
        let bases: [UInt64]
        let metas: [UInt32]
        let stamps: [UInt64]
        let tree: [UInt8]
        let state: TLBState
        let sizeCounts: [Int]
    }

    /// A copy of everything this structure holds.
    func capture() -> Image {
        func copy<T>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> [T] { Array(UnsafeBufferPointer(start: p, count: n)) }
        return Image(keys: copy(keys, entries), bases: copy(bases, entries), metas: copy(metas, entries),
                     stamps: copy(stamps, entries), tree: copy(tree, replacement == .plru ? entries : 1),
                     state: state.pointee, sizeCounts: copy(sizeCounts, max(1, heldCount)))
    }

    /// Puts back what `capture()` of a structure of the same geometry held.
    func restore(_ image: Image) {
        precondition(image.keys.count == entries && image.sizeCounts.count == max(1, heldCount),
                     "a TLB image is restored only into a structure of the same geometry")
        keys.update(from: image.keys, count: entries)
        bases.update(from: image.bases, count: entries)
        metas.update(from: image.metas, count: entries)
        stamps.update(from: image.stamps, count: entries)
        tree.update(from: image.tree, count: image.tree.count)
        state.pointee = image.state
        sizeCounts.update(from: image.sizeCounts, count: image.sizeCounts.count)
        recountSizes()   // the victim order derives from the stamps
    }
}
