import Foundation
import MedPrepCore

/// nibabel's view of one fixture (an entry of expected.json).
struct ExpectedScan: Decodable, Sendable {
    struct Scaling: Decodable, Sendable {
        var slope: Double
        var intercept: Double
    }

    var format: String
    var dataType: String
    var shape: [Int]
    var values: [Double]
    var affine: [[Double]]
    var spacing: [Double]
    var affineSource: String
    var sformCode: Int
    var qformCode: Int
    var scaling: Scaling?
    var min: Double
    var max: Double
    var mean: Double
    var std: Double
}

/// The fixtures and nibabel golden values written by Scripts/fixtures/make_nifti_fixtures.py.
enum NIfTIFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nifti").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// expected.json: file name → nibabel's view of it.
    static let expected: [String: ExpectedScan] = load("expected.json")

    /// malformed.json: file name → expected `MedPrepError.Kind` raw value.
    static let malformed: [String: String] = load("malformed.json")

    static var validNames: [String] { expected.keys.sorted() }
    static var malformedNames: [String] { malformed.keys.sorted() }

    static func bytes(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path(name)) ?? Data())
    }

    private static func load<T: Decodable>(_ name: String) -> [String: T] {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return [:] }
        return (try? JSONDecoder().decode([String: T].self, from: data)) ?? [:]
    }
}
