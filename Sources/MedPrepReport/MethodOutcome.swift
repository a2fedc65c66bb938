import MedPrepCore
import MedPrepNormalize

/// One compared method's maps for one scan, or why its normalizer refused the scan.
enum MethodOutcome: Sendable {
    /// The map per channel; `measured` holds the output moments per channel when they were measured on the voxels
    /// (maps that clip), nil when they follow from the input moments.
    case mapped([AffineMap], measured: [Moments]?)
    /// The normalizer's reason, without the file.
    case refused(String)

    var isMapped: Bool {
        if case .mapped = self { return true }
        return false
    }

    /// The maps `normalizer` reports for `scan` (a batch of one), with the output measured when a map clips.
    static func measure(_ normalizer: any AffineNormalizer, on scan: Scan) -> MethodOutcome {
        do {
            let maps = try normalizer.affineMaps(of: scan.tensor, context: ComparedMethod.context(for: scan))[0]
            guard maps.contains(where: { $0.clip != nil }) else { return .mapped(maps, measured: nil) }
            let measured = scan.tensor.storage.withUnsafeBufferPointer { buffer in
                maps.enumerated().map { c, map in
                    moments(of: NormComparison.channel(c, of: buffer, shape: scan.tensor.shape), map: map)
                }
            }
            return .mapped(maps, measured: measured)
        } catch {
            return .refused(MedPrepError.wrap(error, path: nil).reason)
        }
    }

    /// The moments (Welford, Double) of `map.scale·clamp(x, map.clip) + map.intercept` over the finite `values`.
    static func moments(of values: UnsafeBufferPointer<Float>, map: AffineMap) -> Moments {
        var m = Moments()
        for x in values where x.isFinite { m.add(map.scale * clamp(Double(x), map.clip) + map.intercept) }
        return m
    }

    static func clamp(_ x: Double, _ clip: ClosedRange<Double>?) -> Double {
        guard let clip else { return x }
        return Swift.min(Swift.max(x, clip.lowerBound), clip.upperBound)
    }

    /// The moments of `a·x + b` given those of `x`, with `a = map.scale`, `b = map.intercept`.
    static func transform(_ m: Moments, by map: AffineMap) -> Moments {
        let (a, b) = (map.scale, map.intercept)
        let lo = a * m.min + b, hi = a * m.max + b
        return Moments(count: m.count, mean: a * m.mean + b, m2: a * a * m.m2, min: Swift.min(lo, hi), max: Swift.max(lo, hi),
                       nonFinite: m.nonFinite)
    }
}
