import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

/// `Orient` against nibabel's `as_reoriented` (Tests/Fixtures/orientation/reorient.json, made by
/// Scripts/fixtures/make_orientation_fixtures.py): values, shape, affine and spacing.
@Suite struct OrientTests {
    struct Volume: Decodable {
        /// `[C, D, H, W]`.
        var shape: [Int]
        var values: [Float]
        var spacing: [Double]
        var affine: [Double]

        var tensorShape: TensorShape { TensorShape(c: shape[0], d: shape[1], h: shape[2], w: shape[3]) }
    }

    struct Case: Decodable {
        var name: String
        var target: String
        var input: Volume
        var expected: Volume
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/orientation/reorient.json")
        return (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: url))) ?? []
    }()

    static func scan(_ volume: Volume, source: AffineSource = .sform) -> Scan {
        let affine = Affine(values: volume.affine)
        return Scan(path: "in.nii", header: ScanHeader(format: .nifti1, dataType: "float32", bitsPerSample: 32),
                    tensor: Tensor(shape: volume.tensorShape, storage: volume.values),
                    geometry: ScanGeometry(spacing: volume.spacing, affine: affine, affineSource: source,
                                           qformCode: 1, qform: affine, sformCode: 2, sform: affine))
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test func matchesNibabelAsReoriented() throws {
        #expect(Self.cases.count >= 10)
        for fixture in Self.cases {
            let target = try #require(AxisCodes(fixture.target))
            for role in ScanRole.allCases {
                let output = try Orient(to: target).apply(to: Self.scan(fixture.input), role: role)
                #expect(output.tensor.shape == fixture.expected.tensorShape, "\(fixture.name)")
                #expect(output.tensor.storage == fixture.expected.values, "\(fixture.name)")
                #expect(Self.maxDifference(output.geometry.affine.values, fixture.expected.affine) < 1e-5, "\(fixture.name)")
                #expect(Self.maxDifference(try #require(output.geometry.qform).values, fixture.expected.affine) < 1e-5)
                #expect(Self.maxDifference(try #require(output.geometry.sform).values, fixture.expected.affine) < 1e-5)
                #expect(Self.maxDifference(output.geometry.spacing, fixture.expected.spacing) < 1e-5, "\(fixture.name)")
                #expect(AxisCodes(affine: output.geometry.affine) == target, "\(fixture.name)")
            }
        }
    }

    /// Every voxel keeps its world coordinate, and orienting back restores the input exactly.
    @Test func worldCoordinatesAreKeptAndTheRoundTripIsExact() throws {
        let fixture = try #require(Self.cases.first { $0.name == "oblique_ALS_to_RAS" })
        let input = Self.scan(fixture.input)
        for target in AxisCodes.all {
            let output = try Orient(to: target).apply(to: input, role: .image)
            let shape = output.tensor.shape
            let position = { (value: Float, tensor: Tensor, affine: Affine) -> (x: Double, y: Double, z: Double) in
                let index = tensor.storage.firstIndex(of: value)!
                let (i, j, k) = (index % tensor.shape.w, index / tensor.shape.w % tensor.shape.h, index / (tensor.shape.w * tensor.shape.h))
                return affine.apply(Double(i), Double(j), Double(k))
            }
            for value in [Float(0), 7, Float(shape.count - 1)] {
                let a = position(value, output.tensor, output.geometry.affine), b = position(value, input.tensor, input.geometry.affine)
                #expect(abs(a.x - b.x) + abs(a.y - b.y) + abs(a.z - b.z) < 1e-9, "\(target)")
            }
            let back = try Orient(to: try #require(AxisCodes("ALS"))).apply(to: output, role: .label)
            #expect(back.tensor == input.tensor, "\(target)")
            #expect(Self.maxDifference(back.geometry.affine.values, input.geometry.affine.values) < 1e-9)
        }
    }

    @Test func rasterScansAndMatchingScansPassUnchanged() throws {
        let fixture = try #require(Self.cases.first { $0.name == "LPS_to_RAS" })
        let raster = Self.scan(fixture.input, source: .pixel)
        let unchanged = try Orient(to: .ras).apply(to: raster, role: .image)
        #expect(unchanged.tensor == raster.tensor && unchanged.geometry == raster.geometry)
        let already = try #require(Self.cases.first { $0.name == "RAS_to_RAS" })
        let same = try Orient(to: .ras).apply(to: Self.scan(already.input), role: .image)
        #expect(same.tensor == Self.scan(already.input).tensor && same.geometry == Self.scan(already.input).geometry)
    }

    @Test func degenerateAffineFailsNamingTheAxis() throws {
        var scan = Self.scan(try #require(Self.cases.first).input)
        scan.geometry.affine = Affine.scaling([2, 0, 3])
        #expect {
            try Orient(to: .ras).apply(to: scan, role: .image)
        } throws: { error in
            let text = "\(error)"
            return text.contains("in.nii") && text.contains("voxel axis j") && text.contains("remove the orient stage")
        }
    }
}
