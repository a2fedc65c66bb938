/// The per-channel map every normalizer ends with: `y = (clamp(x, lower, upper) − μ)·a + β`.
///
/// `μ`, `a`, `β` are Double; the map is applied in Float as `y = (x' − c)·s + t` with the two-term mean
/// `c = Float(μ)`, `s = Float(a)`, `t = Float(β − (μ − c)·a)`. `x' − c` is exact when `x'` is near the mean,
/// so data such as 3000 ± 0.01 keeps ~1 ulp accuracy where the one-term form `x·a + (β − μ·a)` loses ~1e-2.
struct ChannelAffine: Sendable {
    var center: Float
    var scale: Float
    var shift: Float
    var lower: Float
    var upper: Float

    init(mean: Double, scale: Double, shift: Double, clip: ClosedRange<Double>? = nil) {
        center = Float(mean)
        self.scale = Float(scale)
        self.shift = Float(shift - (mean - Double(center)) * scale)
        lower = clip.map { Float($0.lowerBound) } ?? -.infinity
        upper = clip.map { Float($0.upperBound) } ?? .infinity
    }

    /// The map of one finite value.
    @inline(__always)
    func map(_ x: Float) -> Float {
        (Swift.min(Swift.max(x, lower), upper) - center) * scale + shift
    }

    /// Applies `maps[s]` to segment `s` (segments of `segmentLength` values, one per (sample, channel)), in
    /// parallel over fixed blocks. Segments flagged in `hasNonFinite` go through a scalar path: non-finite
    /// voxels are mapped as 0 under `.zero` and left unchanged otherwise.
    static func apply(_ maps: [ChannelAffine], to values: UnsafeMutableBufferPointer<Float>, segmentLength: Int,
                      hasNonFinite: [Bool], nonFinite policy: NonFinitePolicy, threads: Int) {
        guard segmentLength > 0, !maps.isEmpty else { return }
        let blockLength = SegmentMoments.blockLength
        let blocksPerSegment = (segmentLength + blockLength - 1) / blockLength
        nonisolated(unsafe) let output = values
        Parallel.forEach(tasks: blocksPerSegment * maps.count, threads: threads) { index in
            let segment = index / blocksPerSegment
            let block = index % blocksPerSegment
            let start = segment * segmentLength + block * blockLength
            let end = segment * segmentLength + Swift.min((block + 1) * blockLength, segmentLength)
            let part = UnsafeMutableBufferPointer(rebasing: output[start ..< end])
            if hasNonFinite[segment] {
                maps[segment].applyScalar(to: part, nonFinite: policy)
            } else {
                maps[segment].applyVector(to: part)
            }
        }
    }

    /// The SIMD16 path for finite values (`replace(with:where:)` clamps; `pointwiseMin`/`Max` run ~100× slower).
    func applyVector(to values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        let vectors = values.count / 16
        let c = SIMD16<Float>(repeating: center), s = SIMD16<Float>(repeating: scale)
        let t = SIMD16<Float>(repeating: shift)
        let lo = SIMD16<Float>(repeating: lower), hi = SIMD16<Float>(repeating: upper)
        let raw = UnsafeMutableRawPointer(base)
        for v in 0 ..< vectors {
            let x = raw.loadUnaligned(fromByteOffset: v * 64, as: SIMD16<Float>.self)
            var y = x
            y.replace(with: lo, where: y .< lo)
            y.replace(with: hi, where: y .> hi)
            y = (y - c) * s
            y += t
            raw.storeBytes(of: y, toByteOffset: v * 64, as: SIMD16<Float>.self)
        }
        for i in vectors * 16 ..< values.count { base[i] = map(base[i]) }
    }

    func applyScalar(to values: UnsafeMutableBufferPointer<Float>, nonFinite policy: NonFinitePolicy) {
        for i in values.indices {
            let x = values[i]
            if x.isFinite {
                values[i] = map(x)
            } else if policy == .zero {
                values[i] = map(0)
            }
        }
    }
}
