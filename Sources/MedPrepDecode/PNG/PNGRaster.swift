/// A PNG's declared layout, and that of the rows the PNGShim decoder returns.
struct PNGRaster {
    var width: Int
    var height: Int
    /// Stored bits per sample: 1, 2, 4, 8 or 16.
    var bitDepth: Int
    /// IHDR colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    var colorType: Int
    /// Samples per pixel in a decoded row (1 for palette indices).
    var samplesPerPixel: Int
    /// Bytes per decoded row: one byte per sample up to 8 bits, big-endian pairs for 16 bits.
    var rowBytes: Int
    /// PLTE entries as RGB triples (empty if none).
    var palette: [UInt8]

    static let paletteColorType = 3

    /// Channels of the decoded image: palette indices expand to RGB.
    var channels: Int { colorType == Self.paletteColorType ? 3 : samplesPerPixel }
}
