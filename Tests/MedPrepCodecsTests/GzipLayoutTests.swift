import Foundation
import Testing
import MedPrepCore
@testable import MedPrepCodecs

/// `GzipLayout`: what a gzip file's bytes prove about its inflated size before inflating (issue 14, item 9).
/// Streams are made by libdeflate (`GzipCodec.deflate`); sizes are the counts of bytes put in.
@Suite struct GzipLayoutTests {
    static let mebibyte = 1 << 20

    private func verdict(_ file: [UInt8], minimumSize: Int, slack: Int = 0) throws -> GzipLayout.Verdict {
        try file.withUnsafeBytes { try GzipLayout($0).verdict(minimumSize: minimumSize, slack: slack, path: "x.nii.gz") }
    }

    @Test func aSingleMemberMatchesItsTrailerSizeAlsoBeforeZeroPadding() throws {
        let size = 20 * Self.mebibyte
        let member = try GzipCodec.deflate([UInt8](repeating: 0, count: size))
        #expect(try verdict(member, minimumSize: size) == .matches(total: size))
        #expect(try verdict(member + [0, 0, 0], minimumSize: size) == .matches(total: size))
        #expect(try verdict(member, minimumSize: size - 100, slack: 100) == .matches(total: size))
    }

    @Test func aSingleMemberTooShortForTheDeclaredSizeIsRefusedWithoutInflating() throws {
        let member = try GzipCodec.deflate([UInt8](repeating: 0, count: 17 * Self.mebibyte))
        let error = try #require(throws: MedPrepError.self) { try verdict(member, minimumSize: 17 * Self.mebibyte + 1) }
        #expect(error.kind == .truncated)
        #expect(error.path == "x.nii.gz")
        #expect(error.reason.contains("holds \(17 * Self.mebibyte) bytes"))
    }

    @Test func smallDeclaredSizesAreLeftToTheInflaterForAnExactDiagnosis() throws {
        let member = try GzipCodec.deflate([UInt8](repeating: 0, count: 1000))
        #expect(try verdict(member, minimumSize: 2000) == .unknown)
    }

    @Test func anImpossibleTrailerSizeIsCorrupt() throws {
        var member = try GzipCodec.deflate([UInt8](repeating: 0, count: 17 * Self.mebibyte))
        member[member.count - 1] = 0x7f  // ISIZE ≥ 2^30, beyond 1032 × the file's ~17 KB
        let error = try #require(throws: MedPrepError.self) { try verdict(member, minimumSize: 17 * Self.mebibyte) }
        #expect(error.kind == .corrupt)
    }

    @Test func severalMembersAreNeverRefusedFromTheLastTrailer() throws {
        let part = try GzipCodec.deflate([UInt8](repeating: 0, count: 10 * Self.mebibyte))
        let file = part + part
        #expect(!file.withUnsafeBytes { GzipLayout($0).isSingleMember })
        #expect(try verdict(file, minimumSize: 20 * Self.mebibyte) == .unknown)
        var split: [UInt8] = []
        let data = [UInt8](repeating: 7, count: 20 * Self.mebibyte)
        try data.withUnsafeBytes { bytes in
            try GzipCodec.deflate(bytes, memberSize: 4 << 20) { split += Array($0) }
        }
        #expect(try verdict(split, minimumSize: 20 * Self.mebibyte) == .unknown)
        #expect(try GzipCodec.inflate(split) == data)
    }

    @Test func theMemberHeaderParserSkipsOptionalFields() {
        // FLG = FEXTRA | FNAME | FCOMMENT | FHCRC: 2-byte XLEN 3, 3 extra bytes, "a\0", "b\0", 2-byte CRC16.
        let header: [UInt8] = [0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 3, 0, 1, 2, 3, 0x61, 0, 0x62, 0, 9, 9, 0xaa]
        #expect(header.withUnsafeBytes { GzipInflater.deflateStart($0, member: 0) } == header.count - 1)
        #expect(Array(header.prefix(12)).withUnsafeBytes { GzipInflater.deflateStart($0, member: 0) } == nil)
        #expect([UInt8](repeating: 0, count: 30).withUnsafeBytes { GzipInflater.deflateStart($0, member: 0) } == nil)
    }
}
