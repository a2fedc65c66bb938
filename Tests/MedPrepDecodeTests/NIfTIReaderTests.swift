import Foundation
import Testing
import MedPrepCore
@testable import MedPrepDecode

@Suite struct NIfTIReaderTests {
    @Test func fixturesArePresent() {
        #expect(NIfTIFixtures.validNames.count >= 30)
        #expect(NIfTIFixtures.malformedNames.count >= 20)
    }

    /// Every valid fixture decodes to nibabel's values (exactly, after float64 → float32 rounding), shape,
    /// affine (1e-5), spacing, affine source, codes, datatype and scaling.
    @Test(arguments: NIfTIFixtures.validNames)
    func matchesNibabel(name: String) throws {
        let expected = try #require(NIfTIFixtures.expected[name])
        let scan = try NIfTIReader.read(path: NIfTIFixtures.path(name))
        #expect(scan.path == NIfTIFixtures.path(name))
        #expect(scan.tensor.shape.sampleDimensions == expected.shape)
        #expect(scan.tensor.shape.n == 1)
        let values = expected.values
        #expect(values.count == scan.tensor.storage.count)
        let mismatches = zip(values, scan.tensor.storage).filter { Float($0.0) != $0.1 }.count
        #expect(mismatches == 0, "\(mismatches) values differ from nibabel")

        let affine = expected.affine.flatMap { $0 }
        let affineError = zip(affine, scan.geometry.affine.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(affineError < 1e-5, "affine \(scan.geometry.affine.rows) vs nibabel \(affine)")
        let spacing = expected.spacing
        #expect(zip(spacing, scan.geometry.spacing).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(scan.geometry.affineSource.rawValue == expected.affineSource)
        #expect(scan.geometry.sformCode == expected.sformCode)
        #expect(scan.geometry.qformCode == expected.qformCode)
        #expect((scan.geometry.sform != nil) == (scan.geometry.sformCode > 0))
        #expect((scan.geometry.qform != nil) == (scan.geometry.qformCode > 0))
        #expect(scan.header.dataType == expected.dataType)
        #expect(scan.header.format.rawValue == expected.format)
        if let scaling = expected.scaling {
            #expect(scan.header.scaling == IntensityScaling(slope: scaling.slope, intercept: scaling.intercept))
        } else {
            #expect(scan.header.scaling == nil)
        }

        let count = Double(scan.tensor.storage.count)
        let mean = scan.tensor.storage.reduce(0.0) { $0 + Double($1) } / count
        let variance = scan.tensor.storage.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        let expectedMean = expected.mean, expectedStd = expected.std
        #expect(abs(mean - expectedMean) <= 1e-6 * max(1, abs(expectedStd)) + 1e-5 * abs(expectedMean))
        #expect(abs(variance.squareRoot() - expectedStd) <= 1e-5 * max(1, expectedStd))
        #expect(scan.tensor.storage.min() == Float(expected.min))
        #expect(scan.tensor.storage.max() == Float(expected.max))
    }

    /// Single-file fixtures decode the same from memory.
    /// Plain files are converted a chunk of voxels at a time; with chunks of 40 bytes (not a multiple of the
    /// eight-voxel SIMD step, and not dividing the data) every uncompressed fixture still gives nibabel's values.
    @Test(arguments: NIfTIFixtures.validNames.filter { !$0.hasSuffix(".gz") })
    func smallConversionChunksMatchNibabel(name: String) throws {
        let expected = try #require(NIfTIFixtures.expected[name])
        let scan = try NIfTIReader.read(path: NIfTIFixtures.path(name), limits: .default, conversionChunk: 40)
        #expect(scan.tensor.shape.sampleDimensions == expected.shape)
        #expect(expected.values.count == scan.tensor.storage.count)
        let mismatches = zip(expected.values, scan.tensor.storage).filter { Float($0.0) != $0.1 }.count
        #expect(mismatches == 0, "\(mismatches) values differ from nibabel")
    }

    @Test(arguments: NIfTIFixtures.validNames.filter { $0.hasSuffix(".nii") || $0.hasSuffix(".nii.gz") })
    func decodesFromMemory(name: String) throws {
        let fromFile = try NIfTIReader.read(path: NIfTIFixtures.path(name))
        let fromBytes = try NIfTIReader.decode(bytes: NIfTIFixtures.bytes(name), path: name)
        #expect(fromBytes.tensor == fromFile.tensor)
        #expect(fromBytes.geometry == fromFile.geometry)
        #expect(fromBytes.header == fromFile.header)
    }

    /// Malformed files fail with the expected kind, naming the file, both from disk and from memory.
    @Test(arguments: NIfTIFixtures.malformedNames)
    func refusesMalformed(name: String) throws {
        let kind = try #require(NIfTIFixtures.malformed[name].flatMap(MedPrepError.Kind.init(rawValue:)))
        let path = NIfTIFixtures.path(name)
        let error = try #require(throws: MedPrepError.self) { try NIfTIReader.read(path: path) }
        #expect(error.kind == kind, "\(error)")
        #expect(error.path == path)
        if !name.hasSuffix(".hdr") {
            let memoryError = try #require(throws: MedPrepError.self) {
                try NIfTIReader.decode(bytes: NIfTIFixtures.bytes(name), path: name)
            }
            #expect(memoryError.kind == kind, "\(memoryError)")
            #expect(memoryError.path == name)
        }
    }

    @Test func complexReasonNamesTheType() throws {
        let error = try #require(throws: MedPrepError.self) { try NIfTIReader.read(path: NIfTIFixtures.path("complex64.nii")) }
        #expect(error.reason.contains("complex64 is not supported"))
    }

    @Test func pairIsFoundFromEitherHalf() throws {
        let fromHeader = try NIfTIReader.read(path: NIfTIFixtures.path("pair_int16.hdr"))
        let fromImage = try NIfTIReader.read(path: NIfTIFixtures.path("pair_int16.img"))
        let fromGzipImage = try NIfTIReader.read(path: NIfTIFixtures.path("pairgz_int16.img.gz"))
        #expect(fromHeader.tensor == fromImage.tensor)
        #expect(fromHeader.tensor == fromGzipImage.tensor)
        #expect(fromImage.path.hasSuffix("pair_int16.img"))
    }

    @Test func voxelCapIsCheckedBeforeDecoding() throws {
        let error = try #require(throws: MedPrepError.self) {
            try NIfTIReader.read(path: NIfTIFixtures.path("dtype_float32.nii"), limits: DecodeLimits(maxVoxels: 59))
        }
        #expect(error.kind == .tooLarge)
        #expect((try? NIfTIReader.read(path: NIfTIFixtures.path("dtype_float32.nii"), limits: DecodeLimits(maxVoxels: 60))) != nil)
    }

    @Test func gzipBombIsRefusedByTheStreamBound() throws {
        let error = try #require(throws: MedPrepError.self) { try NIfTIReader.read(path: NIfTIFixtures.path("bomb_under_cap.nii.gz")) }
        #expect(error.reason.contains("more than this gzip file can hold"))
    }

    @Test func missingFileIsAnIOError() throws {
        let error = try #require(throws: MedPrepError.self) { try NIfTIReader.read(path: NIfTIFixtures.path("absent.nii")) }
        #expect(error.kind == .io)
    }

    @Test func recognizesHeadersOnly() {
        for name in ["dtype_int16.nii", "be_int16.nii", "nifti2_be_float32.nii", "gz_float32.nii.gz", "pair_int16.hdr"] {
            #expect(NIfTIReader.recognizes(prefix: Array(NIfTIFixtures.bytes(name).prefix(600))), "\(name)")
        }
        #expect(NIfTIReader.recognizes(prefix: Array(NIfTIFixtures.bytes("gz_float32.nii.gz").prefix(100))))
        for name in ["bad_magic.nii", "bad_sizeof_hdr.nii", "empty.nii", "truncated_header.nii"] {
            #expect(!NIfTIReader.recognizes(prefix: NIfTIFixtures.bytes(name)), "\(name)")
        }
        #expect(!NIfTIReader.recognizes(prefix: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
        #expect(!NIfTIReader.recognizes(prefix: [0x1f, 0x8b]))
    }

    /// Every prefix of a valid file either decodes or throws; none crashes.
    @Test func everyTruncationThrows() {
        for name in ["dtype_int16.nii", "gz_float32.nii.gz", "nifti2_int16.nii"] {
            let bytes = NIfTIFixtures.bytes(name)
            for length in stride(from: 0, to: bytes.count, by: 7) {
                #expect(throws: MedPrepError.self) { try NIfTIReader.decode(bytes: Array(bytes.prefix(length)), path: name) }
            }
        }
    }
}
