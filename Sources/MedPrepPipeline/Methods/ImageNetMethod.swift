import MedPrepNormalize

/// `imagenet`: the ImageNet preset for images in `[0, 1]`, `y = (x − mean_c) / std_c` with mean
/// `(0.485, 0.456, 0.406)` and std `(0.229, 0.224, 0.225)` (one channel: their averages); needs 1 or 3 channels.
struct ImageNetMethod: NormalizationMethod {
    static let name = "imagenet"
    static let keys: [String] = []

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> ImageNetMethod? { ImageNetMethod() }

    var canonicalMembers: [String: CanonicalJSON] { [:] }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer { ImageNetPreset() }

    func checkChannels(_ count: Int, issues: inout ChannelIssues) {
        if count != 3 && count != 1 {
            issues.report(key: "normalize.method", found: "imagenet normalization of \(count) channels",
                          expected: "1 or 3 channels (gray or RGB)")
        }
    }
}

extension NormalizeMethod {
    /// The ImageNet preset.
    package static var imagenet: NormalizeMethod { NormalizeMethod(ImageNetMethod()) }
}
