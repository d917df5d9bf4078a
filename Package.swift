// swift-tools-version:6.0
// vmlab: a virtual-memory laboratory. See README.md and shared/DESIGN.md §2 for the layout.
import PackageDescription

/// The model's release build skips Swift's run-time exclusivity checks. Its kernel keeps its
/// state in class properties that every access and fault reads and writes (counters, the
/// reclaim tables, the swap device…), and each of those reads and writes cost a call into the
/// runtime's access set: 45 % of the instructions of an access that hits, 35 % of one that
/// faults under memory pressure. The debug build, on which every test runs, keeps the checks,
/// so a conflicting access still fails the suite.
let releaseModelSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "vmlab",
    products: [
        .library(name: "LuaKit", targets: ["LuaKit"]),
        .library(name: "VMLab", targets: ["VMLab"]),
        .library(name: "VMLabLua", targets: ["VMLabLua"]),
        .executable(name: "vmlab", targets: ["vmlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua", pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(
            name: "CEditLine", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "LuaKit", dependencies: ["CLuaShim", "CLua"]),
        .target(name: "VMLab", swiftSettings: releaseModelSettings),
        .target(name: "VMLabLua", dependencies: ["VMLab", "LuaKit"]),
        .executableTarget(
            name: "vmlab",
            dependencies: [
                "VMLabLua", "LuaKit", "VMLab", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        .testTarget(name: "VMLabTests", dependencies: ["VMLab"]),
        .testTarget(name: "VMLabLuaTests", dependencies: ["VMLabLua", "LuaKit", "VMLab"]),
        .testTarget(name: "EndToEndTests", dependencies: ["vmlab"]),
    ]
)
