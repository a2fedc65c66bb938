import Foundation
import MedPrepTestSupport
import Testing

extension EndToEnd {
    /// Issue 18 item 8: no DICOM header value reaches the output directory or the run's messages except the geometry
    /// and (in readable mode) the identifiers the case ids are built from; `case_id: hashed` names the series by
    /// salted hashes. The series carry marker strings in PatientName, PatientBirthDate, InstitutionName,
    /// AccessionNumber, ReferringPhysicianName, … (Tests/Fixtures/dicom-privacy, written by
    /// Scripts/fixtures/make_dicom_privacy_fixture.py, which also computes the expected hashed ids).
    @Suite(.enabled(if: dicomSeriesReferencesAvailable, "python3 with pydicom and nibabel is not available"))
    struct DICOMPrivacy {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-privacy"

        struct Reference: Decodable {
            var markers: [String]
            var idMarkers: [String]
            var directories: [String]
            var readableIDs: [String]
            var salt: String
            var hashedIDs: [String: String]
            var failing: [String: String]
        }

        static func reference() throws -> Reference {
            try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/reference.json")))
        }

        /// The series directories and one NIfTI (`MKNIFTI_case.nii.gz`, a non-DICOM case) under `in/`, the salt in
        /// `secret/salt.txt`, and a pipeline writing every output kind and report.
        static func workspace(hashed: Bool, salt: String) throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for name in try reference().directories {
                try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: workspace.at("in/" + name))
            }
            try GeneratedVolumes.write(index: 0, size: 8, seed: 3, to: workspace.at("in/MKNIFTI_case.nii.gz"))
            try workspace.write(salt + "\n", to: "secret/salt.txt")
            try workspace.write("""
                version: 1
                name: privacy
                input:
                  directory: ../in
                  include: ["**/*"]
                \(hashed ? "  case_id: hashed\n  case_id_salt_file: ../secret/salt.txt" : "")
                stages:
                  - normalize: {method: dataset}
                output:
                  directory: ../out
                  volumes: both
                  batches: npy
                  reports: [json, csv, html]
                  thumbnails: 4
                """, to: "p/p.yaml")
            return workspace
        }

        /// Every byte medprep left under `out/` (gzip members decompressed), by relative path.
        static func contents(of workspace: Workspace) throws -> [String: String] {
            let gzip = try #require(PackagePaths.executable(named: "gzip"))
            var result: [String: String] = [:]
            for file in workspace.files(under: "out") {
                let path = workspace.at("out/" + file)
                if file.hasSuffix(".gz") {
                    let outcome = try ChildProcess.run(gzip, ["-dc", path])
                    #expect(outcome.status == 0, "\(file): \(outcome.transcript)")
                    result[file] = outcome.standardOutput
                } else {
                    result[file] = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
                }
            }
            return result
        }

        /// `text` without the input paths a run keeps (the input directory and each file's path under it; JSON's
        /// `\/` read as `/`).
        static func withoutInputPaths(_ text: String, workspace: Workspace) -> String {
            var text = text.replacingOccurrences(of: "\\/", with: "/").replacingOccurrences(of: workspace.at("in"), with: "<in>")
            for file in workspace.files(under: "in").sorted(by: { $0.count > $1.count }) {
                text = text.replacingOccurrences(of: file, with: "<file>")
            }
            for directory in ["MKDIR_alpha", "MKDIR_broken", "MKDIR_shared"] {
                text = text.replacingOccurrences(of: "<in>/" + directory, with: "<in>/<dir>")
            }
            return text
        }

        @Test func hashedIDsLeaveNoIdentifierOnDisk() throws {
            let reference = try Self.reference()
            let workspace = try Self.workspace(hashed: true, salt: reference.salt)
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "MKDIR_broken misses a slice: \(outcome.transcript)")
            #expect(outcome.summary?.processed == 4 && outcome.summary?.failed == 1, "\(outcome.transcript)")

            // Names: the generator's hashed ids, and the NIfTI's `case-` + sha256(salt + "\n" + readable id)[:16].
            let nifti = try #require(MedPrepProcess.python(["-c", "import hashlib,sys; print('case-' + hashlib.sha256("
                + "(sys.argv[1] + '\\n' + 'MKNIFTI_case').encode()).hexdigest()[:16])", reference.salt]))
            let niftiID = nifti.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let written = reference.readableIDs.filter { $0 != reference.failing["readable"] }.map { reference.hashedIDs[$0]! }
            let volumes = workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") }
            #expect(volumes == (written + [niftiID]).map { $0 + ".nii.gz" }.sorted(), "\(volumes)")

            let contents = try Self.contents(of: workspace)
            let texts = contents.mapValues { Self.withoutInputPaths($0, workspace: workspace) }
            let streams = Self.withoutInputPaths(outcome.standardOutput + outcome.standardError, workspace: workspace)
            #expect(contents.keys.contains("report.json") && contents.keys.contains("report.html")
                    && contents.keys.contains("groups.csv")
                    && contents.keys.contains("batches/index.csv"), "\(contents.keys.sorted())")
            #expect(texts["report.json"]?.contains(reference.failing["hashed"]!) == true)
            for marker in reference.markers + reference.idMarkers + reference.directories + ["MKNIFTI"] {
                for (file, text) in texts {
                    #expect(!file.contains(marker), "\(marker) in an output name: \(file)")
                    #expect(!text.contains(marker), "\(marker) in \(file)")
                }
                #expect(!streams.contains(marker), "\(marker) in the run's output: \(outcome.transcript)")
            }
            // What is kept: the input paths (report.json's "input", errors), documented in the README.
            #expect(contents["report.json"]?.contains("MKDIR_alpha/a0.dcm") == true)

            let checked = try MedPrepProcess.run(["check", workspace.at("p/p.yaml")])
            let checkText = Self.withoutInputPaths(checked.transcript, workspace: workspace)
            #expect(checkText.contains(written[0]), "\(checked.transcript)")
            for marker in reference.markers + reference.idMarkers + ["MKNIFTI"] {
                #expect(!checkText.contains(marker), "\(marker) in check's output: \(checked.transcript)")
            }
        }

        /// Readable ids: the case ids carry PatientID, StudyDate, SeriesNumber and SeriesDescription (or the
        /// directory), and nothing else from the headers reaches the disk.
        @Test func readableIDsCarryOnlyTheirOwnIdentifiers() throws {
            let reference = try Self.reference()
            let workspace = try Self.workspace(hashed: false, salt: reference.salt)
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let volumes = workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") }
            #expect(volumes == (reference.readableIDs.filter { $0 != reference.failing["readable"] } + ["MKNIFTI_case"])
                .map { $0 + ".nii.gz" }.sorted(), "\(volumes)")
            let contents = try Self.contents(of: workspace)
            for marker in reference.markers {
                for (file, text) in contents {
                    #expect(!file.contains(marker) && !text.contains(marker), "\(marker) in \(file)")
                }
                #expect(!outcome.transcript.contains(marker), "\(marker) in the run's output")
            }
        }

        /// Over Tests/Fixtures/dicom-series, a hashed run names every series by the generator's `hashedIDs`
        /// (salt `hashedSalt`), in the volumes, report.json and batches/index.csv; no readable id is left.
        @Test func seriesFixtureHashedIDsMatchTheGenerator() throws {
            struct SeriesReference: Decodable {
                var hashedSalt: String
                var hashedIDs: [String: String]
            }
            let reference = try JSONDecoder().decode(SeriesReference.self, from: Data(contentsOf: URL(
                fileURLWithPath: EndToEnd.DICOMSeriesRun.fixtures + "/reference.json")))
            let workspace = try EndToEnd.DICOMSeriesRun.workspace()
            try workspace.write(reference.hashedSalt, to: "secret/salt")
            try workspace.write("""
                version: 1
                name: hashed
                input: {directory: ../in, include: ["**/*"], case_id: hashed, case_id_salt_file: ../secret/salt}
                stages:
                  - normalize: {method: minmax}
                output: {directory: ../out, batches: npy, reports: [json, csv, html]}
                """, to: "p/h.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/h.yaml"), "--no-progress"])
            #expect(outcome.status == 1 && outcome.summary?.processed == 8, "\(outcome.transcript)")
            let volumes = workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") }
            #expect(volumes == reference.hashedIDs.values.map { $0 + ".nii.gz" }.sorted(), "\(volumes)")
            let index = try String(contentsOfFile: workspace.at("out/batches/index.csv"), encoding: .utf8)
            let report = try String(contentsOfFile: workspace.at("out/report.json"), encoding: .utf8)
            for (readable, hashed) in reference.hashedIDs {
                #expect(index.contains(hashed + ",") && report.contains(hashed), "\(hashed)")
                if readable.contains("/") {
                    #expect(!report.contains(readable) && !index.contains(readable) && !outcome.transcript.contains(readable), "\(readable)")
                }
            }
        }

        /// A hashed run without a usable salt does nothing and exits 2, saying how to make one.
        @Test func hashedWithoutSaltIsRefused() throws {
            let workspace = try Self.workspace(hashed: true, salt: "")
            let empty = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(empty.status == 2, "\(empty.transcript)")
            #expect(empty.standardError.contains("case_id_salt_file") && empty.standardError.contains("it is empty")
                    && empty.standardError.contains("openssl rand -hex 32"), "\(empty.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out")))

            try FileManager.default.removeItem(atPath: workspace.at("secret/salt.txt"))
            let missing = try MedPrepProcess.run(["validate", workspace.at("p/p.yaml")])
            #expect(missing.status == 2 && missing.transcript.contains("no such file"), "\(missing.transcript)")

            let yaml = try String(contentsOfFile: workspace.at("p/p.yaml"), encoding: .utf8)
            try yaml.replacingOccurrences(of: "  case_id_salt_file: ../secret/salt.txt\n", with: "")
                .write(toFile: workspace.at("p/p.yaml"), atomically: true, encoding: .utf8)
            let absent = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(absent.status == 2, "\(absent.transcript)")
            #expect(absent.standardError.contains("case_id: hashed without input.case_id_salt_file"), "\(absent.transcript)")
        }
    }
}
