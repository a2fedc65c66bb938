import MedPrepCore
import MedPrepNormalize

/// The dataset's foreground intensities per channel, streamed one case at a time: exact count, mean, std, min
/// and max (`Moments`, Chan merges in case order), and percentiles from a `QuantileSketch` (numpy 'linear' on the
/// sketch's order statistics; `|p̃ − p| ≤ 0.005·max(|x₍ₖ₎|, |x₍ₖ₊₁₎|)`). Memory is the sketches', not the dataset's.
///
/// Foreground is `label > 0` when the input declares labels, else `channel 0 ≠ 0`; NaN/±∞ voxels are left out.
struct ForegroundIntensities {
    /// The percentiles reported, as nnU-Net's fingerprint (0.5, 50, 99.5) plus 10 and 90.
    static let reported: [Double] = [0.5, 10, 50, 90, 99.5]

    let byLabel: Bool
    private(set) var moments: [Moments] = []
    private(set) var sketches: [QuantileSketch] = []

    init(byLabel: Bool) {
        self.byLabel = byLabel
    }

    var definition: String { byLabel ? "label > 0" : "channel 0 != 0" }

    /// Adds the foreground voxels of one case whose channels (stacked in order) and label share a grid.
    mutating func add(channels: [Tensor], label: Tensor?) {
        guard let first = channels.first else { return }
        let plane = first.shape.spatialCount
        let maskSource: [Float]
        if byLabel {
            guard let label, label.shape.spatialCount == plane else { return }
            maskSource = Array(label.storage.prefix(plane))
        } else {
            maskSource = Array(first.storage.prefix(plane))
        }
        let mask = maskSource.map { byLabel ? $0 > 0 : ($0 != 0 && $0.isFinite) }
        var index = 0
        var gathered: [Float] = []
        gathered.reserveCapacity(plane)
        for tensor in channels {
            for c in 0 ..< tensor.shape.c {
                gathered.removeAll(keepingCapacity: true)
                let base = c * plane
                for v in 0 ..< plane where mask[v] {
                    let x = tensor.storage[base + v]
                    if x.isFinite { gathered.append(x) }
                }
                if index == moments.count {
                    moments.append(Moments())
                    sketches.append(QuantileSketch())
                }
                gathered.withUnsafeBufferPointer { values in
                    moments[index].merge(Moments.of(values, nonFinite: .ignore))
                    sketches[index].add(contentsOf: values, nonFiniteAsZero: false)
                }
                index += 1
            }
        }
    }

    /// The summary of channel `index`.
    func summary(_ index: Int) -> ForegroundChannel {
        let m = moments[index]
        var percentiles: [String: Double] = [:]
        if m.count > 0 {
            for p in Self.reported {
                percentiles[LinearPercentile.key(p)] = sketches[index].percentile(p, min: m.min, max: m.max)
            }
        }
        return ForegroundChannel(channel: index, voxels: m.count, min: m.count > 0 ? m.min : nil,
                                 max: m.count > 0 ? m.max : nil, mean: m.count > 0 ? m.mean : nil,
                                 std: m.count > 0 ? m.std : nil, percentiles: percentiles)
    }
}

/// One channel's foreground intensities in `medprep check`'s output.
public struct ForegroundChannel: Codable, Sendable, Equatable {
    public var channel: Int
    public var voxels: Int
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Biased (ddof 0), as numpy's `std`.
    public var std: Double?
    /// `p0.5`, `p10`, `p50`, `p90`, `p99.5` from the sketch.
    public var percentiles: [String: Double]
}
