import Foundation
import MedPrepPipeline
import MedPrepTestSupport
import Testing

/// Options with a fixed set of values are typed: swift-argument-parser lists their values in `--help` and refuses
/// any other value as a usage error (exit 2), before anything is read or written.
@Suite struct CommandOptionTests {
    static let binary = PackagePaths.medprep

    static func medprep(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build medprep first: \(binary)")
        return try ChildProcess.run(binary, arguments, timeout: 60)
    }

    /// Help text with every run of whitespace (line wrapping) as one space.
    static func help(_ command: [String]) throws -> String {
        let outcome = try medprep(command + ["--help"])
        return outcome.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func helpListsTheValuesOfEveryFixedValueOption() throws {
        let normalize = try Self.help(["normalize"])
        #expect(normalize.contains("(values: \(NormalizeMethod.names.joined(separator: ", ")))"), "\(normalize)")
        #expect(normalize.contains("Normalize scans (\(NormalizeMethod.names.joined(separator: ", ")))."))
        #expect(normalize.contains("(values: error, ignore, zero; default: error)"))
        #expect(normalize.contains("(values: nifti, npy; default: nifti)"))
        #expect(try Self.help(["run"]).contains("(values: text, json; default: text)"))
        #expect(try Self.help(["compare-norms"]).contains("Default: 2,4,8,16,32 up to the number of scans used."))
    }

    @Test(arguments: [
        (["normalize", "a.nii", "--output", "o", "--method", "zscore"], "--method"),
        (["normalize", "a.nii", "--output", "o", "--method", "minmax", "--format", "tiff"], "--format"),
        (["normalize", "a.nii", "--output", "o", "--method", "minmax", "--nonfinite", "nan"], "--nonfinite"),
        (["normalize", "a.nii", "--output", "o", "--method", "dataset", "--mask", "half"], "--mask"),
        (["normalize", "a.nii", "--output", "o", "--method", "groupnorm", "--gamma", "1,x"], "--gamma"),
        (["run", "p.yaml", "--log-format", "xml"], "--log-format"),
        (["stats", "dir", "--mask", "threshold:"], "--mask"),
        (["compare-norms", "dir", "--output", "o", "--batch-sizes", "4,0"], "--batch-sizes"),
    ])
    func anotherValueIsAUsageError(arguments: [String], option: String) throws {
        let outcome = try Self.medprep(arguments)
        #expect(outcome.status == 2, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("is invalid for '\(option) <"), "\(outcome.transcript)")
    }

    /// `medprep normalize` reads its method's parameters with the pipeline-file parser: what a pipeline file
    /// refuses, the command refuses as a usage error with the same words.
    @Test func methodParametersAreCheckedLikePipelineFiles() throws {
        let cases = [
            (["--method", "instance", "--eps", "0"], "found eps 0.0, expected a positive number"),
            (["--method", "percentile", "--lower", "50", "--upper", "10"], "found upper 10.0 not above lower 50.0, expected lower < upper"),
            (["--method", "groupnorm", "--gamma", "1,2", "--beta", "1"],
             "found gamma with 2 values and beta with 1, expected the same number of values (one per channel)"),
        ]
        for (arguments, message) in cases {
            let outcome = try Self.medprep(["normalize", "missing.nii", "--output", "never-written"] + arguments)
            #expect(outcome.status == 2, "\(outcome.transcript)")
            #expect(outcome.standardError.contains(message), "\(outcome.transcript)")
        }
        #expect(!FileManager.default.fileExists(atPath: "never-written"))
    }
}
