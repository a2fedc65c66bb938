import Foundation
import Testing
@testable import MedPrepCodecs

/// `RLELosslessDecoder` (PS3.5 Annex G) against pydicom's encoder, a hand-worked PackBits stream, and damaged
/// headers and segments.
@Suite struct RLELosslessDecoderTests {
    private func decode(_ fragment: [UInt8], pixels: Int, samples: Int = 1, bytesPerSample: Int = 1,
                        capacity: Int? = nil) throws -> [UInt8] {
        var output = [UInt8](repeating: 0xEE, count: capacity ?? pixels * samples * bytesPerSample)
        try fragment.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                try RLELosslessDecoder.decode(input, pixels: pixels, samples: samples, bytesPerSample: bytesPerSample,
                                              into: out)
            }
        }
        return output
    }

    /// A 64-byte header declaring `offsets` (segment count first), then `body`.
    private func fragment(offsets: [UInt32], count: UInt32? = nil, body: [UInt8]) -> [UInt8] {
        var header = [UInt32](repeating: 0, count: 16)
        header[0] = count ?? UInt32(offsets.count)
        for (index, offset) in offsets.enumerated() { header[index + 1] = offset }
        return header.flatMap { word in (0 ..< 4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } } + body
    }

    @Test(arguments: CodecFixture.all)
    func pydicomEncodedFramesDecodeToTheArray(fixture: CodecFixture) throws {
        let decoded = try decode(try fixture.bytes("rle"), pixels: fixture.pixels, samples: fixture.samples,
                                 bytesPerSample: fixture.bytesPerSample)
        #expect(decoded == (try fixture.bytes("raw")))
    }

    @Test func theFixturesAreThere() {
        #expect(CodecFixture.all.count == 4)
    }

    /// Literal run `02 a b c` (h = 2: three bytes), replicate run `FE x` (h = −2: three copies), no-op `80`,
    /// literal `00 y`: the seven bytes a b c x x x y.
    @Test func aHandWorkedPackBitsSegment() throws {
        let body: [UInt8] = [0x02, 0x61, 0x62, 0x63, 0xFE, 0x78, 0x80, 0x00, 0x79]
        #expect(try decode(fragment(offsets: [64], body: body), pixels: 7) == Array("abcxxxy".utf8))
    }

    /// Two segments of a 16-bit sample: the first holds the high bytes, the second the low bytes; the output is
    /// little-endian.
    @Test func segmentsHoldTheMostSignificantByteFirst() throws {
        let body: [UInt8] = [0x01, 0x12, 0xFF, 0x01, 0x34, 0x80]
        let decoded = try decode(fragment(offsets: [64, 67], body: body), pixels: 2, bytesPerSample: 2)
        #expect(decoded == [0x34, 0x12, 0x80, 0xFF])
    }

    @Test func damagedFragmentsAreRefusedWithTheirReason() {
        let cases: [([UInt8], Int, String)] = [
            (fragment(offsets: [64], body: []).prefix(40).map { $0 }, 1, "less than the 64-byte RLE header"),
            (fragment(offsets: [64, 70], body: [0x00, 0x01]), 1, "declares 2 segment(s)"),
            (fragment(offsets: [60], body: [0x00, 0x01]), 1, "not after the 64-byte header"),
            (fragment(offsets: [64], body: [0x01, 0x41, 0x42]), 4, "decodes to 2 bytes"),
            (fragment(offsets: [64], body: [0xF0, 0x07]), 4, "has a run past its 4 bytes"),
            (fragment(offsets: [64], body: [0x05, 0x01]), 6, "decodes to"),
            (fragment(offsets: [64], count: 15, body: [0x00]), 1, "declares 15 segment(s)"),
        ]
        for (bytes, pixels, reason) in cases {
            let error = #expect(throws: RLELosslessDecoder.RLEDecodingError.self) { try decode(bytes, pixels: pixels) }
            #expect(error?.description.contains(reason) == true, "\(error?.description ?? "no error") ∌ \(reason)")
        }
    }

    @Test func segmentOffsetsMustIncreaseAndLieInsideTheFragment() {
        let backwards = fragment(offsets: [64, 64], body: [0x00, 0x01, 0x00, 0x02])
        let beyond = fragment(offsets: [64, 500], body: [0x00, 0x01, 0x00, 0x02])
        let first = #expect(throws: RLELosslessDecoder.RLEDecodingError.self) {
            try decode(backwards, pixels: 1, bytesPerSample: 2)
        }
        #expect(first?.description.contains("not after segment 1") == true)
        let second = #expect(throws: RLELosslessDecoder.RLEDecodingError.self) {
            try decode(beyond, pixels: 1, bytesPerSample: 2)
        }
        #expect(second?.description.contains("beyond the fragment") == true)
    }

    @Test func anOutputBufferTooSmallIsRefusedBeforeAnyWrite() {
        let error = #expect(throws: RLELosslessDecoder.RLEDecodingError.self) {
            try decode(fragment(offsets: [64], body: [0x00, 0x01]), pixels: 4, capacity: 3)
        }
        #expect(error?.description.contains("does not fit") == true)
    }
}
