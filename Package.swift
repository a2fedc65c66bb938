// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "medprep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medprep", targets: ["medprep"]),
        .library(name: "MedPrepCore", targets: ["MedPrepCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Tensor, scan geometry, errors, limits, atomic file output.
        .target(name: "MedPrepCore"),
        .executableTarget(
            name: "medprep",
            dependencies: [
                "MedPrepCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MedPrepCoreTests", dependencies: ["MedPrepCore"]),
        // Pipeline files (YAML), input discovery, incremental state (SQLite), run lock, SHA-256.
        .target(
            name: "MedPrepPipeline",
            dependencies: [
                "MedPrepCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "MedPrepPipelineTests", dependencies: ["MedPrepPipeline"], exclude: ["Fixtures"]),
    ]
)
