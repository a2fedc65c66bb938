import Foundation
import MedPrepCore
import MedPrepPipeline
import MedPrepReport
import Testing

@Suite struct ShardedRunTests {
    static func pipeline(_ volumes: TestVolumes, normalize: String, output: String) throws -> ResolvedPipeline {
        let path = volumes.directory + "/pipeline-\(UUID().uuidString).yaml"
        try Data("""
        version: 1
        name: shard-test
        input: {directory: \(volumes.directory), include: ["*.nii"]}
        stages:
          - normalize: \(normalize)
        output: {directory: \(output), volumes: nifti, compression: none, reports: [json, csv]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        return try PipelineParser.load(path: path).resolved()
    }

    static func run(_ pipeline: ResolvedPipeline, shard: Shard?) throws -> RunSummary {
        try PipelineRunner(pipeline: pipeline, options: RunOptions(medprepVersion: "test", shard: shard),
                           log: RunLog(format: .json, progressBar: false)).run()
    }

    static func volumeBytes(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".nii") {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return result
    }

    @Test func shardsTogetherWriteWhatOneRunWrites() throws {
        let volumes = try TestVolumes()
        defer { volumes.remove() }
        try volumes.writeDataset(count: 10)
        let normalize = "{method: groupnorm, groups: 1, eps: 1.0e-5}"
        let single = try Self.pipeline(volumes, normalize: normalize, output: volumes.outputs + "/single")
        #expect(try Self.run(single, shard: nil).processed == 10)
        let sharded = try Self.pipeline(volumes, normalize: normalize, output: volumes.outputs + "/sharded")
        var reports: [(path: String, report: RunReport)] = []
        for index in 0 ..< 3 {
            let shard = try Shard(index: index, count: 3)
            let summary = try Self.run(sharded, shard: shard)
            #expect(summary.processed == (0 ..< 10).filter { shard.contains(caseID: String(format: "case_%03d", $0)) }.count)
            #expect(summary.reports.map { ($0 as NSString).lastPathComponent }
                == ["groups.shard-\(index)-of-3.csv", "report.shard-\(index)-of-3.json"])
            #expect(FileManager.default.fileExists(atPath: sharded.stateDirectory + "/shard-\(index)-of-3/state.sqlite"))
            #expect(FileManager.default.fileExists(atPath: sharded.stateDirectory + "/shard-\(index)-of-3/lock"))
            let path = try #require(summary.reports.first { $0.hasSuffix(".json") })
            reports.append((path, try ReportJSON.decoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))))
            #expect(reports.last?.report.shard == ShardOfRun(index: index, count: 3))
            #expect(try Self.run(sharded, shard: shard).upToDate == summary.processed, "a rerun of a shard is incremental")
        }
        #expect(!FileManager.default.fileExists(atPath: sharded.stateDirectory + "/state.sqlite"))
        #expect(try Self.volumeBytes(single.outputDirectory) == Self.volumeBytes(sharded.outputDirectory))
        #expect(try Self.volumeBytes(single.outputDirectory).count == 10)

        let whole = try ReportJSON.decoder().decode(RunReport.self,
                                                    from: Data(contentsOf: URL(fileURLWithPath: single.outputDirectory + "/report.json")))
        let merged = try ShardReportMerge.merge(reports.reversed())
        #expect(merged.files.map(\.input) == whole.files.map(\.input))
        #expect(merged.files.map(\.groups) == whole.files.map(\.groups))
        #expect(merged.shard == nil)
        #expect(GroupsCSV.render(merged.groupRows) == GroupsCSV.render(whole.groupRows))

        let missing = try #require(throws: MedPrepError.self) { try ShardReportMerge.merge(Array(reports.prefix(2))) }
        #expect(missing.reason.contains("shard(s) 2 of 3"))
        #expect(throws: MedPrepError.self) { try ShardReportMerge.merge(reports + [reports[1]]) }
        #expect(throws: MedPrepError.self) { try ShardReportMerge.merge(reports + [(single.outputDirectory + "/report.json", whole)]) }
    }

    @Test func shardedRunRefusesComputedStatistics() throws {
        let volumes = try TestVolumes()
        defer { volumes.remove() }
        try volumes.writeDataset(count: 3)
        let pipeline = try Self.pipeline(volumes, normalize: "{method: dataset}", output: volumes.outputs + "/out")
        let error = try #require(throws: MedPrepError.self) { try Self.run(pipeline, shard: try Shard(index: 0, count: 2)) }
        #expect(error.kind == .invalidArgument)
        #expect(error.reason.contains("medprep stats merge"))
        #expect(!FileManager.default.fileExists(atPath: volumes.outputs + "/out/.medprep/shard-0-of-2/state.sqlite"))
    }
}
