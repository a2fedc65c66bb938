import MedPrepCore

/// DICOM Part 10 files (`.dcm`, `.dicom`), recognised by `DICM` after the 128-byte preamble whatever their name;
/// read by `DICOMReader`, one object per file.
///
/// Files without a suffix (common in PACS exports) are read as DICOM when named directly (`medprep inspect FILE`) or
/// selected by an include pattern of the pipeline, since dispatch is by magic bytes. The default include patterns
/// list only `.dcm` and `.dicom`: a pattern matching every file would turn each README or checksum file of a dataset
/// directory into a failing case.
public struct DICOMFormat: ScanFileFormat {
    /// The 128-byte preamble, then `DICM`.
    static let magicOffset = 128
    static let magic: [UInt8] = Array("DICM".utf8)

    public init() {}

    public var name: String { "DICOM" }
    public var suffixes: [String] { [".dcm", ".dicom"] }
    public var prefixLength: Int { Self.magicOffset + Self.magic.count }

    public func recognizes(prefix: [UInt8]) -> Bool {
        prefix.count >= prefixLength && Array(prefix[Self.magicOffset ..< prefixLength]) == Self.magic
    }

    public func read(path: String, limits: DecodeLimits) throws -> Scan {
        try DICOMReader.read(path: path, limits: limits)
    }

    public func channelCount(path: String) throws -> Int {
        try DICOMObject(path: path).pixelLayout().samples
    }
}
