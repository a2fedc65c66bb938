/// DICOM RLE Lossless (PS3.5 Annex G): one frame's fragment into pixel-interleaved samples in little-endian order.
///
/// A fragment is a 64-byte header — the segment count `n ≤ 15` and 15 offsets, little-endian UInt32 — then the
/// segments. Segment `s` holds byte `s mod B` (most significant first) of sample `s div B` of every pixel, as a
/// PackBits stream: a header byte `h` is followed by `h + 1` literal bytes when `0 ≤ h ≤ 127`, by one byte repeated
/// `1 − h` times when `−127 ≤ h ≤ −1`, and is skipped when `h = −128`.
///
/// Everything is bounded before it is used: `n` must equal B × Samples, offsets must start at 64, increase and lie
/// inside the fragment, and each segment must decode to exactly Rows × Columns bytes — fewer (its bytes run out)
/// or more (a run would write past the end) is `RLEDecodingError`. The only memory written is the caller's output.
package enum RLELosslessDecoder {
    /// Why a fragment cannot be decoded.
    package struct RLEDecodingError: Error, Equatable, CustomStringConvertible {
        package var description: String
    }

    /// Decodes `fragment` into `output`, which must hold at least `pixels × samples × bytesPerSample` bytes:
    /// sample `c` of pixel `p` is the little-endian integer at `(p · samples + c) · bytesPerSample`.
    package static func decode(_ fragment: UnsafeRawBufferPointer, pixels: Int, samples: Int, bytesPerSample: Int,
                               into output: UnsafeMutableRawBufferPointer) throws(RLEDecodingError) {
        func fail(_ reason: String) -> RLEDecodingError { RLEDecodingError(description: reason) }
        let expected = samples * bytesPerSample
        guard pixels > 0, samples > 0, bytesPerSample > 0, output.count >= pixels * expected else {
            throw fail("the output buffer does not fit \(pixels) pixels of \(expected) bytes")
        }
        guard fragment.count >= 64 else { throw fail("the fragment holds \(fragment.count) bytes, less than the 64-byte RLE header") }
        func word(_ index: Int) -> Int {
            Int(fragment.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self).littleEndian)
        }
        let count = word(0)
        guard count == expected else {
            throw fail("the RLE header declares \(count) segment(s), but \(samples) sample(s) of \(bytesPerSample) byte(s) need \(expected)")
        }
        var offsets = (1 ... count).map(word)
        guard offsets[0] == 64 else { throw fail("the first RLE segment starts at \(offsets[0]), not after the 64-byte header") }
        for index in 1 ..< count where offsets[index] <= offsets[index - 1] {
            throw fail("RLE segment \(index + 1) starts at \(offsets[index]), not after segment \(index) (\(offsets[index - 1]))")
        }
        guard let last = offsets.last, last < fragment.count else {
            throw fail("RLE segment \(count) starts at \(offsets.last ?? 0), beyond the fragment's \(fragment.count) bytes")
        }
        offsets.append(fragment.count)
        let stride = expected
        for segment in 0 ..< count {
            let sample = segment / bytesPerSample, significance = segment % bytesPerSample
            let first = sample * bytesPerSample + (bytesPerSample - 1 - significance)
            let written = unpack(fragment, from: offsets[segment], to: offsets[segment + 1], pixels: pixels,
                                 output: output, first: first, stride: stride)
            guard written.overflow == false else {
                throw fail("RLE segment \(segment + 1) has a run past its \(pixels) bytes (Rows × Columns)")
            }
            guard written.count == pixels else {
                throw fail("RLE segment \(segment + 1) decodes to \(written.count) bytes, not Rows × Columns = \(pixels)")
            }
        }
    }

    /// Unpacks the PackBits bytes `fragment[start..<end]` into every `stride`-th output byte from `first`, writing
    /// at most `pixels`; returns how many were written and whether a run went past them. Trailing bytes after the
    /// last pixel are padding and ignored.
    private static func unpack(_ fragment: UnsafeRawBufferPointer, from start: Int, to end: Int, pixels: Int,
                               output: UnsafeMutableRawBufferPointer, first: Int, stride: Int) -> (count: Int, overflow: Bool) {
        var input = start, written = 0
        while input < end && written < pixels {
            let header = Int(Int8(bitPattern: fragment[input]))
            input += 1
            if header >= 0 {
                let length = header + 1
                guard input + length <= end else { return (written, false) }
                guard written + length <= pixels else { return (written, true) }
                for index in 0 ..< length { output[first + (written + index) * stride] = fragment[input + index] }
                input += length
                written += length
            } else if header != -128 {
                let length = 1 - header
                guard input < end else { return (written, false) }
                guard written + length <= pixels else { return (written, true) }
                let value = fragment[input]
                input += 1
                for index in 0 ..< length { output[first + (written + index) * stride] = value }
                written += length
            }
        }
        return (written, false)
    }
}
