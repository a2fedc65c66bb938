// Times GroupNorm, its statistics pass, and a memory copy of the same tensor (the bandwidth baseline), at 1 and
// 2 threads. Prints one JSON object per (shape, threads); Benchmarks/run_normalize_benchmark.py runs it side by
// side with the numpy and PyTorch baselines and computes the ratios.
// Build and run:  swift build -c release --product NormalizeBenchmark && .build/release/NormalizeBenchmark
import Foundation
import MedPrepCore
import MedPrepNormalize

/// CT-like values (−1024…3000) from a fixed linear congruential sequence.
func ctLike(_ shape: TensorShape) -> Tensor {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    var storage = [Float](repeating: 0, count: shape.count)
    for i in storage.indices {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        storage[i] = Float((state >> 40) % 4025) - 1024
    }
    return Tensor(shape: shape, storage: storage)
}

/// Best wall time of `repeats` runs of `body`, after `prepare` (untimed) before each run.
func best(_ repeats: Int, prepare: () -> Void = {}, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0 ..< repeats {
        prepare()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        result = min(result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return result
}

/// `source` copied into `destination` by `threads` threads, each copying one contiguous part.
func copy(_ source: [Float], into destination: inout [Float], threads: Int) {
    source.withUnsafeBytes { src in
        destination.withUnsafeMutableBytes { dst in
            nonisolated(unsafe) let from = src, to = dst
            let part = (from.count + threads - 1) / threads
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * part, end = min(from.count, start + part)
                if start < end { memcpy(to.baseAddress! + start, from.baseAddress! + start, end - start) }
            }
        }
    }
}

let cases: [(TensorShape, Int, Int)] = [
    (TensorShape(n: 1, c: 1, d: 160, h: 256, w: 256), 1, 7),
    (TensorShape(n: 8, c: 4, d: 128, h: 128, w: 128), 2, 5),
]
for (shape, groups, repeats) in cases {
    let source = ctLike(shape)
    let bytes = Double(shape.count * 4)
    var work = source
    for threads in [1, 2] {
        let memcpyTime = best(repeats) { copy(source.storage, into: &work.storage, threads: threads) }
        let norm = try GroupNorm(groups: groups, threads: threads)
        var checksum = 0.0
        let statistics = try best(repeats) { checksum += try norm.statistics(of: source)[0].mean }
        let apply = try best(repeats, prepare: { copy(source.storage, into: &work.storage, threads: threads) }) {
            checksum += try norm.apply(to: &work)[0].variance
        }
        let record: [String: Any] = [
            "shape": shape.dimensions, "groups": groups, "threads": threads, "bytes": bytes,
            "memcpy_gbps": bytes / memcpyTime / 1e9, "statistics_gbps": bytes / statistics / 1e9,
            "groupnorm_gbps": bytes / apply / 1e9, "checksum_finite": checksum.isFinite,
        ]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
