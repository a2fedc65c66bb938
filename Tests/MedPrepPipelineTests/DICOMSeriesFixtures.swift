import Foundation
@testable import MedPrepDecode
@testable import MedPrepPipeline

/// The headers and reference written by Scripts/fixtures/make_dicom_series_fixtures.py (Tests/Fixtures/dicom-series):
/// header facts as the DICOM reader would give them (no DICOM is parsed here), and per case the slice order, step
/// and affine from an independent numpy fit, with dcm2niix's sform.
enum DICOMSeriesFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dicom-series").path

    struct Facts: Decodable {
        var path, sopClassUID, seriesInstanceUID, studyInstanceUID, transferSyntaxUID: String
        var patientID, studyDate, seriesDescription, modality: String?
        var seriesNumber, instanceNumber, acquisitionNumber, echoNumber: Int?
        var rows, columns: Int
        var imageOrientation, pixelSpacing: [Double]?
        var imagePositions: [[Double]]
        var sliceThickness: Double?
        var rescaleSlopes, rescaleIntercepts: [Double]?

        var header: DICOMSliceHeader {
            DICOMSliceHeader(path: DICOMSeriesFixtures.root + "/" + path, sopClassUID: sopClassUID,
                             seriesInstanceUID: seriesInstanceUID, studyInstanceUID: studyInstanceUID,
                             patientID: patientID, studyDate: studyDate, seriesNumber: seriesNumber,
                             seriesDescription: seriesDescription, modality: modality,
                             acquisitionNumber: acquisitionNumber, instanceNumber: instanceNumber, echoNumber: echoNumber,
                             rows: rows, columns: columns, imageOrientation: imageOrientation,
                             imagePositions: imagePositions, pixelSpacing: pixelSpacing, sliceThickness: sliceThickness,
                             rescaleSlopes: rescaleSlopes ?? [1], rescaleIntercepts: rescaleIntercepts ?? [0],
                             transferSyntaxUID: transferSyntaxUID)
        }
    }

    struct Expected: Decodable {
        struct Failure: Decodable { var kind: String; var contains: [String] }
        var id, directory: String
        var error: Failure?
        var shape: [Int]?
        var order: [String]?
        var step: Double?
        var spacing, slopes, intercepts, affine, dcm2niix: [Double]?
    }

    struct Reference: Decodable {
        var cases: [Expected]
        var skipped: [String]
        var hashedSalt: String
        var hashedIDs: [String: String]
        var dcm2niix: Bool
    }

    static func headers() throws -> [DICOMSliceHeader] {
        try JSONDecoder().decode([Facts].self, from: Data(contentsOf: URL(fileURLWithPath: root + "/headers.json")))
            .map(\.header)
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/reference.json")))
    }

    static let naming = DICOMCaseNaming(mode: .readable) { SHA256Hasher.hexDigest(text: $0) }

    static func assembly(_ headers: [DICOMSliceHeader], naming: DICOMCaseNaming = naming) -> DICOMSeriesAssembler.Assembly {
        DICOMSeriesAssembler.assemble(headers, root: root, naming: naming)
    }
}
