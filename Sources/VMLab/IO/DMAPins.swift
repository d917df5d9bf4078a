/// The frames of one machine held by device mappings (Linux's pin_user_pages): each holder took
/// a reference on the frame — so it outlives a munmap by its process — and the frame is pinned
/// (never evicted or moved) while a holder that asked to pin it maps it. `Kernel.check` counts
/// these references as the frame's owners do.
public final class DMAPins {
    /// Per frame: device references taken and whether devices set the pinned flag.
    struct Hold {
        var references: Int32 = 0
        var holders: Int32 = 0
        var flagSetByDevices = false
    }

    var holds: [UInt64: Hold] = [:]

    /// No frame held.
    public init() {}

    /// Device references per frame (what `Kernel.check` adds to the expected refcounts).
    public var references: [UInt64: Int32] {
        holds.compactMapValues { $0.references > 0 ? $0.references : nil }
    }

    /// Device references on `frame` (0 when no device holds it).
    public func references(_ frame: UInt64) -> Int32 { holds[frame]?.references ?? 0 }

    /// Number of frames held by some device mapping.
    public var count: Int { holds.count }

    /// Records a holder of `frame` in `machine`: takes a reference when `reference` (process
    /// pages: `kernel` adjusts the count) and sets the pinned flag when `pin` and it is clear.
    func hold(_ frame: UInt64, in machine: Machine, kernel: Kernel?, reference: Bool, pin: Bool) {
        var h = holds[frame] ?? Hold()
        h.holders += 1
        if reference, let kernel {
            kernel.adjustFrame(frame, refs: 1, maps: 0)
            h.references += 1
        }
        if pin, let info = try? machine.memory.info(frame: frame), !info.pinned {
            try? machine.memory.updateInfo(frame: frame) { $0.pinned = true }
            h.flagSetByDevices = true
        }
        holds[frame] = h
    }

    /// Drops a holder of `frame` recorded by `hold` with the same `reference`: clears the pinned
    /// flag when the last holder goes and devices set it, then drops the reference (which frees
    /// the frame when its process unmapped it meanwhile).
    func release(_ frame: UInt64, in machine: Machine, kernel: Kernel?, reference: Bool) {
        guard var h = holds[frame] else { return }
        h.holders -= 1
        if h.holders <= 0 && h.flagSetByDevices {
            try? machine.memory.updateInfo(frame: frame) { $0.pinned = false }
            h.flagSetByDevices = false
        }
        if reference, let kernel, h.references > 0 {
            h.references -= 1
            holds[frame] = h.holders <= 0 ? nil : h
            kernel.adjustFrame(frame, refs: -1, maps: 0)
        } else {
            holds[frame] = h.holders <= 0 ? nil : h
        }
    }

    /// True when a device holder set or found `frame` pinned.
    public func isHeld(_ frame: UInt64) -> Bool { holds[frame] != nil }
}
