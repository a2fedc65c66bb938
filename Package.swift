// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "medprep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medprep", targets: ["medprep"]),
        .library(name: "MedPrepCore", targets: ["MedPrepCore"]),
        .library(name: "MedPrepDecode", targets: ["MedPrepDecode"]),
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
        // libpng / libtiff system libraries and the C shims that contain longjmp, varargs and callbacks.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .target(name: "PNGShim", dependencies: ["CPNG"]),
        .target(name: "TIFFShim", dependencies: ["CTIFF"]),
        // Decoders: PNG, TIFF (and NIfTI) into Scan.
        .target(name: "MedPrepDecode", dependencies: ["MedPrepCore", "PNGShim", "TIFFShim"]),
        .testTarget(name: "MedPrepDecodeTests", dependencies: ["MedPrepDecode"]),
    ]
)
