import Foundation

/// How much the property tests run: a fast set by default, a long one when the environment has
/// VMLAB_LONG_TESTS=1 (`Scripts/test --long`).
enum TestScale {
    static let isLong = ProcessInfo.processInfo.environment["VMLAB_LONG_TESTS"] == "1"
}
