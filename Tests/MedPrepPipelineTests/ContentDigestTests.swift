import Foundation
import Testing
@testable import MedPrepPipeline

/// XXH3-128 digests from the Python `xxhash` package, made by Fixtures/make_digest_vectors.py.
private struct DigestVectors: Decodable {
    struct Text: Decodable { var name: String; var xxh3_128: String }
    struct Pattern: Decodable { var length: Int; var xxh3_128: String }
    var texts: [Text]
    var patterns: [Pattern]

    static func load() throws -> DigestVectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/digest_vectors.json")
        return try JSONDecoder().decode(DigestVectors.self, from: Data(contentsOf: url))
    }
}

@Suite struct ContentDigestTests {
    static func pattern(_ count: Int) -> [UInt8] {
        (0 ..< count).map { UInt8((($0 * 31) + 7) % 251) }
    }

    static func digest(_ bytes: [UInt8], pieces: Int = .max) -> String {
        let digest = ContentDigest()
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + max(1, min(pieces, bytes.count - offset)))
            bytes[offset ..< end].withUnsafeBytes { digest.update($0) }
            offset = end
        } while offset < bytes.count
        return digest.finalizeHex()
    }

    @Test func textVectors() throws {
        let texts = ["": "", "abc": "abc", "a*1000000": String(repeating: "a", count: 1_000_000)]
        for vector in try DigestVectors.load().texts {
            #expect(Self.digest(Array(try #require(texts[vector.name]).utf8)) == vector.xxh3_128, "\(vector.name)")
        }
    }

    @Test func patternsInOneUpdateAndInIrregularPieces() throws {
        for vector in try DigestVectors.load().patterns {
            let bytes = Self.pattern(vector.length)
            #expect(Self.digest(bytes) == vector.xxh3_128, "length \(vector.length)")
            #expect(Self.digest(bytes, pieces: 1000) == vector.xxh3_128, "length \(vector.length) in pieces")
        }
    }

    @Test func filesAcrossReadChunks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for vector in try DigestVectors.load().patterns where vector.length >= 1 << 20 {
            let url = directory.appendingPathComponent("\(vector.length).bin")
            try Data(Self.pattern(vector.length)).write(to: url)
            #expect(try ContentDigest.hexDigest(file: url.path) == vector.xxh3_128)
        }
        #expect(throws: (any Error).self) { try ContentDigest.hexDigest(file: directory.path) }
    }
}
