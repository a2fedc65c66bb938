import Foundation
import MedPrepTestSupport
import Testing

extension EndToEnd {
    /// Issue 17, item 4: every form shown in `--help` and the READMEs works. The YAML examples of the READMEs
    /// validate, the READMEs' command examples run (placeholders filled in) in a copy of SampleData and
    /// pipelines, and every `stats: …` form that a command's help shows is accepted by the parser.
    @Suite struct DocumentedExamples {
        static let readmes = ["README.md", "pipelines/README.md"]

        static func text(_ relative: String) throws -> String {
            try String(contentsOfFile: MedPrepProcess.packageRoot + "/" + relative, encoding: .utf8)
        }

        /// The ```yaml blocks of a Markdown text.
        static func yamlBlocks(_ markdown: String) -> [String] {
            var blocks: [String] = []
            var current: [Substring]?
            for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
                if current == nil, line.hasPrefix("```yaml") {
                    current = []
                } else if line.hasPrefix("```"), let block = current {
                    blocks.append(block.joined(separator: "\n") + "\n")
                    current = nil
                } else {
                    current?.append(line)
                }
            }
            return blocks
        }

        /// The indented `medprep …` command lines of a Markdown text that are examples rather than synopses (no
        /// `[option]` brackets or `…`), comments dropped and placeholders filled in.
        static func commands(_ markdown: String) -> [String] {
            let fill = [("partials/stats-K.json", "partials/stats-0.json"), ("K/N", "0/1"), (" DIR ", " SampleData/ct-cohort "),
                        ("PIPELINE", "pipelines/quickstart.yaml"), ("OUT/", "out/quickstart/"), ("--output OUT", "--output out/quickstart")]
            return markdown.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("    medprep ") else { return nil }
                var command = String(line.dropFirst(4).split(separator: "#", maxSplits: 1)[0]).trimmingCharacters(in: .whitespaces)
                guard !command.contains("["), !command.contains("..."), !command.contains("…") else { return nil }
                for (placeholder, value) in fill { command = command.replacingOccurrences(of: placeholder, with: value) }
                return command
            }
        }

        @Test func readmeYAMLExamplesValidate() throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            var files: [String] = []
            for readme in Self.readmes {
                for (index, block) in Self.yamlBlocks(try Self.text(readme)).enumerated() {
                    let name = "pipelines/doc-\(files.count)-\(index).yaml"
                    try workspace.write(block, to: name)
                    files.append(workspace.at(name))
                }
            }
            #expect(!files.isEmpty)
            let outcome = try MedPrepProcess.run(["validate"] + files)
            #expect(outcome.status == 0, "\(outcome.transcript)")
        }

        @Test func readmeCommandExamplesRun() throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            let commands = try Self.readmes.flatMap { Self.commands(try Self.text($0)) }
            #expect(commands.contains { $0.contains(" -j 2 -o ") }, "the README shows the short options")
            #expect(commands.contains { $0.hasPrefix("medprep stats merge ") })
            #expect(commands.count >= 8)
            for command in commands {
                let script = "cd '\(workspace.path)' && '\(PackagePaths.medprep)'" + command.dropFirst("medprep".count)
                let outcome = try ChildProcess.run("/bin/sh", ["-c", script], timeout: 600)
                #expect(outcome.status == 0, "\(command): \(outcome.transcript)")
                #expect(!outcome.standardError.contains("Usage:"), "\(command): \(outcome.standardError)")
            }
        }

        /// Each `stats: X` shown in a command's help is a form the pipeline parser accepts.
        @Test func statsFormsInTheHelpParse() throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            var forms: Set<String> = []
            for command in ["run", "stats", "stats merge", "normalize", "validate", "compare-norms", "report merge"] {
                let outcome = try MedPrepProcess.run(["help"] + command.split(separator: " ").map(String.init))
                #expect(outcome.status == 0, "help \(command): \(outcome.transcript)")
                let help = outcome.standardOutput.replacingOccurrences(of: "\n", with: " ")
                for snippet in help.split(separator: "`").enumerated() where snippet.offset % 2 == 1 && snippet.element.hasPrefix("stats: ") {
                    forms.insert(String(snippet.element))
                }
            }
            #expect(forms.contains("stats: stats.json"), "\(forms)")
            let statistics = try MedPrepProcess.run(["stats", workspace.at("SampleData/ct-cohort"), "-o", workspace.at("pipelines/stats.json")])
            #expect(statistics.status == 0, "\(statistics.transcript)")
            for (index, form) in forms.sorted().enumerated() {
                let name = "pipelines/help-\(index).yaml"
                try workspace.write("""
                version: 1
                name: help-form
                input: {directory: ../SampleData/ct-cohort}
                stages:
                  - normalize: {method: dataset, \(form)}
                output: {directory: ../out/help-form}

                """, to: name)
                let outcome = try MedPrepProcess.run(["validate", workspace.at(name)])
                #expect(outcome.status == 0, "\(form): \(outcome.transcript)")
            }
        }
    }
}
