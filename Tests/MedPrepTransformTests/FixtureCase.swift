import Foundation
import MedPrepCore
@testable import MedPrepTransform

/// One case written by `Scripts/fixtures/make_batch_fixtures.py` or `make_stage_fixtures.py` into
/// `Tests/Fixtures/batch/`.
struct FixtureCase: Decodable {
    struct Parameters: Decodable {
        var spacing: [Double]?
        var shape: [Int]?
        var padValue: Float?
        var min: Float?
        var max: Float?
        var threshold: Double?
        var margin: [Int]?
        var interpolation: String?
    }

    struct Volume: Decodable {
        /// `[C, D, H, W]`.
        var shape: [Int]
        var values: [Double]
        var spacing: [Double]
        var affine: [Double]
        var qform: [Double]
        var sform: [Double]
        var offsets: [Int]?

        var tensorShape: TensorShape { TensorShape(c: shape[0], d: shape[1], h: shape[2], w: shape[3]) }
    }

    var kind: String
    var role: String
    var parameters: Parameters
    var input: Volume
    var expected: Volume
    /// The image a label input follows (crop_foreground fits its box on it).
    var fitOn: Volume?

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/batch")

    static func load(_ name: String) throws -> FixtureCase {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONDecoder().decode(FixtureCase.self, from: data)
    }

    var scanRole: ScanRole { role == "label" ? .label : .image }

    /// The input as a NIfTI-like scan with qform code 1 and sform code 2.
    var inputScan: Scan { scan(of: input) }

    /// A volume of the case as a NIfTI-like scan with qform code 1 and sform code 2.
    func scan(of input: Volume) -> Scan {
        let geometry = ScanGeometry(spacing: input.spacing, affine: Affine(values: input.affine), affineSource: .sform,
                                    qformCode: 1, qform: Affine(values: input.qform),
                                    sformCode: 2, sform: Affine(values: input.sform), xyztUnits: 10)
        return Scan(path: "fixture/\(kind).nii.gz",
                    header: ScanHeader(format: .nifti1, dataType: "float32", bitsPerSample: 32),
                    tensor: Tensor(shape: input.tensorShape, storage: input.values.map { Float($0) }),
                    geometry: geometry)
    }
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
