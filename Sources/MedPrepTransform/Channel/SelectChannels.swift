import MedPrepCore

/// Keeps the listed channels, in the listed order: `y[c'] = x[indices[c']]` (repeats allowed).
///
/// Applies to images and label maps alike. An index past the scan's channel count is an `.invalidArgument`
/// error naming the file.
package struct SelectChannels: ScanTransform {
    package let indices: [Int]

    /// Throws `.invalidArgument` for an empty list or a negative index.
    package init(_ indices: [Int]) throws {
        guard !indices.isEmpty, indices.allSatisfy({ $0 >= 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "select_channels needs a non-empty list of indices ≥ 0, got \(indices)")
        }
        self.indices = indices
    }

    package var name: String { "select_channels" }

    /// A label map (one channel of class numbers) is returned unchanged: the channels are the image's.
    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        guard role == .image else { return scan }
        let channels = scan.tensor.shape.c
        if let bad = indices.first(where: { $0 >= channels }) {
            throw MedPrepError(.invalidArgument, path: scan.path,
                reason: "channel \(bad) selected but the scan has \(channels) channel\(channels == 1 ? "" : "s") (0…\(channels - 1))")
        }
        var result = scan
        result.tensor = scan.tensor.selectingChannels(indices)
        return result
    }
}

extension Tensor {
    /// A tensor with channels `indices` of every sample (indices already checked to be in range).
    func selectingChannels(_ indices: [Int]) -> Tensor {
        var outShape = shape
        outShape.c = indices.count
        let plane = shape.spatialCount
        let storage = [Float](unsafeUninitializedCapacity: outShape.count) { output, initialized in
            self.storage.withUnsafeBufferPointer { input in
                var target = 0
                for sample in 0 ..< shape.n {
                    for channel in indices {
                        let start = shape.offset(n: sample, c: channel, h: 0, w: 0)
                        _ = UnsafeMutableBufferPointer(rebasing: output[target ..< target + plane])
                            .initialize(fromContentsOf: UnsafeBufferPointer(rebasing: input[start ..< start + plane]))
                        target += plane
                    }
                }
            }
            initialized = outShape.count
        }
        return Tensor(shape: outShape, storage: storage)
    }
}
