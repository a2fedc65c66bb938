import Foundation
import Testing
import MedPrepCore
import MedPrepDecode
import MedPrepTestSupport
@testable import MedPrepReport

/// `medprep inspect --json` on every SampleData scan against nibabel / pillow / tifffile + numpy float64
/// (Scripts/fixtures/make_inspect_reference.py).
@Suite struct InspectReferenceTests {
    static let root = URL(fileURLWithPath: PackagePaths.root)
    nonisolated(unsafe) static let reference: [String: [String: Any]] = {
        let url = root.appendingPathComponent("Tests/Fixtures/inspect/sampledata.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [:] }
        return object
    }()

    func check(_ actual: [String: Any], against expected: [String: Any], file: String) {
        #expect(actual["format"] as? String == expected["format"] as? String, "\(file) format")
        #expect(actual["shape"] as? [Int] == expected["shape"] as? [Int], "\(file) shape")
        #expect(actual["dtype"] as? String == expected["dtype"] as? String, "\(file) dtype")
        #expect(actual["affine_source"] as? String == expected["affine_source"] as? String, "\(file) affine source")
        let spacing = actual["spacing"] as? [Double] ?? [], expectedSpacing = expected["spacing"] as? [Double] ?? []
        #expect(spacing.count == expectedSpacing.count && zip(spacing, expectedSpacing).allSatisfy { abs($0 - $1) <= 1e-6 },
                "\(file) spacing \(spacing) vs \(expectedSpacing)")
        let affine = (actual["affine"] as? [[Double]] ?? []).flatMap { $0 }
        let expectedAffine = (expected["affine"] as? [[Double]] ?? []).flatMap { $0 }
        #expect(affine.count == 16 && zip(affine, expectedAffine).allSatisfy { abs($0 - $1) <= 1e-5 },
                "\(file) affine \(affine) vs \(expectedAffine)")
        for key in ["min", "max", "mean", "std"] {
            let a = (actual[key] as? NSNumber)?.doubleValue ?? .nan, e = (expected[key] as? NSNumber)?.doubleValue ?? .nan
            #expect(abs(a - e) <= 1e-6 * max(abs(e), 1e-12) + 1e-9, "\(file) \(key): \(a) vs \(e)")
        }
    }

    @Test func referenceCoversSampleData() {
        #expect(Self.reference.count >= 20)
    }

    @Test func summariesMatchReference() throws {
        for (file, expected) in Self.reference.sorted(by: { $0.key < $1.key }) {
            let summary = ScanSummary(try ScanReader().read(path: Self.root.appendingPathComponent(file).path))
            let object = try JSONSerialization.jsonObject(with: try ReportJSON.encoder().encode(summary)) as? [String: Any] ?? [:]
            check(object, against: expected, file: file)
        }
    }

    @Test func commandLineJSONMatchesReferenceAndReportsUnreadableFiles() throws {
        let files = Self.reference.keys.sorted()
        let bogus = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-inspect-\(getpid()).nii").path
        try Data("not a scan".utf8).write(to: URL(fileURLWithPath: bogus))
        defer { try? FileManager.default.removeItem(atPath: bogus) }
        let outcome = try ChildProcess.run(PackagePaths.medprep, ["inspect", "--json"]
                                           + files.map { Self.root.appendingPathComponent($0).path } + [bogus])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        let entries = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [[String: Any]] ?? []
        #expect(entries.count == files.count + 1)
        for (file, entry) in zip(files, entries) {
            check(entry, against: Self.reference[file] ?? [:], file: file)
        }
        #expect(entries.last?["path"] as? String == bogus)
        #expect((entries.last?["error"] as? String)?.contains("not a PNG, TIFF, NIfTI or DICOM") == true)
    }
}
