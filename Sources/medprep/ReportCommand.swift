import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepReport

/// `medprep report`: operations on run reports.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Operations on run reports.",
        subcommands: [ReportMergeCommand.self]
    )
}

/// `medprep report merge REPORTS… --output DIR`: one report of a sharded run from the reports of its shards.
struct ReportMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard reports of a sharded run into report.json, groups.csv and report.html.",
        discussion: """
        The reports must come from the same pipeline and together cover shards 0…N−1 exactly once, with no input \
        in two reports (exit 2 otherwise). Files are listed in input order, as a single run lists them.
        """
    )

    @Argument(help: "Shard reports (report.shard-K-of-N.json).")
    var reports: [String]

    @Option(name: .shortAndLong, help: "Directory for report.json, groups.csv and report.html.")
    var output: String

    func run() throws {
        var loaded: [(path: String, report: RunReport)] = []
        for path in reports {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw MedPrepError(.io, path: path, reason: "cannot read the report: \(ErrorText.reason(error))")
            }
            do {
                loaded.append((path, try ReportJSON.decoder().decode(RunReport.self, from: data)))
            } catch {
                throw ErrorText.jsonError(error, data: data, path: path, holding: "medprep run report")
            }
        }
        let merged: RunReport
        do {
            merged = try ShardReportMerge.merge(loaded)
        } catch let error as MedPrepError {
            FileHandle.standardError.write(Data("medprep: \(error)\n".utf8))
            throw ExitStatus.usage
        }
        let title = "medprep run: " + (Self.pipelineName(merged.pipeline) ?? "merged shard reports")
        let outputs = [
            ("report.json", Array(try merged.jsonData())),
            ("groups.csv", Array(GroupsCSV.render(merged.groupRows).utf8)),
            ("report.html", Array(RunReportPage.render(merged, title: title).utf8)),
        ]
        for (name, bytes) in outputs {
            let path = output + "/" + name
            try AtomicFile.write(bytes, to: path)
            print("report:  \(path)")
        }
    }

    /// The `name` of the resolved pipeline JSON a report carries.
    static func pipelineName(_ pipeline: String?) -> String? {
        guard let data = pipeline?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["name"] as? String
    }
}
