// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "clusterd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clusterd", targets: ["clusterd"]),
        .executable(name: "clusterctl", targets: ["clusterctl"]),
        .library(name: "ClusterModel", targets: ["ClusterModel"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "Varlink", targets: ["Varlink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // Property tests with generated inputs, reproducible from the seed a failure prints.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Pure domain: identifiers, events, commands, decisions, projections. No I/O.
        .target(
            name: "ClusterModel",
            dependencies: [.product(name: "HashTreeCollections", package: "swift-collections")],
            exclude: ["Reference/naf-rev2.csv", "Reference/regions.csv", "Reference/departments.csv"]
        ),

        // A lock ThreadSanitizer understands (see Sources/Locking/Locked.swift).
        .target(name: "Locking"),
        // Domain-agnostic append-only log: bytes in, bytes out.
        .target(
            name: "EventLog",
            dependencies: [
                "Locking",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The Varlink protocol: JSON, framing, IDL, server on NIO, client.
        .target(
            name: "Varlink",
            dependencies: [
                "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "Systemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "ClusterDaemon",
            dependencies: [
                "ClusterModel", "EventLog", "Varlink", "Systemd", "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // SHA-256 of request fingerprints.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        .executableTarget(
            name: "clusterd",
            dependencies: [
                "ClusterDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "clusterctl",
            dependencies: [
                "ClusterDaemon", "ClusterModel", "EventLog", "Varlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // Import files (issue 21 asked for a maintained CSV parser).
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ]
        ),

        // Benchmarks, run by Scripts/bench in release mode; kept out of the tests.
        .executableTarget(
            name: "clusterd-bench",
            dependencies: [
                "ClusterModel", "EventLog", "ClusterDaemon", "Varlink", "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets: temporary directories, the real daemon as a child process.
        .target(name: "ClusterdTestSupport", path: "Tests/ClusterdTestSupport"),

        .testTarget(
            name: "ClusterModelTests",
            dependencies: ["ClusterModel", "Locking", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: ["EventLog", "ClusterdTestSupport", "Locking", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "VarlinkTests",
            dependencies: [
                "Varlink", "ClusterdTestSupport", "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", "ClusterdTestSupport"]),
        .testTarget(
            name: "ClusterDaemonTests",
            dependencies: [
                "ClusterDaemon", "ClusterModel", "EventLog", "Varlink", "ClusterdTestSupport", "Locking", "clusterd", "clusterctl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// Strict Swift 6 everywhere, as swift-log does: one loop, every target.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
