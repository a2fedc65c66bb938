import MedPrepCore

/// How an `AffineMap` `y = (clamp(x, lower, upper) − μ)·a + β` is applied to float32 voxels.
///
/// The map's parameters are Double. It is applied in Float as `y = (x' − c)·s + t` with the two-term mean
/// `c = Float(μ)`, `s = Float(a)`, `t = Float(β − (μ − c)·a)`. `x' − c` is exact when `x'` is near the mean, so
/// data such as 3000 ± 0.01 keeps ~1 ulp accuracy where the one-term form `x·a + (β − μ·a)` loses ~1e-2.
///
/// The Float form is used for a channel only when it is safe over the channel's counted input range
/// (`isFloatSafe(over:)`). Otherwise — a tiny (denormal) range whose `a = 1/(max − min)` overflows Float, a range
/// wider than float32 can subtract, a scale that rounds to a denormal — the channel is mapped in Double,
/// `y = Float((clamp(x, lower, upper) − μ)·a + β)`, the exact value rounded once. A finite voxel whose output is
/// still NaN or ±∞ (its exact value lies beyond float32) is counted per segment; `requireFinite` turns a count
/// into a `.nonFinite` error.
struct ChannelAffine: Sendable {
    var center: Float
    var scale: Float
    var shift: Float
    var lower: Float
    var upper: Float
    /// The map as given, for the Double path and error messages.
    let parameters: AffineMap

    init(_ map: AffineMap) {
        center = Float(map.center)
        scale = Float(map.scale)
        shift = Float(map.shift - (map.center - Double(center)) * map.scale)
        lower = map.clip.map { Float($0.lowerBound) } ?? -.infinity
        upper = map.clip.map { Float($0.upperBound) } ?? .infinity
        parameters = map
    }

    /// The Float map of one finite value.
    @inline(__always)
    func map(_ x: Float) -> Float {
        (Swift.min(Swift.max(x, lower), upper) - center) * scale + shift
    }

    /// The Double map of one finite value, rounded once to Float.
    @inline(__always)
    func exactMap(_ x: Float) -> Float {
        var v = Double(x)
        if let clip = parameters.clip { v = Swift.min(Swift.max(v, clip.lowerBound), clip.upperBound) }
        return Float((v - parameters.center) * parameters.scale + parameters.shift)
    }

    /// Whether the Float form gives the map's value (to Float rounding) for every `x` in `range` (nil: no value
    /// counted): `c`, `s`, `t` finite, `s` normal (or 0 for a zero map), and for the clamped range `x'`,
    /// `|x' − c| ≤ M` and `|x' − c|·|s| + |t| ≤ M` with `M = Float.greatestFiniteMagnitude / 2`.
    func isFloatSafe(over range: ClosedRange<Double>?) -> Bool {
        guard let range else { return true }
        guard center.isFinite, shift.isFinite, scale.isFinite, scale == 0 ? parameters.scale == 0 : scale.isNormal else {
            return false
        }
        let (lo, hi) = (Double(lower), Double(upper))
        let first = Swift.min(Swift.max(range.lowerBound, lo), hi), last = Swift.min(Swift.max(range.upperBound, lo), hi)
        let span = Swift.max((first - Double(center)).magnitude, (last - Double(center)).magnitude)
        let limit = Double(Float.greatestFiniteMagnitude) / 2
        return span <= limit && span * Double(scale).magnitude + Double(shift).magnitude <= limit
    }

    /// Applies `maps[s]` to segment `s` (segments of `segmentLength` values, one per (sample, channel)), in
    /// parallel over fixed blocks, and returns per segment how many finite voxels (or, under `.zero`, non-finite
    /// ones mapped as 0) came out NaN or ±∞.
    ///
    /// `ranges[s]` is the counted input range of segment `s` (nil when nothing was counted): a segment whose
    /// Float form is not safe over it goes through the Double path. Segments flagged in `hasNonFinite` go
    /// through a scalar path: non-finite voxels are mapped as 0 under `.zero` and left unchanged otherwise.
    static func apply(_ maps: [ChannelAffine], to values: UnsafeMutableBufferPointer<Float>, segmentLength: Int,
                      ranges: [ClosedRange<Double>?], hasNonFinite: [Bool], nonFinite policy: NonFinitePolicy,
                      threads: Int) -> [Int] {
        guard segmentLength > 0, !maps.isEmpty else { return Array(repeating: 0, count: maps.count) }
        let blockLength = SegmentMoments.blockLength
        let blocksPerSegment = (segmentLength + blockLength - 1) / blockLength
        let exact = maps.indices.map { !maps[$0].isFloatSafe(over: ranges[$0]) }
        var produced = [Int](repeating: 0, count: blocksPerSegment * maps.count)
        produced.withUnsafeMutableBufferPointer { counts in
            nonisolated(unsafe) let output = values
            nonisolated(unsafe) let results = counts
            Parallel.forEach(tasks: blocksPerSegment * maps.count, threads: threads) { index in
                let segment = index / blocksPerSegment
                let block = index % blocksPerSegment
                let start = segment * segmentLength + block * blockLength
                let end = segment * segmentLength + Swift.min((block + 1) * blockLength, segmentLength)
                let part = UnsafeMutableBufferPointer(rebasing: output[start ..< end])
                if exact[segment] {
                    results[index] = maps[segment].applyExact(to: part, nonFinite: policy)
                } else if hasNonFinite[segment] {
                    results[index] = maps[segment].applyScalar(to: part, nonFinite: policy)
                } else {
                    results[index] = maps[segment].applyVector(to: part)
                }
            }
        }
        return (0 ..< maps.count).map { produced[$0 * blocksPerSegment ..< ($0 + 1) * blocksPerSegment].reduce(0, +) }
    }

    /// The SIMD16 path for finite values (`replace(with:where:)` clamps; `pointwiseMin`/`Max` run ~100× slower).
    /// The outputs are summed in the same pass (one add per vector, ~14 % of the pass): a NaN or ±∞ output makes
    /// the sum non-finite, and only then (or when a finite sum overflows) are the non-finite outputs counted.
    /// Returns their count.
    func applyVector(to values: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let base = values.baseAddress else { return 0 }
        let vectors = values.count / 16
        let c = SIMD16<Float>(repeating: center), s = SIMD16<Float>(repeating: scale)
        let t = SIMD16<Float>(repeating: shift)
        let lo = SIMD16<Float>(repeating: lower), hi = SIMD16<Float>(repeating: upper)
        let raw = UnsafeMutableRawPointer(base)
        var poison = SIMD16<Float>()
        for v in 0 ..< vectors {
            let x = raw.loadUnaligned(fromByteOffset: v * 64, as: SIMD16<Float>.self)
            var y = x
            y.replace(with: lo, where: y .< lo)
            y.replace(with: hi, where: y .> hi)
            y = (y - c) * s
            y += t
            poison += y
            raw.storeBytes(of: y, toByteOffset: v * 64, as: SIMD16<Float>.self)
        }
        for i in vectors * 16 ..< values.count { base[i] = map(base[i]) }
        var produced = 0
        for i in (poison.sum().isFinite ? vectors * 16 : 0) ..< values.count where !base[i].isFinite { produced += 1 }
        return produced
    }

    /// The scalar Float path of a segment holding non-finite values. Returns the count of NaN/±∞ outputs made
    /// from finite voxels (or from non-finite ones mapped as 0 under `.zero`).
    func applyScalar(to values: UnsafeMutableBufferPointer<Float>, nonFinite policy: NonFinitePolicy) -> Int {
        var produced = 0
        for i in values.indices {
            let x = values[i]
            if x.isFinite {
                values[i] = map(x)
            } else if policy == .zero {
                values[i] = map(0)
            } else {
                continue
            }
            if !values[i].isFinite { produced += 1 }
        }
        return produced
    }

    /// The Double path (see the type's doc), with the non-finite policy applied as in `applyScalar`.
    func applyExact(to values: UnsafeMutableBufferPointer<Float>, nonFinite policy: NonFinitePolicy) -> Int {
        var produced = 0
        for i in values.indices {
            let x = values[i]
            if x.isFinite {
                values[i] = exactMap(x)
            } else if policy == .zero {
                values[i] = exactMap(0)
            } else {
                continue
            }
            if !values[i].isFinite { produced += 1 }
        }
        return produced
    }

    /// Throws `.nonFinite` for the first segment (sample `s / channels`, channel `s % channels`) with a non-zero
    /// `produced` count, naming the sample's file, the channel, the map and its input range.
    static func requireFinite(_ produced: [Int], maps: [ChannelAffine], ranges: [ClosedRange<Double>?],
                              channels: Int, path: (Int) -> String?) throws {
        guard let segment = produced.firstIndex(where: { $0 > 0 }), channels > 0 else { return }
        let map = maps[segment].parameters, count = produced[segment]
        let range = ranges[segment].map { " over the input range [\($0.lowerBound), \($0.upperBound)]" } ?? ""
        let clip = map.clip.map { "clamp(x, \($0.lowerBound), \($0.upperBound))" } ?? "x"
        throw MedPrepError(.nonFinite, path: path(segment / channels),
            reason: "normalizing channel \(segment % channels) of sample \(segment / channels) turns \(count) finite "
                + "voxel\(count == 1 ? "" : "s") into NaN or ±inf: y = (\(clip) − \(map.center))·\(map.scale) "
                + "+ \(map.shift)\(range) leaves float32's range (±\(Float.greatestFiniteMagnitude)); nothing "
                + "was written. Check the input's value range, or choose a method or parameters (gamma, stats) "
                + "whose output fits float32")
    }
}
