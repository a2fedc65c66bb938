// swift-tools-version:6.0
import PackageDescription

// The flow is decode → transform → normalize → write → report; the pipeline engine composes those stages and the
// `medprep` executable is a thin command line over them. C libraries sit behind system-library targets, with
// small C shims where libpng's longjmp and libtiff's varargs/callbacks must not cross Swift frames.
let package = Package(
    name: "medprep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medprep", targets: ["medprep"]),
        .library(name: "MedPrepCore", targets: ["MedPrepCore"]),
        .library(name: "MedPrepDecode", targets: ["MedPrepDecode"]),
        .library(name: "MedPrepNormalize", targets: ["MedPrepNormalize"]),
        .library(name: "MedPrepPipeline", targets: ["MedPrepPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Tensor (NCDHW float32), scan geometry, errors, decode limits, atomic file output.
        .target(name: "MedPrepCore", dependencies: [.target(name: "CLinuxFile", condition: .when(platforms: [.linux]))]),

        // System libraries and C shims.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        // libnifti (nifti2_io.h only). A C target rather than a system library, so that its include/ directory
        // (which forwards the <znzlib.h> that nifti2_io.h includes) is on every importer's include path without a flag.
        .target(name: "CNIfTI", linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z"),
                                                 .linkedLibrary("m")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),
        // glibc's mallopt, to keep large per-file buffers in the heap.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // Linux fallocate(2) and O_TMPFILE, for outputs: blocks reserved before writing, unnamed until complete.
        .systemLibrary(name: "CLinuxFile", path: "Sources/CLinuxFile"),
        // libcrypto for SHA-256 content hashes of inputs (SHA-NI accelerated); libxxhash for output digests.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .target(name: "PNGShim", dependencies: ["CPNG"]),
        .target(name: "TIFFShim", dependencies: ["CTIFF"]),
        // DCMTK (C++) behind a pure-C API: one DICOM object's header and frames. Debian's dcmtk.pc requires
        // sndfile, which libdcmtk-dev does not install, so the libraries are named here instead of via pkgConfig.
        .target(
            name: "CDICOMShim",
            linkerSettings: ["dcmjpls", "dcmtkcharls", "dcmjpeg", "ijg8", "ijg12", "ijg16", "dcmimage", "dcmimgle",
                             "dcmdata", "oflog", "ofstd", "z", "stdc++"].map { .linkedLibrary($0) }
        ),
        // OpenJPEG (JPEG 2000 in DICOM) behind a pure-C API; the header lives in /usr/include/openjpeg-2.5, which the
        // shim includes by that path, so no search path or flag is needed.
        .target(name: "COpenJPEG", linkerSettings: [.linkedLibrary("openjp2")]),

        // Codecs shared by decode and write: gzip (zlib, libdeflate), DICOM RLE, JPEG 2000 (OpenJPEG), the NIfTI header layout, libnifti's
        // header semantics and quaternion math.
        .target(name: "MedPrepCodecs", dependencies: ["MedPrepCore", "CNIfTI", "CZlib", "CDeflate", "COpenJPEG"]),
        // 1. Decode: PNG, TIFF, NIfTI-1/2 (+ gzip) into Scan, recognised by magic bytes.
        .target(name: "MedPrepDecode", dependencies: ["MedPrepCore", "MedPrepCodecs", "PNGShim", "TIFFShim", "CDICOMShim"]),
        // 2. Transform: per-scan transforms (spatial, intensity, channel) and batch assembly.
        .target(name: "MedPrepTransform", dependencies: ["MedPrepCore"]),
        // 3. Normalize: GroupNorm, dataset statistics and normalizers over tensors (no file I/O).
        .target(name: "MedPrepNormalize", dependencies: ["MedPrepCore"]),
        // 4. Write: NIfTI-1 float32 (.nii, .nii.gz) and .npy.
        .target(name: "MedPrepWrite", dependencies: ["MedPrepCore", "MedPrepCodecs"]),
        // 5. Report: groups.csv, run report JSON/HTML, the normalization comparison.
        .target(name: "MedPrepReport", dependencies: ["MedPrepCore", "MedPrepCodecs", "MedPrepNormalize"]),
        // The pipeline engine: pipeline files (YAML), discovery, incremental state (SQLite), lock, runner.
        .target(
            name: "MedPrepPipeline",
            dependencies: [
                "MedPrepCore", "MedPrepDecode", "MedPrepTransform", "MedPrepNormalize", "MedPrepWrite", "MedPrepReport",
                "COpenSSL", "CXXHash",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The command line.
        .executableTarget(
            name: "medprep",
            dependencies: [
                "MedPrepCore", "MedPrepDecode", "MedPrepTransform", "MedPrepNormalize", "MedPrepWrite", "MedPrepReport",
                "MedPrepPipeline", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "NormalizeBenchmark", dependencies: ["MedPrepNormalize", "MedPrepCore"],
                          path: "Benchmarks/NormalizeBenchmark"),

        // Spawning the built binary and locating the package, shared by the tests that run medprep out of process.
        .target(name: "MedPrepTestSupport", path: "Tests/MedPrepTestSupport"),
        .testTarget(name: "MedPrepCoreTests", dependencies: ["MedPrepCore"]),
        .testTarget(name: "MedPrepCodecsTests", dependencies: ["MedPrepCodecs", "MedPrepCore"], exclude: ["Fixtures"]),
        .testTarget(name: "MedPrepDecodeTests", dependencies: ["MedPrepDecode"], exclude: ["Fixtures"]),
        .testTarget(name: "MedPrepTransformTests", dependencies: ["MedPrepTransform"]),
        .testTarget(name: "MedPrepNormalizeTests", dependencies: ["MedPrepNormalize", "MedPrepCore", "MedPrepTestSupport"]),
        .testTarget(name: "MedPrepWriteTests", dependencies: ["MedPrepWrite", "MedPrepDecode"]),
        .testTarget(name: "MedPrepReportTests",
                    dependencies: ["MedPrepReport", "MedPrepNormalize", "MedPrepDecode", "MedPrepCore", "MedPrepTestSupport"]),
        .testTarget(name: "MedPrepPipelineTests", dependencies: ["MedPrepPipeline", "MedPrepTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MedPrepShardTests",
                    dependencies: ["MedPrepPipeline", "MedPrepNormalize", "MedPrepCore", "MedPrepReport", "MedPrepDecode",
                                   "MedPrepTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "MedPrepRunTests",
                    dependencies: ["MedPrepPipeline", "MedPrepDecode", "MedPrepCore", "MedPrepWrite", "MedPrepTestSupport"]),
        .testTarget(name: "MedPrepHostileTests",
                    dependencies: ["MedPrepDecode", "MedPrepPipeline", "MedPrepCore", "MedPrepTestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)

// libFuzzer harnesses (Fuzz/README.md, `make fuzz`): declared only when MEDPREP_FUZZ=1, because a harness has no
// main of its own and links only with -sanitize=fuzzer.
if Context.environment["MEDPREP_FUZZ"] == "1" {
    package.targets += [
        .executableTarget(name: "FuzzNIfTI", dependencies: ["MedPrepDecode", "MedPrepCore"], path: "Fuzz/FuzzNIfTI"),
        .executableTarget(name: "FuzzPNG", dependencies: ["MedPrepDecode", "MedPrepCore"], path: "Fuzz/FuzzPNG"),
        .executableTarget(name: "FuzzDICOM", dependencies: ["MedPrepDecode", "MedPrepCore"], path: "Fuzz/FuzzDICOM"),
        .executableTarget(name: "FuzzTIFF", dependencies: ["MedPrepDecode", "MedPrepCore"], path: "Fuzz/FuzzTIFF"),
        .executableTarget(name: "FuzzPipelineYAML", dependencies: ["MedPrepPipeline"], path: "Fuzz/FuzzPipelineYAML"),
    ]
}
