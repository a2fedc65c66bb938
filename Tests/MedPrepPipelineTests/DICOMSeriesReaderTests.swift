import Foundation
import MedPrepCore
import Testing
@testable import MedPrepDecode
@testable import MedPrepPipeline

/// `DICOMSeriesReader`'s refusals, on a series assembled from the fixtures (values and affines are checked end to
/// end against pydicom and dcm2niix in `DICOMSeriesRun`).
@Suite struct DICOMSeriesReaderTests {
    static func oblique() throws -> DICOMSeries {
        let result = try InputDiscovery(directory: DICOMSeriesFixtures.root, include: [try #require(GlobPattern("oblique/*"))])
            .discover()
        return try #require(result.cases.first?.channels.first?.dicomSeries?.series)
    }

    /// 8 × 6 × 5 = 240 voxels: a cap of 239 refuses the series before the volume is allocated; 240 reads it.
    @Test func voxelCapIsCheckedBeforeAllocating() throws {
        let series = try Self.oblique()
        do {
            _ = try DICOMSeriesReader.read(series, limits: DecodeLimits(maxVoxels: 239))
            Issue.record("a series beyond the voxel cap was read")
        } catch let error as MedPrepError {
            #expect(error.kind == .tooLarge)
        }
        let scan = try DICOMSeriesReader.read(series, limits: DecodeLimits(maxVoxels: 240))
        #expect(scan.tensor.shape.sampleDimensions == [1, 5, 6, 8])
        #expect(scan.geometry.affine == series.affine)
    }

    /// A slope of 0 would make a slice constant: the series fails naming the file.
    @Test func zeroSlopeIsRefused() throws {
        var series = try Self.oblique()
        series.slices[2].slope = 0
        do {
            _ = try DICOMSeriesReader.read(series, limits: .default)
            Issue.record("a zero slope was accepted")
        } catch let error as MedPrepError {
            #expect(error.kind == .malformed && error.path == series.slices[2].path && error.reason.contains("RescaleSlope 0"))
        }
    }
}
