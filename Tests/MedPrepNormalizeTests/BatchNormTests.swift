import Foundation
import MedPrepTestSupport
import Testing
import MedPrepCore
@testable import MedPrepNormalize

@Suite struct BatchNormTests {
    @Test(arguments: Fixtures.cases("batchnorm").compactMap { $0["module"].string })
    func runningStatisticsMatchTorch(module: String) throws {
        let entry = try #require(Fixtures.cases("batchnorm").first { $0["module"].string == module })
        var running = RunningBatchNorm(channels: 3, momentum: entry["momentum"].double ?? .nan, eps: entry["eps"].double ?? .nan)
        var last: Tensor?
        let steps = entry["steps"].array
        #expect(steps.count >= 2)
        for step in steps {
            var batch = try Fixtures.tensor(step)
            last = batch
            _ = try running.train(&batch)
            let torch = try Fixtures.floats(step["torch"].string)
            for (y, t) in zip(batch.storage, torch) { #expect(abs(y - t) <= 1e-5 + 1e-5 * abs(t), "\(module) train") }
            for c in 0 ..< 3 {
                let mean = step["runningMean"].array[c].double ?? .nan, variance = step["runningVar"].array[c].double ?? .nan
                #expect(abs(running.runningMean[c] - mean) <= 1e-6 * max(1, abs(mean)), "\(module) mean \(running.runningMean[c]) vs \(mean)")
                #expect(abs(running.runningVar[c] - variance) <= 1e-6 * max(1, variance), "\(module) var \(running.runningVar[c]) vs \(variance)")
            }
        }
        #expect(running.batchesTracked == steps.count)
        var evaluated = try #require(last)
        _ = try running.evaluate(&evaluated)
        let torch = try Fixtures.floats(entry["eval"].string)
        for (y, t) in zip(evaluated.storage, torch) { #expect(abs(y - t) <= 1e-5 + 1e-5 * abs(t), "\(module) eval") }
        var wrong = Tensor(shape: TensorShape(c: 2, h: 1, w: 2), repeating: 0)
        #expect(throws: MedPrepError.self) { _ = try running.train(&wrong) }
    }

    @Test func momentsMergeEqualsSinglePass() {
        var generator = SplitMix(seed: 11)
        let values = (0 ..< 10_000).map { _ in Float(generator.unit() * 6000 - 3000) }
        let whole = values.withUnsafeBufferPointer { Moments.of($0, nonFinite: .error) }
        var welford = Moments()
        for v in values { welford.add(Double(v)) }
        let a = values[..<3333].withUnsafeBufferPointer { Moments.of($0, nonFinite: .error) }
        let b = values[3333...].withUnsafeBufferPointer { Moments.of($0, nonFinite: .error) }
        for merged in [Moments.merged(a, b), Moments.merged(b, a)] {
            #expect(merged.count == whole.count && merged.min == whole.min && merged.max == whole.max)
            #expect(abs(merged.mean - whole.mean) <= 1e-12 * whole.std)
            #expect(abs(merged.m2 - whole.m2) <= 1e-12 * whole.m2)
        }
        #expect(abs(welford.m2 - whole.m2) <= 1e-12 * whole.m2 && abs(welford.mean - whole.mean) <= 1e-12 * whole.std)
        #expect(whole.variance == whole.m2 / 10_000 && abs(whole.unbiasedVariance - whole.m2 / 9_999) <= 1e-15 * whole.m2)
    }
}
