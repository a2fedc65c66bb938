import Foundation
import Testing

/// One entry of `Fixtures/codecs/manifest.json`, written by `Scripts/fixtures/make_codec_fixtures.py` from numpy
/// arrays encoded by pydicom (RLE Lossless) and OpenJPEG (JPEG 2000).
struct CodecFixture: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var rows: Int
    var columns: Int
    var samples: Int
    var bytesPerSample: Int
    var signed: Bool
    var precision: Int
    var j2k: [String]

    var testDescription: String { name }
    var pixels: Int { rows * columns }
    var frameBytes: Int { pixels * samples * bytesPerSample }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/codecs")

    static let all: [CodecFixture] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
              let entries = try? JSONDecoder().decode([CodecFixture].self, from: data) else { return [] }
        return entries
    }()

    func bytes(_ suffix: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("\(name).\(suffix)")))
    }
}
