import Foundation
import MedPrepTestSupport
import Testing

/// The built `medprep` binary over the corpus and the at-test-time directory cases, out of process: exit code 1
/// (never a signal), every bad file reported once with its path and reason, every good file processed, special
/// files noted and never opened, peak RSS (wait4) under 1 GiB because declared sizes are refused before allocating.
@Suite(.serialized) struct CommandLineTests {
    static let binary = PackagePaths.medprep
    static let memoryCeiling = 1 << 30

    @Test func inspectEveryFile() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let directory = try HostileDirectory(cases: HostileCorpus.cases)
        defer { directory.remove() }
        let cases = HostileCorpus.cases
        let corpusPaths = try cases.map { try #require(directory.placed[$0.file]) }
        let failing = directory.special + directory.nonImages
        let passing = directory.extraGood + directory.hidden
        let relatives = corpusPaths + failing + passing
        let outcome = try ChildProcess.run(Self.binary, ["inspect", "--json"] + relatives.map { directory.input + "/" + $0 },
                                           timeout: 120)
        #expect(!outcome.timedOut)
        #expect(outcome.signal == nil, "inspect ended by signal \(outcome.signal ?? 0): \(outcome.standardError.suffix(2000))")
        #expect(outcome.status == 1)
        #expect(outcome.peakResidentKiB * 1024 < Self.memoryCeiling, "peak RSS \(outcome.peakResidentKiB * 1024) bytes")
        let parsed = try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
        let entries = try #require(parsed as? [[String: Any]], "stdout: \(outcome.standardOutput.prefix(500)) stderr: \(outcome.standardError.prefix(2000))")
        try #require(entries.count == relatives.count, "\(entries.count) entries for \(relatives.count) files")
        for (index, relative) in relatives.enumerated() {
            let entry = entries[index]
            let error = entry["error"] as? String
            let shouldFail = index < cases.count ? cases[index].isError : failing.contains(relative)
            if relative == "links/up" {
                // A link to the input directory's parent is a directory: inspect lists it (as a run's discovery walks
                // it, loops and links out noted), and the listing has failing cases (the corpus' bad files).
                #expect(entry["kind"] as? String == "directory" && (entry["notes"] as? [Any])?.isEmpty == false, "\(entry)")
            } else if shouldFail {
                #expect(error?.contains(relative) == true, "\(relative): \(entry)")
            } else {
                #expect(error == nil, "\(relative): \(error ?? "")")
                if index < cases.count {
                    #expect(entry["shape"] as? [Int] == cases[index].shape, "\(relative): \(entry["shape"] ?? "-")")
                }
            }
        }
    }

    @Test func runOverTheDirectory() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let directory = try HostileDirectory(cases: HostileCorpus.cases)
        defer { directory.remove() }
        let pipeline = directory.root + "/pipeline.yaml"
        try """
        version: 1
        name: hostile
        input:
          directory: \(directory.input)
          include: ["**/*"]
        stages:
          - normalize: {method: groupnorm, groups: 1, nonfinite: zero}
        output:
          directory: \(directory.root)/out
          volumes: npy
          reports: [json]
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let outcome = try ChildProcess.run(Self.binary, ["run", pipeline, "--no-progress", "--jobs", "2"], timeout: 300)
        #expect(!outcome.timedOut, "run did not finish (FIFO opened?)")
        #expect(outcome.signal == nil, "run ended by signal \(outcome.signal ?? 0): \(outcome.standardError.suffix(2000))")
        #expect(outcome.status == 1, "\(outcome.standardError.suffix(2000))")
        #expect(outcome.peakResidentKiB * 1024 < Self.memoryCeiling, "peak RSS \(outcome.peakResidentKiB * 1024) bytes")
        #expect(outcome.seconds < 240)

        let data = try Data(contentsOf: URL(fileURLWithPath: directory.root + "/out/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(report["files"] as? [[String: Any]])
        let notes = try #require(report["notes"] as? [String])
        let byInput = Dictionary(grouping: files) { $0["input"] as? String ?? "" }
        func noted(_ relative: String) -> Bool { notes.contains { $0.hasPrefix(relative + ": skipped") } }

        var expectedEntries = 0
        for item in HostileCorpus.cases {
            let relative = try #require(directory.placed[item.file])
            let entries = byInput[relative] ?? []
            if ["nifti/pair.img", "nifti/gzpair.img.gz"].contains(item.file) {
                #expect(entries.isEmpty && !noted(relative), "the .img half is read with its .hdr, in that case")
                continue
            }
            expectedEntries += 1
            try #require(entries.count == 1, "\(relative): \(entries.count) report entries; log: \(outcome.standardError.suffix(2000))")
            let entry = entries[0]
            if item.isError {
                #expect(entry["status"] as? String == "failed", "\(relative): \(entry)")
                #expect((entry["error"] as? String)?.contains(relative) == true, "\(relative): \(entry["error"] ?? "-")")
                #expect(entry["error_kind"] as? String == item.kind, "\(relative): \(entry["error_kind"] ?? "-")")
            } else {
                #expect(entry["status"] as? String == "processed", "\(relative): \(entry)")
            }
        }
        for relative in directory.extraGood {
            expectedEntries += 1
            #expect(byInput[relative]?.map { $0["status"] as? String } == ["processed"], "\(relative)")
        }
        for relative in directory.nonImages {
            expectedEntries += 1
            #expect(byInput[relative]?.map { $0["error_kind"] as? String } == ["unknown_format"], "\(relative)")
        }
        for relative in directory.special {
            #expect(byInput[relative] == nil && noted(relative), "\(relative) must be noted, not read")
        }
        for relative in directory.hidden {
            #expect(byInput[relative] == nil && !notes.contains { $0.contains(relative) }, "\(relative) is hidden")
        }
        #expect(notes.contains { $0.contains("skipped (non_utf8_name)") })
        #expect(files.count == expectedEntries, "\(files.count) report entries, expected \(expectedEntries)")
    }
}
