import Foundation
import MedPrepCore
import Testing

/// The fixtures written by Scripts/fixtures/make_raster_fixtures.py and the values numpy computed for them.
enum RasterFixtures {
    /// Expected decode of one valid fixture.
    struct Expected: Decodable, Sendable, CustomTestStringConvertible {
        var file: String
        /// `[C, D, H, W]`.
        var shape: [Int]
        var dtype: String
        var bitsPerSample: Int
        var spacing: [Double]
        /// Values in C, D, H, W order (float64 from numpy).
        var values: [Double]

        var testDescription: String { file }
    }

    /// A malformed fixture and the `MedPrepError.Kind` raw value its reader must throw.
    struct Failure: Sendable, CustomTestStringConvertible {
        var file: String
        var kind: String
        var testDescription: String { "\(file) → \(kind)" }
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/raster").path

    static func path(_ file: String) -> String { directory + "/" + file }

    static func expected(_ manifest: String) -> [Expected] {
        guard let data = FileManager.default.contents(atPath: path(manifest)),
              let entries = try? JSONDecoder().decode([Expected].self, from: data) else { return [] }
        return entries
    }

    static let png = expected("png_expected.json")
    static let tiff = expected("tiff_expected.json")

    static let failures: [Failure] = {
        guard let data = FileManager.default.contents(atPath: path("errors.json")),
              let entries = try? JSONDecoder().decode([String: String].self, from: data) else { return [] }
        return entries.sorted { $0.key < $1.key }.map { Failure(file: $0.key, kind: $0.value) }
    }()

    /// Checks a decoded scan against numpy's expectation: shape, type, spacing and every value exactly.
    static func verify(_ scan: Scan, against expected: Expected, format: ScanFormat) {
        let shape = scan.tensor.shape
        #expect(shape.n == 1)
        #expect(shape.sampleDimensions == expected.shape)
        #expect(scan.header.format == format)
        #expect(scan.header.dataType == expected.dtype)
        #expect(scan.header.bitsPerSample == expected.bitsPerSample)
        #expect(scan.header.scaling == nil)
        #expect(scan.geometry.affineSource == .pixel)
        #expect(scan.geometry.spacing == expected.spacing)
        #expect(scan.geometry.affine == .scaling(expected.spacing))
        #expect(scan.path == path(expected.file))
        let wanted = expected.values.map { Float($0) }
        #expect(scan.tensor.storage.count == wanted.count)
        let mismatch = zip(scan.tensor.storage, wanted).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(mismatch == nil, "first mismatch at \(mismatch.map { "\($0.offset): \($0.element.0) ≠ \($0.element.1)" } ?? "")")
    }

    /// Runs `body` and checks that it throws a `MedPrepError` of `kind` naming `path`.
    static func expectFailure(kind: String, path: String, _ body: () throws -> Scan) {
        do {
            let scan = try body()
            Issue.record("\(path) decoded to \(scan.tensor.shape) instead of failing with \(kind)")
        } catch let error as MedPrepError {
            #expect(error.kind.rawValue == kind, "\(error)")
            #expect(error.path == path)
            #expect(!error.reason.isEmpty)
        } catch {
            Issue.record("\(path) threw \(error), not a MedPrepError")
        }
    }
}

/// Deterministic byte damage for robustness tests (a 64-bit linear congruential generator).
struct ByteDamage {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 33) % bound
    }

    /// `bytes` with one to four bytes overwritten by pseudo-random values.
    mutating func damaged(_ bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        for _ in 0 ... next(below: 4) {
            copy[next(below: copy.count)] = UInt8(next(below: 256))
        }
        return copy
    }
}

extension RasterFixtures {
    /// Decodes `count` damaged copies of each fixture; every outcome must be a scan or a `MedPrepError`
    /// naming the file (a crash or another error type fails the test).
    static func expectDamageHandled(files: [String], count: Int,
                                    decode: ([UInt8], String, DecodeLimits) throws -> Scan) throws {
        var damage = ByteDamage(seed: 0x5EED)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path(file))))
            for _ in 0 ..< count {
                do {
                    _ = try decode(damage.damaged(bytes), "damaged", DecodeLimits(maxVoxels: 1 << 22))
                } catch let error as MedPrepError {
                    #expect(error.path == "damaged")
                }
            }
        }
    }
}
