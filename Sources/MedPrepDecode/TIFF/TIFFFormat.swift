import MedPrepCore

/// TIFF and BigTIFF (`.tif`, `.tiff`), recognised by their byte-order mark; read by `TIFFReader`.
public struct TIFFFormat: ScanFileFormat {
    public init() {}

    public var name: String { "TIFF" }
    public var suffixes: [String] { [".tif", ".tiff"] }
    public var prefixLength: Int { 4 }

    public func recognizes(prefix: [UInt8]) -> Bool {
        prefix.count >= 4 && TIFFReader.byteOrderMarks.contains(Array(prefix.prefix(4)))
    }

    public func read(path: String, limits: DecodeLimits) throws -> Scan {
        try TIFFReader.read(path: path, limits: limits)
    }

    public func channelCount(path: String) throws -> Int {
        try TIFFReader.channelCount(path: path)
    }
}
