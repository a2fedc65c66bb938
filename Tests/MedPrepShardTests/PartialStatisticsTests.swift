import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepPipeline
import Testing

@Suite struct PartialStatisticsTests {
    static func pass(mask: ForegroundMask?, jobs: Int) throws -> StatisticsPass {
        let limits = DecodeLimits()
        let loader = CaseLoader(reader: ScanReader(limits: limits), plan: try StagePlan(stages: [], limits: limits))
        return StatisticsPass(loader: loader, mask: mask, nonFinite: .error, jobs: jobs)
    }

    static func cases(_ volumes: TestVolumes) throws -> [InputCase] {
        let include = InputSpec.defaultInclude.compactMap(GlobPattern.init)
        return try InputDiscovery(directory: volumes.directory, include: include).discover().cases
    }

    /// Phase one for every shard of `count`, each partial through its JSON form, in reverse shard order.
    static func partials(_ cases: [InputCase], count: Int, pass: StatisticsPass,
                         mask: ForegroundMask?) throws -> [(path: String, partial: PartialStatistics)] {
        var result: [(path: String, partial: PartialStatistics)] = []
        for index in (0 ..< count).reversed() {
            let shard = try Shard(index: index, count: count)
            var partial = PartialStatistics(shard: shard, mask: mask)
            var errors: [Error] = []
            pass.forEachCase(cases.filter(shard.contains)) { input, result in
                do { try partial.add(caseID: input.id, statistics: try result.get()) } catch { errors.append(error) }
            }
            #expect(errors.isEmpty)
            let decoded = try PartialStatistics.decode(try partial.jsonData(), path: "partial-\(index).json")
            #expect(decoded == partial)
            result.append(("partial-\(index).json", decoded))
        }
        return result
    }

    @Test(arguments: [(nil, 1), (ForegroundMask.nonzero, 2)] as [(ForegroundMask?, Int)])
    func mergedPartialsEqualTheSinglePassBitForBit(mask: ForegroundMask?, jobs: Int) throws {
        let volumes = try TestVolumes()
        defer { volumes.remove() }
        try volumes.writeDataset(count: 29)
        let cases = try Self.cases(volumes)
        #expect(cases.count == 29)
        let pass = try Self.pass(mask: mask, jobs: jobs)
        let (single, failures) = pass.run(cases)
        #expect(failures.isEmpty)
        #expect(single.files == 29)
        for count in [1, 2, 3, 7] {
            let (merged, mergeFailures) = try PartialStatistics.merge(try Self.partials(cases, count: count, pass: pass, mask: mask))
            #expect(mergeFailures.isEmpty)
            #expect(merged.files == single.files)
            #expect(merged.mask == single.mask)
            #expect(merged.channels.count == single.channels.count)
            for (a, b) in zip(merged.channels, single.channels) {
                #expect(a.moments.count == b.moments.count)
                #expect(a.moments.mean.bitPattern == b.moments.mean.bitPattern, "mean, \(count) shards")
                #expect(a.moments.m2.bitPattern == b.moments.m2.bitPattern, "m2, \(count) shards")
                #expect(a.variance.bitPattern == b.variance.bitPattern)
                #expect(a.moments.min.bitPattern == b.moments.min.bitPattern)
                #expect(a.moments.max.bitPattern == b.moments.max.bitPattern)
                #expect(a.sketch == b.sketch)
                #expect(a.percentile(0.5) == b.percentile(0.5) && a.percentile(99.5) == b.percentile(99.5))
            }
            #expect(try merged.jsonData() == single.jsonData(), "statistics JSON differs for \(count) shards")
        }
    }

    @Test func shardFailuresAreCarriedToTheMerge() throws {
        let volumes = try TestVolumes()
        defer { volumes.remove() }
        try volumes.writeDataset(count: 6)
        try Data("not a scan".utf8).write(to: URL(fileURLWithPath: volumes.directory + "/case_broken.nii"))
        let cases = try Self.cases(volumes)
        let pass = try Self.pass(mask: nil, jobs: 1)
        let (single, singleFailures) = pass.run(cases)
        var partials: [(path: String, partial: PartialStatistics)] = []
        for index in 0 ..< 2 {
            let shard = try Shard(index: index, count: 2)
            var partial = PartialStatistics(shard: shard, mask: nil)
            pass.forEachCase(cases.filter(shard.contains)) { input, result in
                switch result {
                case .success(let statistics): try? partial.add(caseID: input.id, statistics: statistics)
                case .failure(let error): partial.addFailure(caseID: input.id, error: error)
                }
            }
            partials.append(("p\(index)", try PartialStatistics.decode(try partial.jsonData(), path: "p\(index)")))
        }
        let (merged, failures) = try PartialStatistics.merge(partials)
        #expect(failures.map(\.id) == ["case_broken"])
        #expect(Array(singleFailures.keys) == ["case_broken"])
        #expect(try merged.jsonData() == single.jsonData())
    }

    static func threePartials() throws -> (cases: [InputCase], partials: [(path: String, partial: PartialStatistics)], volumes: TestVolumes) {
        let volumes = try TestVolumes()
        try volumes.writeDataset(count: 12)
        let cases = try cases(volumes)
        let partials = try Self.partials(cases, count: 3, pass: try pass(mask: nil, jobs: 1), mask: nil)
        return (cases, partials, volumes)
    }

    @Test func mergeRefusesAMissingShard() throws {
        let (_, partials, volumes) = try Self.threePartials()
        defer { volumes.remove() }
        let incomplete = partials.filter { $0.partial.shard.index != 1 }
        let error = try #require(throws: MedPrepError.self) { try PartialStatistics.merge(incomplete) }
        #expect(error.reason.contains("missing partial statistics of shard(s) 1/3"))
        #expect(throws: MedPrepError.self) { try PartialStatistics.merge([]) }
    }

    @Test func mergeRefusesADuplicateCaseOrShard() throws {
        let (_, partials, volumes) = try Self.threePartials()
        defer { volumes.remove() }
        let twice = try #require(throws: MedPrepError.self) { try PartialStatistics.merge(partials + [partials[0]]) }
        #expect(twice.reason.contains("is also given by"))

        // A copy of shard 0 of 2 that claims to be shard 1: its cases then appear in two partials.
        let two = try Self.partials(try Self.cases(volumes), count: 2, pass: try Self.pass(mask: nil, jobs: 1), mask: nil)
        let zero = try #require(two.first { $0.partial.shard.index == 0 })
        let text = String(decoding: try zero.partial.jsonData(), as: UTF8.self)
        #expect(text.contains("\"index\" : 0"))
        let relabeled = try PartialStatistics.decode(Data(text.replacingOccurrences(of: "\"index\" : 0", with: "\"index\" : 1").utf8),
                                                     path: "relabeled.json")
        #expect(relabeled.shard == (try Shard(index: 1, count: 2)))
        let duplicate = try #require(throws: MedPrepError.self) {
            try PartialStatistics.merge([("zero.json", zero.partial), ("relabeled.json", relabeled)])
        }
        #expect(duplicate.reason.contains("also appears in zero.json"))
    }

    @Test func mergeRefusesDifferentShardCountsOrMasks() throws {
        let (cases, partials, volumes) = try Self.threePartials()
        defer { volumes.remove() }
        let other = try Self.partials(cases, count: 2, pass: try Self.pass(mask: nil, jobs: 1), mask: nil)
        let counts = try #require(throws: MedPrepError.self) { try PartialStatistics.merge(partials + [other[0]]) }
        #expect(counts.reason.contains("all partials must share N"))
        let masked = try Self.partials(cases, count: 3, pass: try Self.pass(mask: .nonzero, jobs: 1), mask: .nonzero)
        #expect(throws: MedPrepError.self) { try PartialStatistics.merge([partials[0], masked[1], masked[2]]) }
    }

    @Test func partialRefusesCasesOfOtherShardsAndRepeats() throws {
        let (cases, _, volumes) = try Self.threePartials()
        defer { volumes.remove() }
        let shard = try Shard(index: 0, count: 3)
        let pass = try Self.pass(mask: nil, jobs: 1)
        var partial = PartialStatistics(shard: shard, mask: nil)
        var outcomes: [String: Bool] = [:]
        pass.forEachCase(cases) { input, result in
            guard case .success(let statistics) = result else { return }
            outcomes[input.id] = (try? partial.add(caseID: input.id, statistics: statistics)) != nil
            if shard.contains(input) {
                #expect(throws: MedPrepError.self) { try partial.add(caseID: input.id, statistics: statistics) }
            }
        }
        for input in cases { #expect(outcomes[input.id] == shard.contains(input)) }
        #expect(partial.cases.count == cases.filter(shard.contains).count)
    }

    @Test func decodingRefusesOtherKindsAndVersions() throws {
        let partial = PartialStatistics(shard: try Shard(index: 0, count: 1), mask: nil)
        let text = String(decoding: try partial.jsonData(), as: UTF8.self)
        let kind = text.replacingOccurrences(of: "\"partial\"", with: "\"statistics\"")
        #expect(throws: MedPrepError.self) { try PartialStatistics.decode(Data(kind.utf8), path: "k.json") }
        let version = text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2")
        let error = try #require(throws: MedPrepError.self) { try PartialStatistics.decode(Data(version.utf8), path: "v.json") }
        #expect(error.kind == .unsupported)
        #expect(throws: MedPrepError.self) { try PartialStatistics.decode(Data("{}".utf8), path: "e.json") }
    }
}
