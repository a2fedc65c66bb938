import MedPrepCore

/// PNG (`.png`), recognised by its 8-byte signature; read by `PNGReader`.
public struct PNGFormat: ScanFileFormat {
    public init() {}

    public var name: String { "PNG" }
    public var suffixes: [String] { [".png"] }
    public var prefixLength: Int { PNGReader.signature.count }

    public func recognizes(prefix: [UInt8]) -> Bool {
        prefix.starts(with: PNGReader.signature)
    }

    public func read(path: String, limits: DecodeLimits) throws -> Scan {
        try PNGReader.read(path: path, limits: limits)
    }

    public func channelCount(path: String) throws -> Int {
        try PNGReader.channelCount(path: path)
    }
}
