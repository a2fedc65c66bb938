import Foundation
import Testing
import MedPrepCore
@testable import MedPrepCodecs

@Suite struct GzipCodecTests {
    @Test func deflateThenInflateRoundTrips() throws {
        let data = (0 ..< 100_000).map { UInt8(truncatingIfNeeded: $0 * 31 / 7) }
        let compressed = try GzipCodec.deflate(data, level: 1)
        #expect(GzipCodec.isGzip(compressed))
        #expect(compressed.count < data.count)
        #expect(try GzipCodec.inflate(compressed) == data)
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let first = try GzipCodec.deflate(Array("hello, ".utf8))
        let second = try GzipCodec.deflate(Array("world".utf8))
        #expect(try GzipCodec.inflate(first + second) == Array("hello, world".utf8))
        #expect(try GzipCodec.inflate(first + [0, 0, 0]) == Array("hello, ".utf8))
        #expect(throws: MedPrepError.self) { try GzipCodec.inflate(first + [1, 2, 3]) }
    }

    @Test func damageIsDetected() throws {
        var compressed = try GzipCodec.deflate(Array(repeating: 7, count: 1000))
        let truncated = try #require(throws: MedPrepError.self) { try GzipCodec.inflate(Array(compressed.dropLast(4)), path: "x.gz") }
        #expect(truncated.kind == .truncated)
        #expect(truncated.path == "x.gz")
        compressed[compressed.count - 8] ^= 0xff
        let corrupt = try #require(throws: MedPrepError.self) { try GzipCodec.inflate(compressed, path: "x.gz") }
        #expect(corrupt.kind == .corrupt)
        #expect(!GzipCodec.isGzip([0x1f]))
        #expect(throws: MedPrepError.self) { try GzipCodec.inflate(Array(repeating: 9, count: 10_000).gzipped(), maxOutputBytes: 100) }
    }
}

private extension Array where Element == UInt8 {
    func gzipped() throws -> [UInt8] { try GzipCodec.deflate(self) }
}
