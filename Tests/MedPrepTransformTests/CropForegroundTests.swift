import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

/// `CropForeground` against the numpy references of `Scripts/fixtures/make_stage_fixtures.py`.
@Suite struct CropForegroundTests {
    static func transform(_ fixture: FixtureCase) throws -> CropForeground {
        try CropForeground(foreground: fixture.parameters.threshold.map { .above($0) } ?? .nonzero,
                           margin: try #require(fixture.parameters.margin))
    }

    static func expectMatches(_ output: Scan, _ fixture: FixtureCase) throws {
        #expect(output.tensor.shape == fixture.expected.tensorShape)
        #expect(output.tensor.storage.map(Double.init) == fixture.expected.values)
        #expect(output.geometry.spacing == fixture.input.spacing)
        #expect(maxAbsDifference(output.geometry.affine.values, fixture.expected.affine) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.qform).values, fixture.expected.qform) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.sform).values, fixture.expected.sform) <= 1e-9)
        #expect(output.geometry.qformCode == 1 && output.geometry.sformCode == 2)
    }

    @Test(arguments: ["crop_foreground_nonzero", "crop_foreground_threshold", "crop_foreground_empty", "crop_foreground_2d"])
    func matchesNumpyBoundingBox(_ name: String) throws {
        let fixture = try FixtureCase.load(name)
        let transform = try Self.transform(fixture)
        let box = try #require(try transform.fitted(to: fixture.inputScan) as? CropBox)
        #expect(box.start == fixture.expected.offsets)
        try Self.expectMatches(try transform.apply(to: fixture.inputScan, role: .image), fixture)
    }

    /// The label map is cropped to the box of its image, not to its own foreground.
    @Test func labelFollowsTheImageBox() throws {
        let fixture = try FixtureCase.load("crop_foreground_label")
        let image = fixture.scan(of: try #require(fixture.fitOn))
        let fitted = try Self.transform(fixture).fitted(to: image)
        try Self.expectMatches(try fitted.apply(to: fixture.inputScan, role: .label), fixture)
        let alone = #expect(throws: MedPrepError.self) { try Self.transform(fixture).apply(to: fixture.inputScan, role: .label) }
        #expect(alone?.kind == .invalidArgument)
        var other = fixture.inputScan
        other.tensor = Tensor(shape: TensorShape(c: 1, d: 6, h: 7, w: 9), storage: [Float](repeating: 0, count: 6 * 7 * 9))
        let mismatch = #expect(throws: MedPrepError.self) { try fitted.apply(to: other, role: .label) }
        #expect(mismatch?.kind == .shapeMismatch && mismatch?.path == other.path)
        #expect(mismatch?.reason.contains("(i, j, k) sizes [9, 7, 6], the image it follows [8, 7, 6]") == true)
    }

    @Test func allBackgroundKeepsTheWholeImage() throws {
        let scan = try FixtureCase.load("crop_foreground_empty").inputScan
        let output = try CropForeground(foreground: .above(1e9)).apply(to: scan, role: .image)
        #expect(output.tensor == scan.tensor && output.geometry == scan.geometry)
    }

    @Test func nanIsForegroundOnlyForNonzero() throws {
        var storage = [Float](repeating: 0, count: 8)
        storage[5] = .nan
        let scan = Scan(path: "nan.png", header: ScanHeader(format: .png, dataType: "uint8", bitsPerSample: 8),
                        tensor: Tensor(shape: TensorShape(c: 1, h: 1, w: 8), storage: storage), geometry: .pixel())
        #expect(try CropForeground().apply(to: scan, role: .image).tensor.shape.w == 1)
        #expect(try CropForeground(foreground: .above(0)).apply(to: scan, role: .image).tensor.shape.w == 8)
    }

    @Test func badArgumentsAreRefused() throws {
        #expect(throws: MedPrepError.self) { try CropForeground(margin: [1]) }
        #expect(throws: MedPrepError.self) { try CropForeground(margin: [1, -1, 0]) }
        #expect(throws: MedPrepError.self) { try CropForeground(foreground: .above(.infinity)) }
        #expect(try CropForeground(margin: [2, 3]).margin == [2, 3, 0])
    }
}
