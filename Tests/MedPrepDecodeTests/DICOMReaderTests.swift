import Foundation
import MedPrepCore
import Testing
@testable import MedPrepDecode

/// The reference for one DICOM fixture (Scripts/fixtures/make_dicom_fixtures.py: pydicom + numpy, dcm2niix).
struct ExpectedDICOM: Decodable, Sendable {
    struct Converter: Decodable, Sendable {
        var affine: [[Double]]
        var sum: Double
        var values: [Double]
    }

    var shape: [Int]
    var stride: Int
    var values: [Double]
    var sum: Double
    var min: Double
    var max: Double
    var tolerance: Double
    var affine: [[Double]]
    var spacing: [Double]
    var affineSource: String
    var transferSyntax: String
    var dcm2niix: Converter?
}

enum DICOMFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dicom").path

    static func path(_ name: String) -> String { directory + "/" + name }

    static let expected: [String: ExpectedDICOM] = load("expected.json")
    static let hostile: [String: String] = load("hostile.json")

    static func load<T: Decodable>(_ name: String) -> T {
        let data = FileManager.default.contents(atPath: path(name))!
        return try! JSONDecoder().decode(T.self, from: data)
    }
}

@Suite struct DICOMReaderTests {
    @Test(arguments: DICOMFixtures.expected.keys.sorted())
    func matchesPydicom(name: String) throws {
        let expected = try #require(DICOMFixtures.expected[name])
        let scan = try ScanReader().read(path: DICOMFixtures.path(name))
        #expect(scan.header.format == .dicom)
        #expect(scan.tensor.shape.sampleDimensions == expected.shape, "\(name)")
        let storage = scan.tensor.storage
        let sampled = stride(from: 0, to: storage.count, by: expected.stride).map { Double(storage[$0]) }
        #expect(sampled.count == expected.values.count)
        let worst = zip(sampled, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= expected.tolerance + 1e-3 * Swift.max(1, abs(expected.max)), "\(name): worst \(worst)")
        if expected.tolerance == 0 {
            #expect(abs(storage.reduce(0) { $0 + Double($1) } - expected.sum) <= 1e-6 * Swift.max(1, abs(expected.sum)))
            #expect(Double(storage.min()!) == expected.min && Double(storage.max()!) == expected.max, "\(name)")
        }
        #expect(scan.geometry.affineSource.rawValue == expected.affineSource, "\(name)")
        for (row, reference) in zip(scan.geometry.affine.rows, expected.affine) {
            #expect(zip(row, reference).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(name): \(row) vs \(reference)")
        }
        #expect(zip(scan.geometry.spacing, expected.spacing).allSatisfy { abs($0 - $1) <= 1e-9 }, "\(name)")
    }

    /// dcm2niix's affine (to 1e-3 mm) and voxels, for a single slice in the world frame (an RLE and a JPEG 2000
    /// file among them).
    @Test(arguments: DICOMFixtures.expected.filter { $0.value.dcm2niix != nil }.keys.sorted())
    func matchesDcm2niix(name: String) throws {
        let reference = try #require(DICOMFixtures.expected[name]?.dcm2niix)
        let scan = try ScanReader().read(path: DICOMFixtures.path(name))
        for (row, expected) in zip(scan.geometry.affine.rows.prefix(3), reference.affine) {
            #expect(zip(row, expected).allSatisfy { abs($0 - $1) <= 1e-3 }, "\(name): \(row) vs \(expected)")
        }
        let head = scan.tensor.storage.prefix(reference.values.count).map(Double.init)
        #expect(head == reference.values)
        #expect(abs(scan.tensor.storage.reduce(0) { $0 + Double($1) } - reference.sum) <= 1e-6 * abs(reference.sum))
    }

    @Test(arguments: DICOMFixtures.hostile.keys.sorted())
    func refusesHostileFiles(name: String) throws {
        let kind = try #require(DICOMFixtures.hostile[name])
        let path = DICOMFixtures.path(name)
        let error = #expect(throws: MedPrepError.self) { try ScanReader().read(path: path) }
        #expect(error?.kind.rawValue == kind, "\(name): \(String(describing: error))")
        #expect(error?.path == path)
    }

    /// A syntax still not decoded (HTJ2K) is refused naming its UID and how to convert it.
    @Test func unsupportedSyntaxIsNamed() throws {
        let error = #expect(throws: MedPrepError.self) { try ScanReader().read(path: DICOMFixtures.path("htj2k.dcm")) }
        #expect(error?.kind == .unsupported)
        #expect(error?.reason.contains("transfer syntax 1.2.840.10008.1.2.4.201 (") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("convert") == true)
    }

    /// The hostile RLE and JPEG 2000 files say what is wrong with the frame, not just that it failed.
    @Test(arguments: [
        ("hostile_rle_segment_count.dcm", "declares 3 segment(s)"),
        ("hostile_rle_offset_beyond.dcm", "beyond the fragment"),
        ("hostile_rle_run_overflow.dcm", "has a run past its 16 bytes"),
        ("hostile_rle_segment_short.dcm", "decodes to 15 bytes, not Rows × Columns = 16"),
        ("hostile_j2k_siz_mismatch.dcm", "declares 64x64 pixels"),
        ("hostile_j2k_truncated.dcm", "cannot be decoded"),
    ])
    func namesTheCodecReason(name: String, reason: String) throws {
        let error = #expect(throws: MedPrepError.self) { try ScanReader().read(path: DICOMFixtures.path(name)) }
        #expect(error?.kind == .malformed)
        #expect(error?.reason.contains(reason) == true, "\(name): \(String(describing: error))")
        #expect(error?.reason.contains("cannot decode frame 1") == true)
    }

    /// A deflated dataset inflating beyond 4 · maxVoxels + 16 MiB stops there with `too_large`; the default cap
    /// decodes it (it is in expected.json).
    @Test func deflateBombStopsAtTheCap() throws {
        let path = DICOMFixtures.path("deflate_bomb.dcm")
        let error = #expect(throws: MedPrepError.self) { try ScanReader(limits: DecodeLimits(maxVoxels: 1 << 20)).read(path: path) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.reason.contains("inflates beyond") == true, "\(String(describing: error))")
        #expect(error?.path == path)
    }

    /// The two files `make fuzz` found against DCMTK's RLE decoder and its inflate stream now fail cleanly.
    @Test(arguments: [("rle_segv.dcm", "beyond the fragment"), ("deflate_oom.dcm", "the deflated DICOM dataset is inconsistent")])
    func fuzzFindingsFailCleanly(name: String, reason: String) throws {
        let path = DICOMFixtures.directory + "/../dicom-hostile/" + name
        let error = #expect(throws: MedPrepError.self) { try ScanReader().read(path: path) }
        #expect(error?.kind == .malformed, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func channelCountFromHeader() throws {
        #expect(try ScanReader().channelCount(path: DICOMFixtures.path("rgb_planar.dcm")) == 3)
        #expect(try ScanReader().channelCount(path: DICOMFixtures.path("CT_small.dcm")) == 1)
    }

    /// CT_small's preamble starts with a TIFF header: DICM at 128 wins (issue 18's opening symptom).
    @Test func dicomMagicBeatsATIFFPreamble() throws {
        let prefix = try ScanReader.prefix(of: DICOMFixtures.path("CT_small.dcm"), count: ScanFileFormats.prefixLength)
        #expect(prefix.starts(with: [0x49, 0x49, 0x2A, 0x00]))
        #expect(ScanFileFormats.format(ofPrefix: prefix)?.name == "DICOM")
    }

    @Test func affineIsDcm2niixConvention() {
        let affine = DICOMGeometry.affine(orientation: [1, 0, 0, 0, 1, 0], firstPosition: [10, 20, 30],
                                          pixelSpacing: [2, 3], sliceStep: 4, rows: 5)
        #expect(affine.rows == [[-3, 0, 0, -10], [0, 2, 0, -28], [0, 0, 4, 30], [0, 0, 0, 1]])
    }
}
