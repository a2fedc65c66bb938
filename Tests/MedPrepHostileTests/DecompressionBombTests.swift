import Foundation
import MedPrepTestSupport
import Testing

/// Issue 14, item 9, out of process: padded gzip decompression bombs (made at test time by
/// Scripts/make_gzip_bomb.py: a 1000³ int16 header over 1 GB of zeros plus 1.1 MB of random bytes, 2.09 MB on
/// disk) fail their own case fast and with little memory, and an allocation the system refuses fails that case
/// as `too_large` instead of aborting the run.
///
/// Peak RSS comes from a small Python parent (`getrusage(RUSAGE_CHILDREN)`), because `wait4` in this test process
/// can report the test process's own high-water mark (see `ChildProcess.waitSamplingPeak`).
@Suite(.serialized) struct DecompressionBombTests {
    static let binary = PackagePaths.medprep
    static let generator = PackagePaths.root + "/Scripts/make_gzip_bomb.py"
    static let goodFiles = ["nifti/base_int16.nii.gz", "nifti/two_gzip_members.nii.gz"]

    /// Runs `medprep arguments…` under Python, with `RLIMIT_AS` set to `addressSpaceKiB` if given; returns the
    /// outcome (Python's exit status mirrors medprep's; a signal is printed) and the child's peak RSS and seconds.
    static func measure(_ arguments: [String], addressSpaceKiB: Int = 0,
                        timeout: Double = 120) throws -> (outcome: ChildProcess.Outcome, peakKiB: Int, seconds: Double) {
        let wrapper = """
        import resource, subprocess, sys, time
        limit = int(sys.argv[1]) * 1024
        def cap():
            if limit > 0:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        start = time.monotonic()
        code = subprocess.call(sys.argv[2:], preexec_fn=cap)
        seconds = time.monotonic() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        sys.stderr.write("\\nmeasured: peak-kib %d seconds %.3f signal %d\\n" % (peak, seconds, -code if code < 0 else 0))
        sys.exit(code if code >= 0 else 128 - code)
        """
        let python = try #require(PackagePaths.executable(named: "python3"), "python3 is needed")
        let outcome = try ChildProcess.run(python, ["-c", wrapper, "\(addressSpaceKiB)", binary] + arguments, timeout: timeout)
        let line = try #require(outcome.standardError.split(separator: "\n").last { $0.hasPrefix("measured:") },
                                "\(outcome.transcript)")
        let fields = line.split(separator: " ")
        let peak = try #require(Int(fields[2])), seconds = try #require(Double(fields[4]))
        #expect(fields[6] == "0", "medprep ended by signal \(fields[6]): \(outcome.standardError.suffix(1500))")
        return (outcome, peak, seconds)
    }

    /// A fresh directory holding `bomb.nii.gz` (generator arguments `bomb`) and copies of two valid corpus volumes.
    static func directory(bomb: [String]) throws -> (root: String, input: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-bomb-\(UUID().uuidString)").path
        let input = root + "/input"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let python = try #require(PackagePaths.executable(named: "python3"), "python3 is needed")
        let made = try ChildProcess.run(python, [generator, input + "/bomb.nii.gz"] + bomb, timeout: 120)
        try #require(made.status == 0, "generator failed: \(made.transcript)")
        for (index, file) in goodFiles.enumerated() {
            try FileManager.default.copyItem(atPath: HostileCorpus.directory + "/" + file, toPath: input + "/good\(index).nii.gz")
        }
        return (root, input)
    }

    /// Writes a pipeline over `input` and returns its path.
    static func pipeline(root: String, input: String) throws -> String {
        let path = root + "/pipeline.yaml"
        try """
        version: 1
        name: bombs
        input:
          directory: \(input)
          include: ["*.nii.gz"]
        stages:
          - normalize: {method: groupnorm, groups: 1}
        output:
          directory: \(root)/out
          volumes: npy
          reports: [json]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The report entries of a finished run, by input path.
    static func reportEntries(root: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/out/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(report["files"] as? [[String: Any]])
        return Dictionary(files.map { ($0["input"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func inspectRefusesThePaddedBombWithinTwoSecondsAnd200MB() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let (root, input) = try Self.directory(bomb: ["--variant", "padded"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (outcome, peakKiB, seconds) = try Self.measure(["inspect", input + "/bomb.nii.gz"])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(seconds < 2, "took \(seconds) s")
        #expect(peakKiB < 200 * 1024, "peak RSS \(peakKiB) KiB")
        #expect(outcome.standardError.contains(input + "/bomb.nii.gz: the gzip stream holds 1001100352 bytes"),
                "\(outcome.standardError.suffix(1500))")
        #expect(outcome.standardError.contains("declares data up to byte 2000000352"))
    }

    @Test func runFailsOnlyTheBombCaseAndProcessesTheOthers() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let (root, input) = try Self.directory(bomb: ["--variant", "padded"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pipeline = try Self.pipeline(root: root, input: input)
        let (outcome, peakKiB, seconds) = try Self.measure(["run", pipeline, "--no-progress", "--jobs", "2"])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(seconds < 2, "took \(seconds) s")
        #expect(peakKiB < 200 * 1024, "peak RSS \(peakKiB) KiB")
        let entries = try Self.reportEntries(root: root)
        let bomb = try #require(entries["bomb.nii.gz"], "\(entries.keys)")
        #expect(bomb["status"] as? String == "failed")
        #expect(bomb["error_kind"] as? String == "truncated")
        #expect((bomb["error"] as? String)?.contains("bomb.nii.gz: the gzip stream holds 1001100352 bytes") == true, "\(bomb)")
        for index in Self.goodFiles.indices {
            #expect(entries["good\(index).nii.gz"]?["status"] as? String == "processed", "\(entries)")
        }
    }

    /// A valid bgzip-like file (20 MB of zeros under a 256×256×160 int16 header, as 321 gzip members of 64 KiB):
    /// its last member's ISIZE is not the whole size, and it must be read, not refused from its trailer.
    @Test func aValidManyMemberFileIsNotRefusedByItsTrailer() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let (root, input) = try Self.directory(bomb: ["--variant", "members", "--dims", "256", "256", "160"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try ChildProcess.run(Self.binary, ["inspect", "--json", input + "/bomb.nii.gz"], timeout: 120)
        #expect(outcome.status == 0, "\(outcome.transcript)")
        let parsed = try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
        let entry = try #require((parsed as? [[String: Any]])?.first, "\(outcome.transcript)")
        #expect(entry["error"] == nil, "\(entry)")
        #expect(entry["shape"] as? [Int] == [1, 160, 256, 256], "\(entry)")
        #expect(entry["max"] as? Double == 0 && entry["min"] as? Double == 0, "\(entry)")
    }

    /// Variants the trailer alone cannot refuse: a member header planted in the padding (may be several members),
    /// a forged trailer size, and random bytes (with a planted member header) appended after a complete member. They are inflated, so they cost the memory of the data that really arrives
    /// (1 GB), never a buffer of the declared size (2 GB of int16 plus 4 GB of float32), and fail their case.
    @Test(arguments: [("planted", "truncated", "the gzip stream ends after 1001100352 bytes"),
                      ("forged", "corrupt", "inflates to 1001100352 bytes, its trailer says 2000000352"),
                      ("appended", "corrupt", "1100000 trailing bytes after the gzip stream are not a gzip member")])
    func variantsThatMustBeInflatedCostOnlyTheirRealData(variant: String, kind: String, message: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let (root, input) = try Self.directory(bomb: ["--variant", variant])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pipeline = try Self.pipeline(root: root, input: input)
        let (outcome, peakKiB, seconds) = try Self.measure(["run", pipeline, "--no-progress", "--jobs", "2"])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(peakKiB < 1_300 * 1024, "peak RSS \(peakKiB) KiB")
        #expect(seconds < 30, "took \(seconds) s")
        let entries = try Self.reportEntries(root: root)
        let bomb = try #require(entries["bomb.nii.gz"], "\(entries.keys)")
        #expect(bomb["error_kind"] as? String == kind, "\(bomb)")
        #expect((bomb["error"] as? String)?.contains(message) == true, "\(bomb)")
        for index in Self.goodFiles.indices {
            #expect(entries["good\(index).nii.gz"]?["status"] as? String == "processed", "\(entries)")
        }
    }

    /// A complete, valid 1000×1000×500 uint8 volume (500 MB of zeros, 0.5 MB compressed) under an address-space
    /// limit that leaves room for its bytes but not for its 2 GB of float32: the allocation fails, and that case
    /// fails as `too_large` while the run goes on (before: Swift's allocator aborted the process, signal 6).
    @Test func anAllocationTheSystemRefusesFailsTheCaseAsTooLarge() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medprep first: \(Self.binary)")
        let (root, input) = try Self.directory(bomb: ["--variant", "honest", "--dims", "1000", "1000", "500",
                                                      "--datatype", "uint8"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let limit = 1_600 * 1024
        let inspect = try Self.measure(["inspect", input + "/bomb.nii.gz"], addressSpaceKiB: limit)
        #expect(inspect.outcome.status == 1, "\(inspect.outcome.transcript)")
        #expect(inspect.outcome.standardError.contains(input + "/bomb.nii.gz: cannot allocate 2000000000 bytes"),
                "\(inspect.outcome.standardError.suffix(1500))")

        let pipeline = try Self.pipeline(root: root, input: input)
        let run = try Self.measure(["run", pipeline, "--no-progress", "--jobs", "2"], addressSpaceKiB: limit)
        #expect(run.outcome.status == 1, "\(run.outcome.transcript)")
        let entries = try Self.reportEntries(root: root)
        let big = try #require(entries["bomb.nii.gz"], "\(entries.keys)")
        #expect(big["error_kind"] as? String == "too_large", "\(big)")
        #expect((big["error"] as? String)?.contains("cannot allocate 2000000000 bytes") == true, "\(big)")
        for index in Self.goodFiles.indices {
            #expect(entries["good\(index).nii.gz"]?["status"] as? String == "processed", "\(entries)")
        }
    }
}
