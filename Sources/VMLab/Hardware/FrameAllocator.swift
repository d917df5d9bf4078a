#if canImport(Glibc)
import Glibc
#endif

/// A buddy allocator over frame numbers `0..<frameCount`. A block of order k is 2^k contiguous
/// frames starting at a frame number divisible by 2^k; its buddy is the block at
/// `frame ^ (1 << k)`. Allocation takes the smallest order that has a free block, picks the
/// lowest-addressed block there and splits it, returning the upper halves to the lower orders;
/// freeing merges a block with its buddy as long as the buddy is free too.
///
/// Free blocks are kept as one bitmap per order (bit i = block starting at frame i << k is
/// free), scanned from a per-order hint, so the choice is deterministic (lowest address first)
/// and no per-frame structure is built up front. A second bitmap per order remembers allocated
/// blocks, which makes double frees and frees of the wrong order detectable errors.
/// Bitmaps come from `calloc`, so untouched parts cost no host memory.
public final class FrameAllocator {
    /// Number of frames managed.
    public let frameCount: UInt64
    /// Largest order (the biggest block is 2^maxOrder frames).
    public let maxOrder: Int
    /// Number of free frames.
    public private(set) var freeFrames: UInt64 = 0
    /// Number of free blocks of each order, index = order (for fragmentation statistics).
    public var freeBlocks: [Int] { Array(UnsafeBufferPointer(start: blockCounts, count: maxOrder + 1)) }

    /// `freeBlocks[order]`, without building the list.
    public func freeBlocks(order: Int) -> Int { order >= 0 && order <= maxOrder ? blockCounts[order] : 0 }

    // Per order, in raw memory: every eviction frees a frame and every fault allocates one, and
    // arrays in class properties cost a uniqueness check and a bounds check at each step.
    /// Free blocks of each order (`freeBlocks`).
    private let blockCounts: UnsafeMutablePointer<Int>
    private let freeBits: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    private let allocatedBits: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    private let wordCounts: UnsafeMutablePointer<Int>
    /// The first word of each order's `freeBits` that may hold a free block.
    private let hints: UnsafeMutablePointer<Int>

    /// An allocator with every frame free. `maxOrder` is clamped so that a block of that order
    /// fits in memory (at least 0).
    public init(frameCount: UInt64, maxOrder: Int) {
        self.frameCount = frameCount
        var top = max(0, min(maxOrder, 62))
        while top > 0 && (UInt64(1) << UInt64(top)) > frameCount { top -= 1 }
        self.maxOrder = top
        blockCounts = .allocate(capacity: top + 1); blockCounts.initialize(repeating: 0, count: top + 1)
        wordCounts = .allocate(capacity: top + 1)
        hints = .allocate(capacity: top + 1); hints.initialize(repeating: 0, count: top + 1)
        freeBits = .allocate(capacity: top + 1)
        allocatedBits = .allocate(capacity: top + 1)
        for order in 0...top {
            let blocks = frameCount >> UInt64(order)
            let words = Int((blocks + 63) / 64)
            (wordCounts + order).initialize(to: words)
            (freeBits + order).initialize(to: Self.zeroedWords(words))
            (allocatedBits + order).initialize(to: Self.zeroedWords(words))
        }
        // Cover memory with the largest aligned blocks, lowest address first.
        var frame: UInt64 = 0
        while frame < frameCount {
            var order = top
            while order > 0 && (frame & Self.blockMask(order) != 0 || frame + Self.blockFrames(order) > frameCount) {
                order -= 1
            }
            markFree(frame, order: order)
            frame += Self.blockFrames(order)
        }
    }

    deinit {
        for order in 0...maxOrder { Glibc.free(freeBits[order]); Glibc.free(allocatedBits[order]) }
        freeBits.deallocate(); allocatedBits.deallocate()
        blockCounts.deallocate(); wordCounts.deallocate(); hints.deallocate()
    }

    private static func zeroedWords(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        let raw = calloc(max(count, 1), MemoryLayout<UInt64>.stride)
        return raw!.bindMemory(to: UInt64.self, capacity: max(count, 1))  // calloc only fails when the host is out of memory
    }

    /// Number of frames in a block of `order`.
    @inline(__always)
    public static func blockFrames(_ order: Int) -> UInt64 { UInt64(1) << UInt64(order) }

    @inline(__always)
    private static func blockMask(_ order: Int) -> UInt64 { blockFrames(order) - 1 }

    // MARK: bitmap helpers

    @inline(__always)
    private func testBit(_ bits: UnsafeMutablePointer<UInt64>, _ index: UInt64) -> Bool {
        bits[Int(index >> 6)] & (1 << (index & 63)) != 0
    }

    @inline(__always)
    private func setBit(_ bits: UnsafeMutablePointer<UInt64>, _ index: UInt64, _ on: Bool) {
        if on { bits[Int(index >> 6)] |= 1 << (index & 63) } else { bits[Int(index >> 6)] &= ~(1 << (index & 63)) }
    }

    private func markFree(_ frame: UInt64, order: Int) {
        let index = frame >> UInt64(order)
        setBit(freeBits[order], index, true)
        hints[order] = min(hints[order], Int(index >> 6))
        blockCounts[order] += 1
        freeFrames += Self.blockFrames(order)
    }

    private func unmarkFree(_ frame: UInt64, order: Int) {
        setBit(freeBits[order], frame >> UInt64(order), false)
        blockCounts[order] -= 1
        freeFrames -= Self.blockFrames(order)
    }

    /// The lowest free block of `order`, or nil.
    private func lowestFree(order: Int) -> UInt64? {
        guard blockCounts[order] > 0 else { return nil }
        let bits = freeBits[order]
        var word = hints[order]
        while word < wordCounts[order] {
            if bits[word] != 0 {
                hints[order] = word
                let index = UInt64(word) * 64 + UInt64(bits[word].trailingZeroBitCount)
                return index << UInt64(order)
            }
            word += 1
        }
        hints[order] = wordCounts[order]
        return nil
    }

    // MARK: allocation

    /// Allocates 2^order contiguous frames aligned to their size and returns the first frame
    /// number, or nil when no block is large enough (the caller reports `outOfMemory`).
    public func allocate(order: Int) -> UInt64? {
        guard order >= 0, order <= maxOrder else { return nil }
        var from = order
        while from <= maxOrder && blockCounts[from] == 0 { from += 1 }
        guard from <= maxOrder, let frame = lowestFree(order: from) else { return nil }
        unmarkFree(frame, order: from)
        // Split: keep the lower half, give the upper half back one order down.
        var current = from
        while current > order {
            current -= 1
            markFree(frame + Self.blockFrames(current), order: current)
        }
        setBit(allocatedBits[order], frame >> UInt64(order), true)
        return frame
    }

    /// Returns the block of 2^order frames starting at `frame`, merging it with free buddies.
    /// Throws `badFree` when the block was not allocated with this order (double free, wrong order).
    public func free(frame: UInt64, order: Int) throws(VMError) {
        guard order >= 0, order <= maxOrder else { throw .invalidOrder(order: order, maxOrder: maxOrder) }
        guard frame < frameCount else { throw .frameBeyondMemory(frame: frame, frameCount: frameCount) }
        guard frame & Self.blockMask(order) == 0 else {
            throw .badFree(frame: frame, order: order, reason: "not aligned to a block of \(Self.blockFrames(order)) frames")
        }
        guard frame + Self.blockFrames(order) <= frameCount, testBit(allocatedBits[order], frame >> UInt64(order)) else {
            throw .badFree(frame: frame, order: order, reason: "no block of this order is allocated there (double free?)")
        }
        setBit(allocatedBits[order], frame >> UInt64(order), false)
        var block = frame
        var current = order
        while current < maxOrder {
            let buddy = block ^ Self.blockFrames(current)
            guard buddy + Self.blockFrames(current) <= frameCount,
                  testBit(freeBits[current], buddy >> UInt64(current)) else { break }
            unmarkFree(buddy, order: current)
            block = min(block, buddy)
            current += 1
        }
        markFree(block, order: current)
    }

    /// Turns the allocated block of `order` at `frame` into 2^order allocated blocks of order 0
    /// (Linux's `split_page`), so that its frames can be freed one at a time. Throws `badFree`
    /// when no block of that order is allocated there.
    public func splitAllocated(frame: UInt64, order: Int) throws(VMError) {
        guard isAllocated(frame: frame, order: order) else {
            throw .badFree(frame: frame, order: order, reason: "no block of this order is allocated there to split")
        }
        setBit(allocatedBits[order], frame >> UInt64(order), false)
        for f in frame..<(frame + Self.blockFrames(order)) { setBit(allocatedBits[0], f, true) }
    }

    /// True when the block of `order` at `frame` is currently allocated with exactly that order.
    public func isAllocated(frame: UInt64, order: Int) -> Bool {
        guard order >= 0, order <= maxOrder, frame < frameCount, frame & Self.blockMask(order) == 0 else { return false }
        return testBit(allocatedBits[order], frame >> UInt64(order))
    }

    /// The largest order with a free block, or nil when memory is full.
    public var largestFreeOrder: Int? { (0...maxOrder).last { blockCounts[$0] > 0 } }
}

// MARK: snapshots

extension FrameAllocator {
    /// The allocator's bitmaps and counts at one moment (see `MachineSnapshot`).
    public struct Image {
        let frameCount: UInt64
        let freeFrames: UInt64
        let freeBlocks: [Int]
        let freeBits: [[UInt64]]
        let allocatedBits: [[UInt64]]
        let hints: [Int]
    }

    /// A copy of the allocator's state.
    func capture() -> Image {
        func copy(_ words: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>) -> [[UInt64]] {
            (0...maxOrder).map { Array(UnsafeBufferPointer(start: words[$0], count: max(wordCounts[$0], 1))) }
        }
        return Image(frameCount: frameCount, freeFrames: freeFrames, freeBlocks: freeBlocks,
                     freeBits: copy(freeBits), allocatedBits: copy(allocatedBits),
                     hints: Array(UnsafeBufferPointer(start: hints, count: maxOrder + 1)))
    }

    /// Puts back a state from `capture()` of an allocator over the same frames.
    func restore(_ image: Image) {
        precondition(image.frameCount == frameCount && image.freeBits.count == maxOrder + 1,
                     "an allocator image is restored only into an allocator of the same machine")
        for order in 0...maxOrder {
            freeBits[order].update(from: image.freeBits[order], count: image.freeBits[order].count)
            allocatedBits[order].update(from: image.allocatedBits[order], count: image.allocatedBits[order].count)
            blockCounts[order] = image.freeBlocks[order]
            hints[order] = image.hints[order]
        }
        freeFrames = image.freeFrames
    }
}
