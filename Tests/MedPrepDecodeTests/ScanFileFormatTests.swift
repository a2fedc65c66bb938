import Foundation
import Testing
import MedPrepCore
@testable import MedPrepDecode

/// The format registry (`ScanFileFormats`) and `ScanReader`'s dispatch through it.
@Suite struct ScanFileFormatTests {
    @Test func registryListsTheFormatsAndTheirSuffixes() {
        #expect(ScanFileFormats.all.map(\.name) == ["DICOM", "NIfTI", "PNG", "TIFF"])
        #expect(ScanFileFormats.suffixes == [".dcm", ".dicom", ".nii.gz", ".nii", ".hdr", ".hdr.gz", ".img", ".img.gz", ".png", ".tif", ".tiff"])
        #expect(ScanFileFormats.prefixLength == 548)
    }

    /// The unknown-format message keeps its wording and names every registered format.
    @Test func unknownFormatMessageNamesEveryFormat() throws {
        for format in ScanFileFormats.all {
            #expect(ScanFileFormats.unknownFormatNames.contains(format.name), "\(format.name)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("unknown-\(UUID().uuidString).nii").path
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let error = try #require(throws: MedPrepError.self) { try ScanReader().read(path: file) }
        #expect(error.kind == .unknownFormat)
        #expect(error.reason == "not a PNG, TIFF, NIfTI or DICOM file (first bytes: 70 6c 61 69 6e 20 74 65)")
    }

    @Test func truncatedNIfTIHeaderIsTruncatedNotUnknown() throws {
        let error = try #require(throws: MedPrepError.self) {
            try ScanReader().read(path: NIfTIFixtures.path("truncated_header.nii"))
        }
        #expect(error.kind == .truncated)
        #expect(error.reason.contains("byte NIfTI-1 header"))
    }

    /// No file is recognised by two formats, so the order magic bytes are tried in changes nothing.
    @Test func magicBytesOfTheFormatsDoNotOverlap() throws {
        let files = [
            (NIfTIFixtures.path("dtype_int16.nii"), "NIfTI"), (NIfTIFixtures.path("be_int16.nii"), "NIfTI"),
            (NIfTIFixtures.path("nifti2_be_float32.nii"), "NIfTI"), (NIfTIFixtures.path("gz_float32.nii.gz"), "NIfTI"),
            (NIfTIFixtures.path("pair_int16.hdr"), "NIfTI"),
            (RasterFixtures.path("png/adam7_gray16.png"), "PNG"),
            (RasterFixtures.path("tiff/bigendian_int16.tif"), "TIFF"), (RasterFixtures.path("tiff/bigtiff_uint16.tif"), "TIFF"),
        ]
        for (path, name) in files {
            let prefix = try ScanReader.prefix(of: path, count: ScanFileFormats.prefixLength)
            #expect(ScanFileFormats.all.filter { $0.recognizes(prefix: prefix) }.map(\.name) == [name], "\(path)")
            #expect(ScanFileFormats.format(ofPrefix: prefix)?.name == name)
        }
    }

    @Test func imageHalvesAreClaimedByName() {
        for path in ["a/x.img", "x.IMG", "x.img.gz", "x.Img.Gz"] {
            #expect(ScanFileFormats.claimant(of: path)?.name == "NIfTI", "\(path)")
        }
        for path in ["x.hdr", "x.nii", "x.png", "x.img.bak"] {
            #expect(ScanFileFormats.claimant(of: path) == nil, "\(path)")
        }
    }

    /// The suffix `medprep normalize` strips from output names: the longest format suffix, in any case.
    @Test func suffixOfAName() {
        let cases: [(String, String?)] = [
            ("ct.nii.gz", ".nii.gz"), ("CT.NII.GZ", ".nii.gz"), ("a.nii", ".nii"), ("a.hdr", ".hdr"), ("a.hdr.gz", ".hdr.gz"),
            ("a.img", ".img"), ("a.IMG.gz", ".img.gz"), ("x.png", ".png"), ("x.tif", ".tif"), ("x.TIFF", ".tiff"),
            ("x.gz", nil), ("x.jpg", nil), ("noext", nil),
        ]
        for (name, suffix) in cases {
            #expect(ScanFileFormats.suffix(of: name) == suffix, "\(name)")
        }
    }

    /// A `.hdr/.img` pair: each half names the other (in the case of its suffix) when it exists.
    @Test func pairHalvesAreCompanions() throws {
        let header = NIfTIFixtures.path("pair_int16.hdr"), image = NIfTIFixtures.path("pair_int16.img")
        #expect(ScanFileFormats.companions(of: header) == [image])
        #expect(ScanFileFormats.companions(of: image) == [header])
        #expect(ScanFileFormats.companions(of: NIfTIFixtures.path("pairgz_int16.hdr")) == [NIfTIFixtures.path("pairgz_int16.img.gz")])
        #expect(ScanFileFormats.companions(of: NIfTIFixtures.path("orphan.hdr")).isEmpty)
        #expect(ScanFileFormats.companions(of: NIfTIFixtures.path("dtype_int16.nii")).isEmpty)
        #expect(ScanFileFormats.isCompanion("p.img", of: "p.hdr"))
        #expect(ScanFileFormats.isCompanion("p.IMG.GZ", of: "p.hdr"))
        #expect(!ScanFileFormats.isCompanion("p.hdr", of: "p.img"))
        #expect(!ScanFileFormats.isCompanion("p.nii", of: "p.nii.gz"))
    }

    /// Reading through a format gives the same scan as the format's reader.
    @Test func formatsReadWithTheirReaders() throws {
        let nifti = NIfTIFixtures.path("dtype_int16.nii"), png = RasterFixtures.path("png/adam7_gray16.png")
        #expect(try ScanReader().read(path: nifti).tensor == NIfTIReader.read(path: nifti).tensor)
        #expect(try ScanReader().read(path: png).tensor == PNGReader.read(path: png).tensor)
        #expect(try ScanReader().read(path: NIfTIFixtures.path("pair_int16.img")).tensor
                == NIfTIReader.read(path: NIfTIFixtures.path("pair_int16.hdr")).tensor)
    }

    /// `channelCount(path:)` reads only headers, and agrees with the decoded channel count for every fixture
    /// that decodes (NIfTI 3D/4D/RGB24 and pairs, PNG gray/gray+alpha/RGB/RGBA/palette, TIFF contiguous and planar).
    @Test func headerChannelCountMatchesTheDecodedScan() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
        let directories = [root + "/MedPrepDecodeTests/Fixtures/nifti", root + "/Fixtures/raster/png", root + "/Fixtures/raster/tiff"]
        let reader = ScanReader()
        var compared = 0
        for directory in directories {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
                let path = directory + "/" + name
                guard let scan = try? reader.read(path: path) else { continue }
                #expect(try reader.channelCount(path: path) == scan.tensor.shape.c, "\(name)")
                compared += 1
            }
        }
        #expect(compared >= 20)
    }
}
