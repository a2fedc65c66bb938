import MedPrepCore

/// What `medprep check` learns from the decoded voxels of one case: non-finite voxels of the image channels, the
/// label map's values, and the box of voxels where any channel is nonzero (nnU-Net's crop to nonzero).
struct CaseVoxels {
    /// NaN and ±∞ voxels of each image channel file, in order.
    var nonFiniteByFile: [Int] = []
    /// NaN and ±∞ voxels over every image channel.
    var nonFinite: Int { nonFiniteByFile.reduce(0, +) }
    /// Voxels per integer label value.
    var labelCounts: [Int: Int] = [:]
    /// Label voxels that are not integers (or are NaN/±∞), and one of them.
    var nonIntegerLabels = 0
    var nonIntegerExample: Float?
    /// Integer label voxels left uncounted because the case already had `labelValueCap` distinct values.
    var valuesOverCap = 0
    /// Sizes `(i, j, k)` of the box where any channel sharing channel 0's shape is `≠ 0` (NaN counts, as numpy's
    /// `data != 0`); the whole shape when no voxel is.
    var croppedShape: [Int] = []

    /// Label values a case may have before it counts as not being a label map.
    static let labelValueCap = 10_000

    init(channels: [Tensor], label: Tensor?) {
        nonFiniteByFile = channels.map { tensor in tensor.storage.reduce(0) { $1.isFinite ? $0 : $0 + 1 } }
        if let label { countLabels(label) }
        croppedShape = Self.nonzeroBox(channels)
    }

    /// Counts label values: integers per value (a flat table for 0…1023, a dictionary beyond), others apart.
    private mutating func countLabels(_ label: Tensor) {
        var small = [Int](repeating: 0, count: 1024)
        for value in label.storage {
            if value >= 0, value < 1024, value == value.rounded(.towardZero) {
                small[Int(value)] += 1
            } else if value.isFinite, value == value.rounded(.towardZero), abs(value) < 9.0e15 {
                if labelCounts.count < Self.labelValueCap || labelCounts[Int(value)] != nil {
                    labelCounts[Int(value), default: 0] += 1
                } else {
                    valuesOverCap += 1
                }
            } else {
                nonIntegerLabels += 1
                if nonIntegerExample == nil { nonIntegerExample = value }
            }
        }
        for (value, count) in small.enumerated() where count > 0 { labelCounts[value, default: 0] += count }
    }

    /// The nonzero box over the channels with the first channel's spatial shape.
    static func nonzeroBox(_ channels: [Tensor]) -> [Int] {
        guard let first = channels.first else { return [] }
        let shape = first.shape
        let same = channels.filter { $0.shape.spatial == shape.spatial }
        var low = [shape.w, shape.h, shape.d], high = [-1, -1, -1]
        let plane = shape.spatialCount
        for z in 0 ..< shape.d {
            for y in 0 ..< shape.h {
                let row = (z * shape.h + y) * shape.w
                var first = -1, last = -1
                for tensor in same {
                    tensor.storage.withUnsafeBufferPointer { values in
                        for c in 0 ..< tensor.shape.c {
                            let base = c * plane + row
                            for x in 0 ..< shape.w where values[base + x] != 0 {
                                if first < 0 || x < first { first = x }
                                if x > last { last = x }
                            }
                        }
                    }
                }
                guard first >= 0 else { continue }
                low = [min(low[0], first), min(low[1], y), min(low[2], z)]
                high = [max(high[0], last), max(high[1], y), max(high[2], z)]
            }
        }
        guard high[0] >= 0 else { return [shape.w, shape.h, shape.d] }
        return (0 ..< 3).map { high[$0] - low[$0] + 1 }
    }
}
