/// Moments of consecutive equal-length segments of a buffer (one segment per (sample, group)), in parallel.
///
/// Each segment is cut into blocks of `blockLength` values counted from the segment's start; blocks are
/// computed independently (`Moments.of`) and merged in block order. The result for a segment therefore
/// depends only on that segment's values — not on the other segments, the batch, or the thread count.
enum SegmentMoments {
    /// Values per parallel block (two kernel chunks).
    static let blockLength = 2 * Moments.chunkLength

    static func compute(_ values: UnsafeBufferPointer<Float>, segmentLength: Int, segments: Int,
                        nonFinite policy: NonFinitePolicy, threads: Int) -> [Moments] {
        guard segmentLength > 0, segments > 0 else { return Array(repeating: Moments(), count: segments) }
        let blocksPerSegment = (segmentLength + blockLength - 1) / blockLength
        let blockCount = blocksPerSegment * segments
        var blocks = [Moments](repeating: Moments(), count: blockCount)
        blocks.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let results = output
            nonisolated(unsafe) let input = values
            Parallel.forEach(tasks: blockCount, threads: threads) { index in
                let segment = index / blocksPerSegment
                let block = index % blocksPerSegment
                let start = segment * segmentLength + block * blockLength
                let end = segment * segmentLength + Swift.min((block + 1) * blockLength, segmentLength)
                results[index] = Moments.of(UnsafeBufferPointer(rebasing: input[start ..< end]), nonFinite: policy)
            }
        }
        return (0 ..< segments).map { segment in
            var total = Moments()
            for block in 0 ..< blocksPerSegment { total.merge(blocks[segment * blocksPerSegment + block]) }
            return total
        }
    }
}
