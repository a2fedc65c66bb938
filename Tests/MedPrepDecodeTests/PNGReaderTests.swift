import Foundation
import MedPrepCore
@testable import MedPrepDecode
import Testing

@Suite struct PNGReaderTests {
    @Test func fixtureManifestIsComplete() {
        let names = Set(RasterFixtures.png.map(\.file))
        for variant in ["gray1", "gray2", "gray4", "gray8", "gray16", "ga8", "ga16", "rgb8", "rgb16", "rgba8", "rgba16",
                        "palette8", "palette4", "palette8_trns", "adam7_gray16", "adam7_gray2", "adam7_rgba8",
                        "gamma_srgb_gray16", "gamma_rgb16", "trns_gray8", "trns_rgb16"] {
            #expect(names.contains("png/\(variant).png"), "missing fixture \(variant)")
        }
        #expect(RasterFixtures.failures.filter { $0.file.hasSuffix(".png") }.count >= 10)
    }

    @Test(arguments: RasterFixtures.png)
    func decodesExactValues(_ expected: RasterFixtures.Expected) throws {
        let path = RasterFixtures.path(expected.file)
        let scan = try PNGReader.read(path: path)
        RasterFixtures.verify(scan, against: expected, format: .png)
    }

    @Test func inMemoryDecodeEqualsFileRead() throws {
        let path = RasterFixtures.path("png/adam7_rgba8.png")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let fromMemory = try PNGReader.decode(bytes: bytes, path: "memory.png")
        let fromFile = try PNGReader.read(path: path)
        #expect(fromMemory.tensor == fromFile.tensor)
        #expect(fromMemory.path == "memory.png")
    }

    @Test func layoutPutsSampleCOfPixelRowColumnAtChannelC() throws {
        let scan = try PNGReader.read(path: RasterFixtures.path("png/rgb8.png"))
        let expected = try #require(RasterFixtures.png.first { $0.file == "png/rgb8.png" })
        let (h, w) = (expected.shape[2], expected.shape[3])
        #expect(scan.tensor.shape == TensorShape(c: 3, d: 1, h: 5, w: 7))
        #expect(scan.tensor[0, 2, 0, 4, 6] == Float(expected.values[2 * h * w + 4 * w + 6]))
        #expect(scan.tensor[0, 1, 0, 0, 3] == Float(expected.values[1 * h * w + 3]))
    }

    @Test func gammaChunksLeave16BitValuesRaw() throws {
        let scan = try PNGReader.read(path: RasterFixtures.path("png/gamma_srgb_gray16.png"))
        #expect(scan.tensor[0, 0, 0, 1, 1] == 12345)
    }

    @Test func sizeOverTheCapIsRefusedBeforeDecoding() {
        let path = RasterFixtures.path("png/gray16.png")
        RasterFixtures.expectFailure(kind: "too_large", path: path) {
            try PNGReader.read(path: path, limits: DecodeLimits(maxVoxels: 34))
        }
        #expect(throws: Never.self) { try PNGReader.read(path: path, limits: DecodeLimits(maxVoxels: 35)) }
    }

    @Test func missingFileIsAnIOError() {
        let path = RasterFixtures.path("png/does_not_exist.png")
        RasterFixtures.expectFailure(kind: "io", path: path) { try PNGReader.read(path: path) }
    }

    @Test(arguments: RasterFixtures.failures.filter { $0.file.hasSuffix(".png") })
    func malformedFileThrowsTypedError(_ failure: RasterFixtures.Failure) {
        let path = RasterFixtures.path(failure.file)
        RasterFixtures.expectFailure(kind: failure.kind, path: path) { try PNGReader.read(path: path) }
    }

    @Test func everyTruncationOfAValidFileFailsCleanly() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RasterFixtures.path("png/adam7_gray16.png"))))
        for length in 0 ..< bytes.count {
            RasterFixtures.expectFailure(kind: "truncated", path: "cut.png") {
                try PNGReader.decode(bytes: Array(bytes.prefix(length)), path: "cut.png")
            }
        }
    }

    @Test func randomByteDamageNeverCrashes() throws {
        try RasterFixtures.expectDamageHandled(files: ["png/gray4.png", "png/rgb16.png", "png/palette4.png", "png/adam7_rgba8.png", "png/gamma_srgb_gray16.png"], count: 300) {
            try PNGReader.decode(bytes: $0, path: $1, limits: $2)
        }
    }
}
