import MedPrepCore

/// One TIFF directory (page) as medprep reads it: size, sample layout and storage, validated.
struct TIFFPage {
    var width: Int
    var height: Int
    var samplesPerPixel: Int
    var sampleType: TIFFSampleType
    /// PlanarConfiguration 2: each sample in its own plane.
    var isPlanar: Bool
    var compression: Int
    /// Tile size, nil for strips.
    var tile: (width: Int, height: Int)?
    var rowsPerStrip: Int
    /// Pixel spacing (x, y) in millimetres when ResolutionUnit is centimetre, else nil.
    var spacingMillimetres: (x: Double, y: Double)?

    /// Compression schemes medprep reads (lossless, sample values unchanged): none, LZW, Adobe deflate,
    /// deflate, PackBits, LZMA, Zstandard.
    static let losslessCompressions: Set<Int> = [1, 5, 8, 32946, 32773, 34925, 50000]

    /// Whether `other` can be stacked with this page: same size, samples per pixel and sample type.
    func stacks(with other: TIFFPage) -> Bool {
        width == other.width && height == other.height && samplesPerPixel == other.samplesPerPixel
            && sampleType == other.sampleType
    }

    /// Bytes of one decoded page: `H · W · samples · bytesPerSample`.
    var byteCount: Int { height * width * samplesPerPixel * sampleType.byteCount }

    /// "W×H, C samples of type" — how errors describe a page.
    var summary: String { "\(width)×\(height), \(samplesPerPixel) sample(s) of \(sampleType.rawValue)" }

    /// Validates the tags of page `index`; `isCodecConfigured` says whether this libtiff can decode a scheme.
    init(tags: TIFFTags, index: Int, path: String, limits: DecodeLimits, isCodecConfigured: (Int) -> Bool) throws {
        let place = "page \(index)"
        guard tags.width > 0, tags.height > 0, tags.samplesPerPixel > 0 else {
            throw MedPrepError(.malformed, path: path,
                reason: "\(place) declares width \(tags.width), height \(tags.height), \(tags.samplesPerPixel) samples per pixel")
        }
        guard tags.depth == 1 else {
            throw MedPrepError(.unsupported, path: path, reason: "\(place) has ImageDepth \(tags.depth) (volumetric TIFF)")
        }
        _ = try limits.checkedElementCount([tags.samplesPerPixel, tags.height, tags.width], path: path)
        sampleType = try TIFFSampleType(bits: tags.bitsPerSample, format: tags.sampleFormat, path: path)
        switch tags.photometric {
        case 3:
            throw MedPrepError(.unsupported, path: path, reason: "\(place) is palette-colour (PhotometricInterpretation 3)")
        case 6:
            throw MedPrepError(.unsupported, path: path, reason: "\(place) is YCbCr (PhotometricInterpretation 6)")
        default:
            break
        }
        guard Self.losslessCompressions.contains(tags.compression), isCodecConfigured(tags.compression) else {
            throw MedPrepError(.unsupported, path: path, reason: "\(place) uses Compression \(tags.compression), which medprep does not read")
        }
        guard tags.planarConfig == 1 || tags.planarConfig == 2 else {
            throw MedPrepError(.malformed, path: path, reason: "\(place) has PlanarConfiguration \(tags.planarConfig)")
        }
        width = tags.width
        height = tags.height
        samplesPerPixel = tags.samplesPerPixel
        isPlanar = tags.planarConfig == 2 && tags.samplesPerPixel > 1
        compression = tags.compression
        if tags.isTiled {
            guard tags.tileWidth > 0, tags.tileHeight > 0 else {
                throw MedPrepError(.malformed, path: path, reason: "\(place) has tile size \(tags.tileWidth)×\(tags.tileHeight)")
            }
            _ = try limits.checkedElementCount([tags.samplesPerPixel, tags.tileHeight, tags.tileWidth], path: path)
            tile = (tags.tileWidth, tags.tileHeight)
        } else {
            tile = nil
        }
        rowsPerStrip = tags.rowsPerStrip > 0 ? min(tags.rowsPerStrip, tags.height) : tags.height
        if tags.resolutionUnit == 3, let x = tags.xResolution, let y = tags.yResolution,
           x.isFinite, y.isFinite, x > 0, y > 0 {
            spacingMillimetres = (10 / x, 10 / y)
        } else {
            spacingMillimetres = nil
        }
    }
}
