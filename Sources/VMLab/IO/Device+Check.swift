/// The device's invariant checker.
extension Device {
    /// Verifies the device's bookkeeping against its I/O page table in RAM and returns every
    /// violation found (empty when all is well):
    /// - every mapped page has a present I/O PTE to its address, writable exactly when the
    ///   device may write, and the table maps nothing else (`mappedBytes`);
    /// - every IOTLB entry translates a mapped page to its host page, with no more permission
    ///   than the mapping grants (a stale entry after an unmap would let the device reach a
    ///   frame it no longer owns);
    /// - every process page the device holds is held in its machine's `dmaPins` and is pinned
    ///   or referenced there; for a guest's device every host frame is held and pinned.
    public func check() -> [String] {
        guard isOpen else { return [] }
        var problems: [String] = []
        for (iova, mapping) in mappings.sorted(by: { $0.key < $1.key }) {
            let name = "device '\(name)': iova \(Units.hex(iova))"
            guard let found = try? table.lookup(iova) else { problems.append("\(name) has no I/O PTE"); continue }
            if found.pagePA != mapping.address {
                problems.append("\(name) maps \(Units.hex(found.pagePA)) in the table but \(Units.hex(mapping.address)) in the record")
            }
            if found.pte.writable != mapping.access.allowsWrite {
                problems.append("\(name): the PTE's W bit disagrees with access \(mapping.access.rawValue)")
            }
            if let frame = mapping.processFrame, !target.dmaPins.isHeld(frame) {
                problems.append("\(name): process frame \(Units.hex(frame)) is not held in dmaPins")
            }
            if let frame = mapping.hostFrame {
                let pinned = (try? host.memory.info(frame: frame))?.pinned ?? false
                if !host.dmaPins.isHeld(frame) || !pinned { problems.append("\(name): host frame \(Units.hex(frame)) is not pinned") }
            }
        }
        if table.mappedBytes != UInt64(mappings.count) * pageBytes {
            problems.append("device '\(name)': the I/O table maps \(table.mappedBytes) bytes, the records \(mappings.count) pages")
        }
        for entry in iotlb.dump() {
            let iova = entry.vpn << UInt64(host.mode.pageBits)
            let name = "device '\(name)': IOTLB entry for \(Units.hex(iova))"
            guard let mapping = mappings[iova] else { problems.append("\(name) is stale: the page is not mapped"); continue }
            var hostPage = mapping.address
            if let guest { hostPage = ((try? guest.hostAddress(gpa: mapping.address)) ?? nil) ?? UInt64.max }
            if entry.physicalBase != hostPage {
                problems.append("\(name) points at \(Units.hex(entry.physicalBase)), the mapping at \(Units.hex(hostPage))")
            }
            if entry.writable && !mapping.access.allowsWrite || entry.readable && !mapping.access.allowsRead {
                problems.append("\(name) grants more than access \(mapping.access.rawValue)")
            }
        }
        return problems
    }
}
