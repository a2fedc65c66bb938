import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

/// `ResampleToGrid` on analytic data; its values against nibabel's `resample_from_to` are checked end to end
/// (`GeometryCheckTests`, fixtures of `Scripts/fixtures/make_geometry_fixtures.py`).
@Suite struct ResampleToGridTests {
    static let oblique = Affine(rows: [[0.9, -0.3, 0.1, -4.2], [0.35, 1.1, -0.05, 2.5], [0.02, 0.1, 1.7, -1.25], [0, 0, 0, 1]])

    static func scan(_ sizes: [Int], affine: Affine, value: (Double, Double, Double) -> Double) -> Scan {
        let shape = TensorShape(c: 1, d: sizes[2], h: sizes[1], w: sizes[0])
        var storage: [Float] = []
        for k in 0 ..< sizes[2] { for j in 0 ..< sizes[1] { for i in 0 ..< sizes[0] {
            storage.append(Float(value(Double(i), Double(j), Double(k))))
        } } }
        return Scan(path: "s.nii", header: ScanHeader(format: .nifti1, dataType: "float32", bitsPerSample: 32),
                    tensor: Tensor(shape: shape, storage: storage),
                    geometry: ScanGeometry(spacing: [1, 1, 1], affine: affine, affineSource: .sform))
    }

    @Test func inverseUndoesTheAffine() throws {
        let inverse = try #require(ResampleToGrid.inverse(Self.oblique))
        let identity = ResampleToGrid.product(inverse, Self.oblique)
        #expect(zip(identity.values, Affine.identity.values).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(ResampleToGrid.inverse(Affine.scaling([1, 0, 1])) == nil)
    }

    /// Trilinear interpolation reproduces a function linear in the source's voxel indices wherever
    /// `x = A⁻¹·A₀·p` lies inside the source; elsewhere the output is 0. The output takes the target's frame.
    @Test func linearFunctionIsExactInsideAndZeroOutside() throws {
        let f = { (i: Double, j: Double, k: Double) in 3 + 2 * i - 1.5 * j + 0.75 * k }
        let source = Self.scan([9, 8, 7], affine: Self.oblique, value: f)
        let targetAffine = Affine(rows: [[1, 0, 0, -3], [0, 1, 0, 1], [0, 0, 1.5, 0], [0, 0, 0, 1]])
        let target = Self.scan([10, 9, 6], affine: targetAffine) { _, _, _ in 0 }
        let output = try ResampleToGrid(onto: target).apply(to: source, role: .image)
        #expect(output.geometry.affine == targetAffine && output.tensor.shape == target.tensor.shape)
        let mapping = ResampleToGrid.product(try #require(ResampleToGrid.inverse(Self.oblique)), targetAffine)
        var (inside, outside, index) = (0, 0, 0)
        for k in 0 ..< 6 { for j in 0 ..< 9 { for i in 0 ..< 10 {
            let x = mapping.apply(Double(i), Double(j), Double(k))
            let value = Double(output.tensor.storage[index])
            if (0 ... 8).contains(x.x) && (0 ... 7).contains(x.y) && (0 ... 6).contains(x.z) {
                #expect(abs(value - f(x.x, x.y, x.z)) < 1e-4, "voxel \(i), \(j), \(k)")
                inside += 1
            } else if x.x < -1e-6 || x.x > 8 + 1e-6 || x.y < -1e-6 || x.y > 7 + 1e-6 || x.z < -1e-6 || x.z > 6 + 1e-6 {
                #expect(value == 0, "voxel \(i), \(j), \(k)")
                outside += 1
            }
            index += 1
        } } }
        #expect(inside > 100 && outside > 100)
    }

    /// Labels take the value of voxel `⌊x + ½⌋`; a position a hair outside the grid (rounding) counts as on it.
    @Test func labelsAreNearestAndTheEdgeIsKept() throws {
        let source = Self.scan([4, 1, 1], affine: .identity) { i, _, _ in i + 1 }
        let shifted = Affine(rows: [[1, 0, 0, -1e-9 + 0.5], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        let target = Self.scan([5, 1, 1], affine: shifted) { _, _, _ in 0 }
        let output = try ResampleToGrid(onto: target).apply(to: source, role: .label)
        // x = p + 0.5 − 1e-9: ⌊x + ½⌋ = p for p = 0, 1, 2; x = 3.5 − 1e-9 and 4.5 − 1e-9 lie outside [0, 3] → 0.
        #expect(output.tensor.storage == [1, 2, 3, 0, 0])
        let edge = Affine(rows: [[1, 0, 0, -1e-9], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        let onEdge = try ResampleToGrid(onto: Self.scan([4, 1, 1], affine: edge) { _, _, _ in 0 }).apply(to: source, role: .label)
        #expect(onEdge.tensor.storage == [1, 2, 3, 4])
    }
}
