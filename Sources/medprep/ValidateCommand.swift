import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepPipeline

/// `medprep validate FILE...`: every problem of pipeline files, with `file:line:column`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files and report every problem as file:line:column.",
        discussion: """
        Besides the file itself (keys, values, stage order, paths, the input directory and a statistics file), the \
        channel checks (groups dividing C, select_channels indices, gamma/beta lengths) are made on the channel \
        count of the first input case, read from its headers without decoding voxels. Exit code 0 when every file \
        is valid, 2 otherwise. At most 50 problems are printed per file, then their count.
        """
    )

    @Argument(help: "Pipeline YAML files.")
    var files: [String]

    func run() throws {
        var invalid = false
        for file in files {
            let text: String
            do {
                text = try PipelineFile.read(path: file)
            } catch let error as MedPrepError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                invalid = true
                continue
            }
            let issues = PipelineValidation.issues(text: text, path: file)
            if issues.isEmpty {
                print("\(file): valid")
            } else {
                invalid = true
                print(PipelineIssues(issues).description)
            }
        }
        if invalid { throw ExitStatus.usage }
    }
}
