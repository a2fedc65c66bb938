import MedPrepWrite

/// `output.volumes`: the per-case volume formats a run writes, by writer name (`VolumeWriters`), in the writers'
/// order and without duplicates.
///
/// A pipeline file gives a list (`[nifti, npy]`, `[]`) or one word: a format's name, `both` (`nifti` and `npy`) or
/// `none`. The canonical JSON spells a set with its word when it has one, else as the list, so pipelines written
/// before lists existed keep their hash.
public struct VolumeFormats: Hashable, Sendable {
    /// Writer names, in `VolumeWriters` order, without duplicates.
    public let names: [String]

    /// The formats named in `names` (in any order, duplicates allowed); nil if a name is no writer's.
    public init?(_ names: [String]) {
        guard names.allSatisfy(VolumeWriters.names.contains) else { return nil }
        self.init(known: names)
    }

    /// The formats a word stands for (`words`); nil for any other text.
    public init?(word: String) {
        guard let match = Self.words.first(where: { $0.word == word }) else { return nil }
        self = match.formats
    }

    private init(known names: [String]) {
        self.names = VolumeWriters.names.filter(names.contains)
    }

    public static let nifti = VolumeFormats(known: ["nifti"])
    public static let npy = VolumeFormats(known: ["npy"])
    public static let both = VolumeFormats(known: ["nifti", "npy"])
    /// No volume files (and no label maps).
    public static let nothing = VolumeFormats(known: [])

    /// The one-word spellings: each format's name alone, then `both` and `none`.
    public static let words: [(word: String, formats: VolumeFormats)] =
        VolumeWriters.names.map { ($0, VolumeFormats(known: [$0])) } + [("both", .both), ("none", .nothing)]

    /// The word that spells this set, nil when it has none.
    public var word: String? { Self.words.first { $0.formats == self }?.word }

    /// The word as a string, else the list of names.
    package var canonicalJSON: CanonicalJSON {
        word.map { .string($0) } ?? .array(names.map { .string($0) })
    }

    /// The writers of these formats, in order; NIfTI files are `.nii.gz` when `compressed`.
    package func writers(compressed: Bool) -> [any VolumeWriter] {
        VolumeWriters.all(compressed: compressed).filter { names.contains($0.name) }
    }
}
