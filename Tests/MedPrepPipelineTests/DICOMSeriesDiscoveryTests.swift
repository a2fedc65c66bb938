import Foundation
import Testing
@testable import MedPrepDecode
@testable import MedPrepPipeline

/// Issue 18 items 4–5, before any pixel is decoded: the header builder against the generator's header facts, and
/// discovery turning a directory of DICOM files into one case per series.
@Suite struct DICOMSeriesDiscoveryTests {
    /// `DICOMHeaderReader` (DCMTK, raw tags) gives, for every fixture file, the header the generator wrote
    /// (headers.json, from pydicom), the RTSTRUCT included.
    @Test func headerReaderMatchesTheGeneratorsFacts() throws {
        let expected = try DICOMSeriesFixtures.headers()
        #expect(expected.count == 51)
        for header in expected {
            let read = try DICOMHeaderReader.read(path: header.path)
            #expect(read == header, "\(header.path)")
            #expect(DICOMHeaderReader.isDICOM(path: header.path))
        }
        #expect(!DICOMHeaderReader.isDICOM(path: DICOMSeriesFixtures.root + "/reference.json"))
    }

    /// Discovery over the fixture directory: one case per series with the reference ids, each case's files all of
    /// its slices (so the store fingerprints the series), the series that cannot be stacked still cases (failing
    /// when loaded), the RTSTRUCT a `dicom_not_image` note, and the JSON files beside them ordinary cases.
    @Test func discoveryMakesOneCasePerSeries() throws {
        let root = DICOMSeriesFixtures.root
        let result = try InputDiscovery(directory: root, include: [try #require(GlobPattern("*/*"))]).discover()
        let reference = try DICOMSeriesFixtures.reference()
        #expect(result.cases.map(\.id) == reference.cases.map(\.id).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for expected in reference.cases {
            let item = try #require(result.cases.first { $0.id == expected.id })
            let source = try #require(item.channels.first?.dicomSeries)
            if let order = expected.order {
                #expect(Set(item.fingerprintedPaths) == Set(order.map { root + "/" + $0 }), "\(expected.id)")
                #expect(source.series?.slices.map(\.path) == order.map { root + "/" + $0 }, "\(expected.id)")
                #expect(source.failure == nil)
            } else {
                #expect(source.series == nil && source.failure?.kind.rawValue == expected.error?.kind, "\(expected.id)")
                let files = try FileManager.default.contentsOfDirectory(atPath: root + "/" + expected.directory)
                #expect(item.fingerprintedPaths == files.sorted().map { root + "/" + expected.directory + "/" + $0 })
            }
        }
        #expect(result.skipped.map(\.path) == reference.skipped)
        #expect(result.skipped.allSatisfy { $0.reason == .dicomNotImage && $0.detail.contains("RT Structure Set") })
    }
}
