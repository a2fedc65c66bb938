import ArgumentParser
import Foundation
import MedPrepPipeline

/// `medprep validate FILE...`: every problem of pipeline files, with `file:line:column`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files and report every problem as file:line:column.",
        discussion: "Exit code 0 when every file is valid, 2 otherwise."
    )

    @Argument(help: "Pipeline YAML files.")
    var files: [String]

    func run() throws {
        var invalid = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(file): cannot read\n".utf8))
                invalid = true
                continue
            }
            let issues = PipelineParser.validate(text: String(decoding: data, as: UTF8.self), path: file, checkFilesystem: true)
            if issues.isEmpty {
                print("\(file): valid")
            } else {
                invalid = true
                issues.forEach { print($0.description) }
            }
        }
        if invalid { throw ExitStatus.usage }
    }
}
