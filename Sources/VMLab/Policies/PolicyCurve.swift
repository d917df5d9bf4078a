/// Misses of one policy over a range of frame counts, with Belady's anomaly flagged.
public struct PolicyCurve: Equatable, Sendable {
    /// A point where more frames gave more misses than the point before.
    public struct Anomaly: Equatable, Sendable {
        /// The frame count at which misses grew.
        public var frames: Int
        /// Misses at `frames`.
        public var misses: Int
        /// Misses at the previous (smaller) frame count.
        public var previous: Int
    }

    /// One result per frame count, in increasing order.
    public var points: [PolicyResult]

    /// Every point whose misses exceed those of the point before it.
    public var anomalies: [Anomaly] {
        guard points.count > 1 else { return [] }
        return (1..<points.count).compactMap { i in
            points[i].misses > points[i - 1].misses
                ? Anomaly(frames: points[i].frames, misses: points[i].misses, previous: points[i - 1].misses) : nil
        }
    }

    /// A curve of these points.
    public init(points: [PolicyResult]) { self.points = points }
}
