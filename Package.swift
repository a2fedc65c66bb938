// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "medprep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medprep", targets: ["medprep"]),
        .library(name: "MedPrepCore", targets: ["MedPrepCore"]),
        .library(name: "MedPrepNormalize", targets: ["MedPrepNormalize"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        // GroupNorm, dataset statistics and normalizers over tensors (no file I/O).
        .target(name: "MedPrepNormalize", dependencies: ["MedPrepCore"]),
        .testTarget(name: "MedPrepNormalizeTests", dependencies: ["MedPrepNormalize", "MedPrepCore"]),
        .executableTarget(name: "NormalizeBenchmark", dependencies: ["MedPrepNormalize", "MedPrepCore"],
                          path: "Benchmarks/NormalizeBenchmark"),
    ]
)
