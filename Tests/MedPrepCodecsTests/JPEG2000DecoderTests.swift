import Foundation
import Testing
@testable import MedPrepCodecs

/// `JPEG2000Decoder` against OpenJPEG codestreams written by pylibjpeg-openjpeg from numpy arrays: lossless ones
/// decode to the array, lossy ones to what pylibjpeg-openjpeg decodes; headers that disagree with the caller and
/// truncated streams are refused.
@Suite struct JPEG2000DecoderTests {
    private func decode(_ stream: [UInt8], _ fixture: CodecFixture, width: Int? = nil, bitsStored: Int? = nil,
                        bytesPerSample: Int? = nil) throws -> [UInt8] {
        let bytes = bytesPerSample ?? fixture.bytesPerSample
        var output = [UInt8](repeating: 0xEE, count: fixture.pixels * fixture.samples * bytes)
        try stream.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                try JPEG2000Decoder.decode(input, width: width ?? fixture.columns, height: fixture.rows,
                                           components: fixture.samples, bitsStored: bitsStored ?? fixture.precision,
                                           signed: fixture.signed, bytesPerSample: bytes, into: out)
            }
        }
        return output
    }

    static let cases: [(CodecFixture, String)] = CodecFixture.all.flatMap { fixture in fixture.j2k.map { (fixture, $0) } }

    @Test func theFixturesAreThere() {
        #expect(Self.cases.count == 7)
    }

    @Test(arguments: cases)
    func codestreamsDecodeToTheReference(fixture: CodecFixture, kind: String) throws {
        let stream = try fixture.bytes("\(kind).j2k")
        #expect(try decode(stream, fixture) == (try fixture.bytes("\(kind).raw")))
        if kind == "lossless" { #expect(try decode(stream, fixture) == (try fixture.bytes("raw"))) }
    }

    @Test(arguments: CodecFixture.all)
    func theHeaderDeclaresTheArraysGeometry(fixture: CodecFixture) throws {
        let stream = try fixture.bytes("lossless.j2k")
        let header = try stream.withUnsafeBytes { try JPEG2000Decoder.header(of: $0) }
        #expect(header == .init(width: fixture.columns, height: fixture.rows, components: fixture.samples,
                                precision: fixture.precision, isSigned: fixture.signed))
    }

    @Test func aHeaderThatDisagreesWithTheCallerIsRefused() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "ct_s16" })
        let stream = try fixture.bytes("lossless.j2k")
        #expect(throws: JPEG2000Decoder.JPEG2000DecodingError.self) { try decode(stream, fixture, width: fixture.columns + 1) }
        #expect(throws: JPEG2000Decoder.JPEG2000DecodingError.self) { try decode(stream, fixture, bytesPerSample: 1) }
    }

    /// Samples wider than BitsStored would be silently masked: a 16-bit CT codestream declared as 12 bits stored
    /// holds values outside −2048…2047 and is refused.
    @Test func samplesOutsideBitsStoredAreRefused() throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "ct_s16" })
        #expect(throws: JPEG2000Decoder.JPEG2000DecodingError.self) {
            try decode(try fixture.bytes("lossless.j2k"), fixture, bitsStored: 12)
        }
    }

    @Test(arguments: [0.5, 0.9])
    func aTruncatedCodestreamIsRefused(fraction: Double) throws {
        let fixture = try #require(CodecFixture.all.first { $0.name == "ramp_s16" })
        let stream = try fixture.bytes("lossless.j2k")
        let cut = Array(stream.prefix(Int(Double(stream.count) * fraction)))
        #expect(throws: JPEG2000Decoder.JPEG2000DecodingError.self) { try decode(cut, fixture) }
    }

    @Test func garbageIsRefused() {
        let fixture = CodecFixture(name: "garbage", rows: 64, columns: 64, samples: 1, bytesPerSample: 2, signed: false,
                                   precision: 16, j2k: [])
        #expect(throws: JPEG2000Decoder.JPEG2000DecodingError.self) { try decode([UInt8](repeating: 0x4A, count: 300), fixture) }
    }
}
