import Foundation
import MedPrepCore
import MedPrepPipeline
import Testing

@Suite struct ShardTests {
    struct Row: Decodable {
        var id: String
        var count: Int
        var index: Int
    }

    @Test func assignmentMatchesPythonHashlib() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/shard_indices.json")
        let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: url))
        #expect(rows.count == 40)
        for row in rows {
            #expect(Shard.index(ofCaseID: row.id, count: row.count) == row.index, "\(row.id) mod \(row.count)")
            #expect(try Shard(index: row.index, count: row.count).contains(caseID: row.id))
        }
    }

    static func ids(_ range: Range<Int>) -> [String] {
        range.map { $0 % 3 == 0 ? "sub\($0 % 4)/case_\($0)" : "case_\($0)" }
    }

    @Test(arguments: [1, 2, 3, 7])
    func assignmentIsAPartition(count: Int) throws {
        let shards = try (0 ..< count).map { try Shard(index: $0, count: count) }
        var sizes = [Int](repeating: 0, count: count)
        for id in Self.ids(0 ..< 700) {
            let owners = shards.filter { $0.contains(caseID: id) }
            #expect(owners.count == 1, "\(id) is in \(owners.count) shards")
            if let owner = owners.first { sizes[owner.index] += 1 }
        }
        #expect(sizes.reduce(0, +) == 700)
        #expect(sizes.allSatisfy { $0 > 700 / count / 2 }, "unbalanced shards \(sizes)")
    }

    @Test(arguments: [2, 3, 7])
    func addingCasesNeverMovesExistingOnes(count: Int) {
        let before = Dictionary(uniqueKeysWithValues: Self.ids(0 ..< 200).map { ($0, Shard.index(ofCaseID: $0, count: count)) })
        let grown = Self.ids(0 ..< 200) + Self.ids(1000 ..< 1300)
        for id in grown.shuffled() {
            if let earlier = before[id] { #expect(Shard.index(ofCaseID: id, count: count) == earlier) }
        }
    }

    @Test func channelFilesOfACaseStayTogether() {
        let input = InputCase(id: "BraTS/p01", relativePaths: ["BraTS/p01_0000.nii.gz", "BraTS/p01_0001.nii.gz"],
                              paths: ["/d/BraTS/p01_0000.nii.gz", "/d/BraTS/p01_0001.nii.gz"], channelNumbers: [0, 1])
        let shards = (0 ..< 5).compactMap { try? Shard(index: $0, count: 5) }
        #expect(shards.filter { $0.contains(input) }.count == 1)
        #expect(shards.first { $0.contains(input) }?.index == Shard.index(ofCaseID: "BraTS/p01", count: 5))
    }

    @Test func parsesExplicitShards() throws {
        let shard = try Shard(parsing: "2/3", environment: [:])
        #expect(shard.index == 2 && shard.count == 3)
        #expect(shard.name == "shard-2-of-3")
        #expect(shard.description == "2/3")
        for bad in ["3/3", "-1/3", "0/0", "1", "a/3", "1/3/4", "", "slurm/x"] {
            #expect(throws: MedPrepError.self, "\(bad)") { try Shard(parsing: bad, environment: [:]) }
        }
    }

    @Test func parsesSlurmArrayTasks() throws {
        let whole = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"]
        #expect(try Shard(parsing: "slurm", environment: whole) == Shard(index: 1, count: 3))
        let rerun = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_COUNT": "2"]
        #expect(try Shard(parsing: "slurm/8", environment: rerun) == Shard(index: 7, count: 8))
        #expect(throws: MedPrepError.self) { try Shard(parsing: "slurm/7", environment: rerun) }
        #expect(throws: MedPrepError.self) { try Shard(parsing: "slurm", environment: [:]) }
        #expect(throws: MedPrepError.self) {
            try Shard(parsing: "slurm", environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"])
        }
    }
}
