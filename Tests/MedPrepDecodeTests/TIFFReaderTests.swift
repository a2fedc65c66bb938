import Foundation
import MedPrepCore
@testable import MedPrepDecode
import Testing

@Suite struct TIFFReaderTests {
    @Test func fixtureManifestIsComplete() {
        let names = Set(RasterFixtures.tiff.map(\.file))
        for variant in ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float32", "float64",
                        "deflate_uint16", "deflate_predictor_uint16", "adobe_deflate_int16", "lzw_uint8", "lzw_uint16",
                        "packbits_uint8", "strips_float64", "tiled_uint16", "tiled_planar_rgb8", "bigendian_int16",
                        "bigendian_float32", "bigendian_tiled_uint32", "bigtiff_uint16", "contig_rgb8", "planar_rgb16",
                        "planar_bigendian_int32", "stack_uint16", "stack_rgb8", "stack_bigtiff_float32",
                        "resolution_cm", "resolution_inch"] {
            #expect(names.contains("tiff/\(variant).tif"), "missing fixture \(variant)")
        }
        #expect(RasterFixtures.failures.filter { $0.file.hasSuffix(".tif") }.count >= 15)
    }

    @Test(arguments: RasterFixtures.tiff)
    func decodesExactValues(_ expected: RasterFixtures.Expected) throws {
        let path = RasterFixtures.path(expected.file)
        let scan = try TIFFReader.read(path: path)
        RasterFixtures.verify(scan, against: expected, format: .tiff)
    }

    @Test func uint32AboveTwoToThe31KeepsItsMagnitude() throws {
        let scan = try TIFFReader.read(path: RasterFixtures.path("tiff/uint32.tif"))
        #expect(scan.tensor.storage[1] == 2_147_483_648)
        #expect(scan.tensor.storage[3] == Float(16_777_217 as UInt32))
        #expect(scan.tensor.storage.last == Float(UInt32.max))
    }

    @Test func centimetreResolutionGivesMillimetreSpacing() throws {
        let scan = try TIFFReader.read(path: RasterFixtures.path("tiff/resolution_cm.tif"))
        #expect(scan.geometry.spacing == [2.5, 4.0, 1.0])
        let inch = try TIFFReader.read(path: RasterFixtures.path("tiff/resolution_inch.tif"))
        #expect(inch.geometry.spacing == [1, 1, 1])
    }

    @Test func stackPutsPagesAlongDepth() throws {
        let scan = try TIFFReader.read(path: RasterFixtures.path("tiff/stack_rgb8.tif"))
        #expect(scan.tensor.shape == TensorShape(c: 3, d: 2, h: 5, w: 7))
        #expect(scan.tensor.shape.outputDimensions == [1, 3, 2, 5, 7])
    }

    @Test func planarAndContiguousLayoutsAgree() throws {
        let planar = try TIFFReader.read(path: RasterFixtures.path("tiff/planar_rgb16.tif"))
        let expected = try #require(RasterFixtures.tiff.first { $0.file == "tiff/planar_rgb16.tif" })
        #expect(planar.tensor[0, 2, 0, 8, 12] == Float(expected.values[2 * 9 * 13 + 8 * 13 + 12]))
    }

    @Test func inMemoryDecodeEqualsFileRead() throws {
        let path = RasterFixtures.path("tiff/tiled_planar_rgb8.tif")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let fromMemory = try TIFFReader.decode(bytes: bytes, path: "memory.tif")
        #expect(fromMemory.tensor == (try TIFFReader.read(path: path)).tensor)
        #expect(fromMemory.path == "memory.tif")
    }

    @Test func stackOverTheCapIsRefusedBeforeDecoding() {
        let path = RasterFixtures.path("tiff/stack_uint16.tif")
        RasterFixtures.expectFailure(kind: "too_large", path: path) {
            try TIFFReader.read(path: path, limits: DecodeLimits(maxVoxels: 3 * 35 - 1))
        }
        #expect(throws: Never.self) { try TIFFReader.read(path: path, limits: DecodeLimits(maxVoxels: 3 * 35)) }
    }

    @Test(arguments: RasterFixtures.failures.filter { $0.file.hasSuffix(".tif") })
    func malformedFileThrowsTypedError(_ failure: RasterFixtures.Failure) {
        let path = RasterFixtures.path(failure.file)
        RasterFixtures.expectFailure(kind: failure.kind, path: path) { try TIFFReader.read(path: path) }
    }

    @Test func mismatchedPagesAreBothNamed() throws {
        let path = RasterFixtures.path("bad/pages_differ_size.tif")
        let error = try #require(throws: MedPrepError.self) { try TIFFReader.read(path: path) }
        #expect(error.reason.contains("page 1 is 7×6"))
        #expect(error.reason.contains("page 0 is 7×5"))
    }

    @Test func everyTruncationOfAValidFileFailsCleanly() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RasterFixtures.path("tiff/deflate_uint16.tif"))))
        for length in 0 ..< bytes.count {
            do {
                _ = try TIFFReader.decode(bytes: Array(bytes.prefix(length)), path: "cut.tif")
                Issue.record("a file cut to \(length) of \(bytes.count) bytes decoded")
            } catch let error as MedPrepError {
                #expect(error.path == "cut.tif")
            }
        }
    }

    @Test func concurrentDecodesAreIndependent() async throws {
        let tiffPath = RasterFixtures.path("tiff/lzw_uint16.tif")
        let pngPath = RasterFixtures.path("png/adam7_gray16.png")
        let references = [try TIFFReader.read(path: tiffPath).tensor, try PNGReader.read(path: pngPath).tensor]
        try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
            for index in 0 ..< 16 {
                group.addTask {
                    index % 2 == 0 ? (0, try TIFFReader.read(path: tiffPath).tensor)
                                   : (1, try PNGReader.read(path: pngPath).tensor)
                }
            }
            var count = 0
            for try await (kind, tensor) in group {
                #expect(tensor == references[kind])
                count += 1
            }
            #expect(count == 16)
        }
    }

    @Test func randomByteDamageNeverCrashes() throws {
        try RasterFixtures.expectDamageHandled(files: ["tiff/tiled_planar_rgb8.tif", "tiff/lzw_uint16.tif", "tiff/deflate_predictor_uint16.tif", "tiff/bigtiff_uint16.tif", "tiff/stack_rgb8.tif", "tiff/packbits_uint8.tif"], count: 300) {
            try TIFFReader.decode(bytes: $0, path: $1, limits: $2)
        }
    }
}
