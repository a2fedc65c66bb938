/// What series assembly needs from one DICOM object's header, read from the raw tags (never from a library's
/// derived geometry). Positions and orientation are in the DICOM patient frame (LPS, mm).
///
/// A single-frame object has one position; a multi-frame (enhanced) object has one per frame, taken from its
/// per-frame functional groups.
package struct DICOMSliceHeader: Sendable, Hashable {
    /// The file the object was read from.
    package var path: String
    /// (0008,0016) SOP Class UID: image storage classes only are assembled; others are skipped with a note.
    package var sopClassUID: String
    /// (0020,000E), (0020,000D).
    package var seriesInstanceUID: String
    package var studyInstanceUID: String
    /// (0010,0020), (0008,0020), (0020,0011), (0008,103E), (0008,0060): used only to build readable case ids.
    package var patientID: String?
    package var studyDate: String?
    package var seriesNumber: Int?
    package var seriesDescription: String?
    package var modality: String?
    /// (0020,0012), (0020,0013), (0020,0100), (0018,0086): splitting and tie-breaking, never ordering.
    package var acquisitionNumber: Int?
    package var instanceNumber: Int?
    package var temporalPositionIdentifier: Int?
    package var echoNumber: Int?
    /// (0028,0010), (0028,0011), (0028,0002), (0028,0008) (1 when absent).
    package var rows: Int
    package var columns: Int
    package var samplesPerPixel: Int
    package var numberOfFrames: Int
    /// (0020,0037): row direction cosines r = [0..<3], column direction cosines c = [3..<6]; nil when absent.
    package var imageOrientation: [Double]?
    /// (0020,0032) per frame: the centre of the first transmitted voxel; empty when absent.
    package var imagePositions: [[Double]]
    /// (0028,0030): [row spacing (between rows, along c), column spacing (between columns, along r)].
    package var pixelSpacing: [Double]?
    /// (0018,0050), (0018,0088): only a single slice's step comes from them (`DICOMGeometry.singleSliceStep`); a
    /// stack's step comes from the positions.
    package var sliceThickness: Double?
    package var spacingBetweenSlices: Double?
    /// (0028,1053), (0028,1052) per frame (1 and 0 when absent); they may differ between slices.
    package var rescaleSlopes: [Double]
    package var rescaleIntercepts: [Double]
    /// (0002,0010), and DCMTK's name for it ("" when unknown).
    package var transferSyntaxUID: String
    package var transferSyntaxName: String

    package init(path: String, sopClassUID: String, seriesInstanceUID: String, studyInstanceUID: String,
                 patientID: String? = nil, studyDate: String? = nil, seriesNumber: Int? = nil,
                 seriesDescription: String? = nil, modality: String? = nil, acquisitionNumber: Int? = nil,
                 instanceNumber: Int? = nil, temporalPositionIdentifier: Int? = nil, echoNumber: Int? = nil,
                 rows: Int, columns: Int, samplesPerPixel: Int = 1, numberOfFrames: Int = 1,
                 imageOrientation: [Double]?, imagePositions: [[Double]], pixelSpacing: [Double]?,
                 sliceThickness: Double? = nil, spacingBetweenSlices: Double? = nil, rescaleSlopes: [Double] = [1], rescaleIntercepts: [Double] = [0],
                 transferSyntaxUID: String, transferSyntaxName: String = "") {
        self.path = path
        self.sopClassUID = sopClassUID
        self.seriesInstanceUID = seriesInstanceUID
        self.studyInstanceUID = studyInstanceUID
        self.patientID = patientID
        self.studyDate = studyDate
        self.seriesNumber = seriesNumber
        self.seriesDescription = seriesDescription
        self.modality = modality
        self.acquisitionNumber = acquisitionNumber
        self.instanceNumber = instanceNumber
        self.temporalPositionIdentifier = temporalPositionIdentifier
        self.echoNumber = echoNumber
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.numberOfFrames = numberOfFrames
        self.imageOrientation = imageOrientation
        self.imagePositions = imagePositions
        self.pixelSpacing = pixelSpacing
        self.sliceThickness = sliceThickness
        self.spacingBetweenSlices = spacingBetweenSlices
        self.rescaleSlopes = rescaleSlopes
        self.rescaleIntercepts = rescaleIntercepts
        self.transferSyntaxUID = transferSyntaxUID
        self.transferSyntaxName = transferSyntaxName
    }

    /// Whether the object places its pixels in the patient frame: ImageOrientationPatient, a position and a
    /// PixelSpacing (the three `DICOMFrameGeometry` needs for a world affine). Objects without one (CR/DX
    /// radiographs, secondary captures) are not stacked into series: each is a 2D case of its own in pixel space.
    package var hasPatientFrame: Bool {
        imageOrientation != nil && !imagePositions.isEmpty && imagePositions.allSatisfy { $0.count == 3 }
            && (pixelSpacing?.count ?? 0) == 2
    }
}
