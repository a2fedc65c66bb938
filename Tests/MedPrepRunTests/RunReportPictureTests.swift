import Foundation
import MedPrepCore
import MedPrepDecode
import Testing

extension EndToEnd {
    /// Issue 17, item 2: `report.html` shows failures first, middle-slice pictures per shown case (before and after
    /// the stages) and the dataset histograms. References: `Scripts/fixtures/make_report_fixtures.py` (nibabel and
    /// numpy float64) wrote `Tests/Fixtures/report/expected.json` for the inputs beside it.
    @Suite struct RunReportPictures {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/report"

        static func pipeline(thumbnails: Int?, output: String = "../out") -> String {
            """
            version: 1
            name: pictures
            input:
              directory: ../in
            stages:
              - orient: {to: RAS}
              - normalize: {method: minmax}
            output:
              directory: \(output)
              reports: [json, html]
            \(thumbnails.map { "  thumbnails: \($0)\n" } ?? "")
            """
        }

        /// Copies the fixture inputs to `in/`, writes the pipeline and runs it.
        static func run(_ workspace: Workspace, thumbnails: Int?, extra: [String] = []) throws -> MedPrepProcess.Outcome {
            try FileManager.default.copyItem(atPath: fixtures + "/in", toPath: workspace.at("in"))
            try workspace.write(pipeline(thumbnails: thumbnails), to: "p/p.yaml")
            return try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress", "--jobs", "2"] + extra)
        }

        static func json(_ path: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        static func count(_ needle: String, in text: String) -> Int {
            text.components(separatedBy: needle).count - 1
        }

        /// The pixels of a base64 PNG, decoded by medprep's libpng reader (rows top to bottom).
        static func pixels(_ base64: String) throws -> (width: Int, height: Int, values: [Int]) {
            let bytes = [UInt8](try #require(Data(base64Encoded: base64)))
            let scan = try PNGReader.decode(bytes: bytes, path: "thumbnail.png")
            return (scan.tensor.shape.w, scan.tensor.shape.h, scan.tensor.storage.map { Int($0) })
        }

        /// The pictures of `a_lps` (LPS, int16, anisotropic) as decoded and after orient RAS + minmax equal numpy's
        /// middle slices in the neurological layout, sampled and windowed (p0.5–p99.5) as documented: the same
        /// size, window (1e-6) and 8-bit values (before: every pixel; after, float32 vs float64: within 1 level).
        /// The histogram of all decoded values of the three decodable inputs equals numpy.histogram on the
        /// documented edges, with the NaN counted apart; the run used 2 workers.
        @Test func picturesAndHistogramMatchNumpy() throws {
            let workspace = try Workspace()
            let outcome = try Self.run(workspace, thumbnails: 1)
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 2 && outcome.summary?.failed == 2, "\(outcome.transcript)")
            let expected = try Self.json(Self.fixtures + "/expected.json")
            let visuals = try #require(try Self.json(workspace.at("out/report.json"))["visuals"] as? [String: Any])
            let cases = try #require(visuals["cases"] as? [[String: Any]])
            #expect(cases.map { $0["input"] as? String } == ["a_lps.nii.gz", "c_nan.nii.gz"])
            let shown = try #require(cases.first)
            for (kind, tolerance) in [("before", 0), ("after", 1)] {
                let mine = try #require(shown[kind] as? [String: Any]), theirs = try #require(expected[kind] as? [String: Any])
                let window = try #require(mine["window"] as? [Double]), reference = try #require(theirs["window"] as? [Double])
                for (a, b) in zip(window, reference) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(kind) window \(window) vs \(reference)") }
                let planes = try #require(mine["planes"] as? [[String: Any]]), references = try #require(theirs["planes"] as? [[String: Any]])
                #expect(planes.map { $0["plane"] as? String } == ["axial", "coronal", "sagittal"])
                for (plane, reference) in zip(planes, references) {
                    let image = try Self.pixels(try #require(plane["png"] as? String))
                    #expect(image.width == reference["width"] as? Int && image.height == reference["height"] as? Int)
                    let values = try #require(reference["pixels"] as? [Int])
                    let worst = zip(image.values, values).map { abs($0 - $1) }.max() ?? 99
                    #expect(image.values.count == values.count && worst <= tolerance, "\(kind) \(plane["plane"] ?? "") differs by \(worst)")
                }
            }
            let failed = try #require(cases.last)
            #expect(failed["failed"] as? Bool == true && failed["after"] == nil && failed["before"] != nil)

            let histogram = try #require((visuals["before"] as? [[String: Any]])?.first)
            let reference = try #require(expected["histogram_before"] as? [String: Any])
            for key in ["exponent", "first_bin", "nonfinite"] { #expect(histogram[key] as? Int == reference[key] as? Int, "\(key)") }
            #expect(histogram["counts"] as? [Int] == reference["counts"] as? [Int])
            #expect(visuals["decoded_cases"] as? Int == 3 && visuals["normalized_cases"] as? Int == 2)
            #expect(visuals["orientations_before"] as? [String: Int] == ["LPS": 1, "RAS": 2])
            #expect(visuals["orientations_after"] as? [String: Int] == ["RAS": 2])
        }

        /// The page lists both failures (file, kind, reason) before the pictures, then one picture set per shown
        /// case: `thumbnails: 1` shows 1 processed and the 1 decodable failed case; the default shows both processed.
        /// Every image is an inline PNG.
        @Test(arguments: [(1, 1), (nil, 2)]) func failuresFirstThenOneSetPerShownCase(limit: Int?, processed: Int) throws {
            let workspace = try Workspace()
            let outcome = try Self.run(workspace, thumbnails: limit)
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let html = try String(contentsOfFile: workspace.at("out/report.html"), encoding: .utf8)
            let problems = try #require(html.range(of: "id=problems")), scans = try #require(html.range(of: "id=scans"))
            #expect(problems.lowerBound < scans.lowerBound)
            let failures = String(html[problems.lowerBound ..< scans.lowerBound])
            #expect(Self.count("data-failure", in: failures) == 2)
            #expect(failures.contains("bad.nii") && failures.contains("unknown_format") && failures.contains("not a PNG, TIFF, NIfTI or DICOM file"))
            #expect(failures.contains("c_nan.nii.gz") && failures.contains("non_finite") && failures.contains("1 non-finite voxel"))
            #expect(Self.count("data-case=", in: html) == processed + 1)
            #expect(Self.count("data-thumbnails=before", in: html) == processed + 1)
            #expect(Self.count("data-thumbnails=after", in: html) == processed)
            #expect(Self.count("<img ", in: html) == 3 * (2 * processed + 1))
            #expect(Self.count("<img src=\"data:image/png;base64,", in: html) == Self.count("<img ", in: html))
            #expect(html.contains("id=histograms") && html.contains("id=geometry"))
        }

        /// Two shard runs merged by `medprep report merge` give the visuals of the unsharded run: the same
        /// histograms, counts, orientations, spacings and shown cases.
        @Test func shardReportsMergeTheirPictures() throws {
            let workspace = try Workspace()
            let whole = try Self.run(workspace, thumbnails: 1)
            #expect(whole.status == 1, "\(whole.transcript)")
            try workspace.write(Self.pipeline(thumbnails: 1, output: "../sharded"), to: "p/s.yaml")
            for shard in ["0/2", "1/2"] {
                let outcome = try MedPrepProcess.run(["run", workspace.at("p/s.yaml"), "--no-progress", "--shard", shard])
                #expect(outcome.status <= 1, "\(outcome.transcript)")
            }
            let shards = workspace.files(under: "sharded").filter { $0.hasPrefix("report.shard-") && $0.hasSuffix(".json") }
            #expect(shards.count == 2, "\(shards)")
            let merge = try MedPrepProcess.run(["report", "merge"] + shards.map { workspace.at("sharded/" + $0) }
                                               + ["--output", workspace.at("merged")])
            #expect(merge.status == 0, "\(merge.transcript)")
            let merged = try #require(try Self.json(workspace.at("merged/report.json"))["visuals"] as? NSDictionary)
            let single = try #require(try Self.json(workspace.at("out/report.json"))["visuals"] as? NSDictionary)
            #expect(merged == single)
            let page = try String(contentsOfFile: workspace.at("merged/report.html"), encoding: .utf8)
            #expect(Self.count("data-case=", in: page) == 2)
        }

        /// `output.thumbnails` outside 0…1000 is refused with its line and the allowed range.
        @Test func thumbnailLimitIsChecked() throws {
            let workspace = try Workspace()
            try workspace.write(Self.pipeline(thumbnails: -1), to: "p/p.yaml")
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            let outcome = try MedPrepProcess.run(["validate", workspace.at("p/p.yaml")])
            #expect(outcome.status == 2, "\(outcome.transcript)")
            #expect(outcome.transcript.contains("found output.thumbnails -1, expected an integer from 0 to 1000"), "\(outcome.transcript)")
        }
    }
}
