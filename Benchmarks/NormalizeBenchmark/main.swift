// Times GroupNorm, its statistics pass, and a memcpy of the same tensor (bandwidth baseline).
// Build and run:  swift build -c release --scratch-path .build-bench && .build-bench/release/NormalizeBenchmark
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

let cases: [(TensorShape, Int, Int)] = [
    (TensorShape(n: 1, c: 1, d: 160, h: 256, w: 256), 1, 5),
    (TensorShape(n: 8, c: 4, d: 128, h: 128, w: 128), 2, 3),
]
print("shape | groups | threads | memcpy GB/s | stats GB/s | GroupNorm GB/s | GroupNorm / memcpy")
print("---|---|---|---|---|---|---")
for (shape, groups, repeats) in cases {
    let source = ctLike(shape)
    let bytes = Double(shape.count * 4)
    var work = source
    let copy = best(repeats, prepare: {}) {
        work.storage.withUnsafeMutableBytes { dst in
            source.storage.withUnsafeBytes { src in _ = memcpy(dst.baseAddress!, src.baseAddress!, src.count) }
        }
    }
    for threads in [1, 2] {
        let norm = try GroupNorm(groups: groups, threads: threads)
        var checksum = 0.0
        let stats = try best(repeats) { checksum += try norm.statistics(of: source)[0].mean }
        let apply = try best(repeats, prepare: {
            work.storage.withUnsafeMutableBytes { dst in
                source.storage.withUnsafeBytes { src in _ = memcpy(dst.baseAddress!, src.baseAddress!, src.count) }
            }
        }) { checksum += try norm.apply(to: &work)[0].variance }
        let line = [shape.description, "\(groups)", "\(threads)", String(format: "%.2f", bytes / copy / 1e9),
                    String(format: "%.2f", bytes / stats / 1e9), String(format: "%.2f", bytes / apply / 1e9),
                    String(format: "%.2f", copy / apply)]
        print(line.joined(separator: " | "), checksum.isFinite ? "" : "(non-finite checksum)")
    }
}
