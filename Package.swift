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
        // Spatial/intensity transforms (clip, resample, crop-or-pad, channel selection) and batch assembly.
        .target(name: "MedPrepBatch", dependencies: ["MedPrepCore"]),
        .testTarget(name: "MedPrepBatchTests", dependencies: ["MedPrepBatch"]),
        // libnifti (nifti2_io.h only; its <znzlib.h> include needs -I/usr/include/nifti in importing targets), zlib, libdeflate.
        .systemLibrary(name: "CNIfTI", path: "Sources/CNIfTI"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),
        // Decoders: NIfTI-1/2 (+ gzip).
        .target(
            name: "MedPrepDecode",
            dependencies: ["MedPrepCore", "CNIfTI", "CZlib", "CDeflate"],
            swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/nifti"])]
        ),
        // Writers: NIfTI-1 float32 (.nii, .nii.gz) and .npy.
        .target(name: "MedPrepWrite", dependencies: ["MedPrepCore", "MedPrepDecode"]),
        .testTarget(name: "MedPrepDecodeTests", dependencies: ["MedPrepDecode"], exclude: ["Fixtures"]),
        .testTarget(name: "MedPrepWriteTests", dependencies: ["MedPrepWrite", "MedPrepDecode"]),
        // GroupNorm, dataset statistics and normalizers over tensors (no file I/O).
        .target(name: "MedPrepNormalize", dependencies: ["MedPrepCore"]),
        .testTarget(name: "MedPrepNormalizeTests", dependencies: ["MedPrepNormalize", "MedPrepCore"]),
        .executableTarget(name: "NormalizeBenchmark", dependencies: ["MedPrepNormalize", "MedPrepCore"],
                          path: "Benchmarks/NormalizeBenchmark"),
        // Reports: groups.csv, run report JSON, the normalization comparison (JSON, CSV, HTML).
        .target(name: "MedPrepReport", dependencies: ["MedPrepCore", "MedPrepNormalize"]),
        .testTarget(name: "MedPrepReportTests", dependencies: ["MedPrepReport", "MedPrepNormalize", "MedPrepCore"]),
        // Pipeline files (YAML), input discovery, incremental state (SQLite), run lock, SHA-256.
        .target(
            name: "MedPrepPipeline",
            dependencies: [
                "MedPrepCore",
                "MedPrepDecode",
                "MedPrepBatch",
                "MedPrepNormalize",
                "MedPrepWrite",
                "MedPrepReport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "MedPrepPipelineTests", dependencies: ["MedPrepPipeline"], exclude: ["Fixtures"]),
    ]
)
