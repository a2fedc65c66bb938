/// The raw tag values of one directory, as the shim's typed getters return them.
struct TIFFTags {
    var width: Int
    var height: Int
    var depth: Int
    var bitsPerSample: Int
    var samplesPerPixel: Int
    var sampleFormat: Int
    var planarConfig: Int
    var compression: Int
    /// PhotometricInterpretation, nil if absent.
    var photometric: Int?
    var resolutionUnit: Int
    var xResolution: Double?
    var yResolution: Double?
    var isTiled: Bool
    var tileWidth: Int
    var tileHeight: Int
    var rowsPerStrip: Int
}
