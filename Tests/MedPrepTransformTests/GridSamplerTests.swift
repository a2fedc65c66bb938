import MedPrepCore
import Testing
@testable import MedPrepTransform

/// `GridSampler`'s separable trilinear kernel against the 8-neighbour sum it replaced (`TrilinearRows.sum`).
@Suite struct GridSamplerTests {
    /// A 2-channel 23×17×9 volume with spacing (0.7, 0.9, 2.5), values spread over −3000…5000, one NaN.
    static func volume() -> Scan {
        let shape = TensorShape(c: 2, d: 9, h: 17, w: 23)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var storage = (0 ..< shape.count).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 33) % 8001 - 3000) + 0.25
        }
        storage[400] = .nan
        return Scan(path: "kernel.nii", header: ScanHeader(format: .nifti1, dataType: "int16", bitsPerSample: 16),
                    tensor: Tensor(shape: shape, storage: storage), geometry: .pixel(spacing: [0.7, 0.9, 2.5]))
    }

    @Test func resampledValuesAreUnchangedByTheSeparableKernel() throws {
        // The x-first kernel keeps `TrilinearRows.sum`'s operations and order: every output equals the 8-tap sum.
        let scan = Self.volume()
        let output = try Resample(spacing: [1.1, 0.6, 3.1]).apply(to: scan, role: .image)
        let ratios = [1.1 / 0.7, 0.6 / 0.9, 3.1 / 2.5]
        let shape = output.tensor.shape
        let axes = (0 ..< 3).map { SampleAxis(inputSize: scan.tensor.shape.sizeIJK[$0], outputSize: shape.sizeIJK[$0], ratio: ratios[$0]) }
        var mismatches = 0
        scan.tensor.storage.withUnsafeBufferPointer { input in
            for plane in 0 ..< shape.c {
                for k in 0 ..< shape.d {
                    for j in 0 ..< shape.h {
                        let rows = TrilinearRows(base: plane * scan.tensor.shape.spatialCount, height: scan.tensor.shape.h,
                                                 width: scan.tensor.shape.w, z: (axes[2].lower[k], axes[2].upper[k], axes[2].fraction[k]),
                                                 y: (axes[1].lower[j], axes[1].upper[j], axes[1].fraction[j]))
                        for i in 0 ..< shape.w {
                            let expected = Float(rows.sum(input, x0: axes[0].lower[i], x1: axes[0].upper[i], fx: axes[0].fraction[i]))
                            let got = output.tensor.storage[((plane * shape.d + k) * shape.h + j) * shape.w + i]
                            if expected.bitPattern != got.bitPattern { mismatches += 1 }
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
