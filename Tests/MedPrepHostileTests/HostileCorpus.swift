import Foundation
import MedPrepTestSupport
import Testing

/// The hostile corpus written by `Scripts/make_hostile_corpus.py`: `Tests/Fixtures/hostile/manifest.json`.
struct HostileCase: Decodable, Sendable, CustomTestStringConvertible {
    var file: String
    var category: String
    var what: String
    var expect: String
    /// `MedPrepError.Kind` raw value, for `expect == "error"`.
    var kind: String?
    /// `[C, D, H, W]` and numpy float64 statistics over the finite voxels, for `expect == "ok"`.
    var shape: [Int]?
    var min: Double?
    var max: Double?
    var mean: Double?
    var nonfinite: Int?

    var isError: Bool { expect == "error" }
    var path: String { HostileCorpus.directory + "/" + file }
    var testDescription: String { "\(file) (\(what))" }
}

enum HostileCorpus {
    static let directory = PackagePaths.root + "/Tests/Fixtures/hostile"

    static let cases: [HostileCase] = {
        struct Manifest: Decodable { var cases: [HostileCase] }
        guard let data = FileManager.default.contents(atPath: directory + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    /// Whether `actual` equals the numpy reference `expected` to float32-storage precision.
    static func close(_ actual: Double, _ expected: Double) -> Bool {
        actual == expected || abs(actual - expected) <= 1e-6 * Swift.max(1, abs(expected))
    }
}
