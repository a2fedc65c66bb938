import Foundation
import MedPrepTestSupport
import Testing
import MedPrepCore
@testable import MedPrepNormalize

@Suite struct GroupNormTests {
    static let cases = Fixtures.cases("groupnorm")

    @Test(arguments: 0 ..< cases.count)
    func matchesNumpyFloat64AndTorch(index: Int) throws {
        let entry = Self.cases[index]
        let name = entry["name"].string ?? ""
        var tensor = try Fixtures.tensor(entry)
        let norm = try GroupNorm(groups: entry["groups"].int ?? 0, eps: entry["eps"].double ?? 0,
                                 gamma: entry["gamma"].doubles?.map { Float($0) },
                                 beta: entry["beta"].doubles?.map { Float($0) })
        let statistics = try norm.apply(to: &tensor, path: name)
        let expected = try Fixtures.floats(entry["expected"].string)
        let error = Fixtures.maxError(tensor.storage, expected)
        #expect(error <= 1e-5, "\(name): max |y − numpy| = \(error)")
        if name.hasPrefix("constant") { #expect(tensor.storage.allSatisfy { $0 == 0 }, "\(name)") }
        if let torchFile = entry["torch"].string, entry["torchComparable"].bool == true {
            let torch = try Fixtures.floats(torchFile)
            for (y, t) in zip(tensor.storage, torch) {
                #expect(abs(y - t) <= 1e-5 + 1e-6 * abs(t), "\(name): \(y) vs torch \(t)")
            }
        }
        let reference = entry["stats"].array
        #expect(statistics.count == reference.count)
        for (s, r) in zip(statistics, reference) {
            #expect(s.sample == r["sample"].int && s.group == r["group"].int)
            let mean = r["mean"].double ?? .nan, variance = r["var"].double ?? .nan
            #expect(abs(s.mean - mean) <= 1e-12 * max(abs(mean), variance.squareRoot()), "\(name) mean \(s.mean) vs \(mean)")
            #expect(abs(s.variance - variance) <= 1e-11 * variance, "\(name) var \(s.variance) vs \(variance)")
            #expect(s.min == r["min"].double, "\(name) min")
            #expect(s.max == r["max"].double, "\(name) max")
            #expect(abs(s.rstd - 1 / (variance + norm.eps).squareRoot()) <= 1e-6 * s.rstd)
            #expect(s.count == tensor.shape.sampleCount / norm.groups && s.nonFinite == 0)
        }
    }

    /// Random volumes large enough for several blocks per group.
    static func randomBatch(n: Int, seed: UInt64) -> Tensor {
        var generator = SplitMix(seed: seed)
        let shape = TensorShape(n: n, c: 2, d: 5, h: 48, w: 40)
        return Tensor(shape: shape, storage: (0 ..< shape.count).map { _ in Float(generator.unit() * 4000 - 1024) })
    }

    @Test func sampleIsBitIdenticalAloneOrInABatchAtAnyThreadCount() throws {
        let batch = Self.randomBatch(n: 8, seed: 7)
        var outputs = [Tensor]()
        for threads in [1, 2, 3] {
            var copy = batch
            _ = try GroupNorm(groups: 1, threads: threads).apply(to: &copy)
            outputs.append(copy)
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
        for n in [0, 5] {
            for threads in [1, 2] {
                var alone = batch.sample(n)
                let stats = try GroupNorm(groups: 2, threads: threads).apply(to: &alone)
                var inBatch = batch
                let batchStats = try GroupNorm(groups: 2, threads: 3 - threads).apply(to: &inBatch)
                #expect(alone.storage == inBatch.sample(n).storage)
                #expect(stats.map(\.mean) == batchStats.filter { $0.sample == n }.map(\.mean))
            }
        }
    }

    @Test func groupsNotDividingChannelsIsAnError() throws {
        var tensor = Tensor(shape: TensorShape(n: 1, c: 6, h: 2, w: 2), repeating: 1)
        let norm = try GroupNorm(groups: 4)
        let error = try #require(throws: MedPrepError.self) { try norm.apply(to: &tensor, path: "scan.nii") }
        #expect(error.kind == .invalidArgument && error.reason.contains("4") && error.reason.contains("6"))
        #expect(throws: MedPrepError.self) { try GroupNorm(groups: 0) }
        #expect(throws: MedPrepError.self) { try GroupNorm(groups: 1, eps: -1) }
        #expect(throws: MedPrepError.self) { try GroupNorm(groups: 2, gamma: [1, 1, 1]).apply(to: &tensor) }
    }

    @Test func nonFiniteErrorNamesFileAndCountAndLeavesTensor() throws {
        let entry = Fixtures.cases("nonfinite")[0]
        var tensor = try Fixtures.tensor(entry)
        let original = tensor
        let error = try #require(throws: MedPrepError.self) {
            try GroupNorm(groups: 2).apply(to: &tensor, path: "bad.nii.gz")
        }
        #expect(error.kind == .nonFinite && error.path == "bad.nii.gz" && error.reason.contains("3 non-finite"))
        #expect(tensor.storage.elementsEqual(original.storage) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test(arguments: ["ignore", "zero"])
    func nonFinitePoliciesMatchNumpy(policy: String) throws {
        let entry = try #require(Fixtures.cases("nonfinite").first { $0["policy"].string == policy })
        var tensor = try Fixtures.tensor(entry)
        let stats = try GroupNorm(groups: 2).apply(to: &tensor, nonFinite: NonFinitePolicy(rawValue: policy)!)
        let error = Fixtures.maxError(tensor.storage, try Fixtures.floats(entry["expected"].string))
        #expect(error <= 1e-5, "\(policy): \(error)")
        for (s, r) in zip(stats, entry["stats"].array) {
            #expect(s.count == r["count"].int && s.nonFinite == r["nonFinite"].int)
            #expect(abs(s.mean - (r["mean"].double ?? .nan)) <= 1e-9)
            #expect(abs(s.variance - (r["var"].double ?? .nan)) <= 1e-6)
        }
    }

    @Test func statisticsPassEqualsApplyAndIsCodable() throws {
        var tensor = Self.randomBatch(n: 1, seed: 3)
        let before = try GroupNorm(groups: 2).statistics(of: tensor)
        let stats = try GroupNorm(groups: 2).apply(to: &tensor)
        #expect(before == stats)
        let decoded = try JSONDecoder().decode([GroupStatistics].self, from: JSONEncoder().encode(stats))
        #expect(decoded == stats)
    }
}
