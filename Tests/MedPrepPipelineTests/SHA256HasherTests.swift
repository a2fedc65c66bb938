import Foundation
import Testing
@testable import MedPrepPipeline

/// Digests from Python's hashlib, made by Fixtures/make_sha256_vectors.py.
private struct Vectors: Decodable {
    struct Text: Decodable { var name: String; var sha256: String }
    struct Pattern: Decodable { var length: Int; var sha256: String }
    var texts: [Text]
    var patterns: [Pattern]

    static func load() throws -> Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sha256_vectors.json")
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }
}

/// The generator's byte pattern `b[i] = (i·31 + 7) mod 251`.
private func pattern(_ count: Int) -> [UInt8] {
    (0 ..< count).map { UInt8((($0 * 31) + 7) % 251) }
}

@Suite struct SHA256HasherTests {
    @Test func textVectors() throws {
        let vectors = try Vectors.load()
        let texts = ["": "", "abc": "abc", "a*1000000": String(repeating: "a", count: 1_000_000)]
        #expect(vectors.texts.count == 3)
        for vector in vectors.texts {
            let text = try #require(texts[vector.name])
            #expect(SHA256Hasher.hexDigest(text: text) == vector.sha256, "\(vector.name)")
        }
    }

    @Test func blockBoundaryVectorsInOneUpdate() throws {
        for vector in try Vectors.load().patterns where vector.length <= 1 << 20 {
            #expect(SHA256Hasher.hexDigest(pattern(vector.length)) == vector.sha256, "length \(vector.length)")
        }
    }

    @Test func streamingInIrregularPiecesMatches() throws {
        let vector = try #require(try Vectors.load().patterns.first { $0.length == 1000 })
        let bytes = pattern(1000)
        for pieceSize in [1, 7, 55, 63, 64, 65, 333] {
            let hasher = SHA256Hasher()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + pieceSize, bytes.count)
                hasher.update(bytes[offset ..< end])
                offset = end
            }
            #expect(hasher.finalizeHex() == vector.sha256, "pieces of \(pieceSize)")
        }
    }

    @Test func filesAcrossReadChunks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for vector in try Vectors.load().patterns where vector.length >= 1 << 20 {
            let url = directory.appendingPathComponent("\(vector.length).bin")
            try Data(pattern(vector.length)).write(to: url)
            #expect(try SHA256Hasher.hexDigest(file: url.path) == vector.sha256, "length \(vector.length)")
        }
        #expect(throws: (any Error).self) { try SHA256Hasher.hexDigest(file: directory.path) }
        #expect(throws: (any Error).self) { try SHA256Hasher.hexDigest(file: directory.path + "/missing") }
    }
}
