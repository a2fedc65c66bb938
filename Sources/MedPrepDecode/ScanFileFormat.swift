import Foundation
import MedPrepCore

/// A scan file format medprep reads: how its files are named, how their leading bytes are recognised, which other
/// files a scan is read with, and how one is decoded.
///
/// `ScanFileFormats.all` lists every format. `ScanReader`'s dispatch, the pipeline's default include patterns, case ids
/// and `medprep normalize`'s output names are derived from it, so a new format is one conformance plus one line there.
public protocol ScanFileFormat: Sendable {
    /// Name in messages (`PNG`).
    var name: String { get }
    /// Lower-case suffixes (with the dot) of files that are a scan on their own, in the order of the default include
    /// patterns (`**/*.png`).
    var suffixes: [String] { get }
    /// Lower-case suffixes of files read only through another file of the format (the `.img` of a `.hdr/.img` pair):
    /// not selected by the default include patterns, but known to case ids and output names.
    var companionSuffixes: [String] { get }
    /// How many leading bytes `recognizes(prefix:)` and `truncation(prefix:path:)` look at, at most.
    var prefixLength: Int { get }

    /// Whether a file's leading bytes (up to `prefixLength`) announce this format.
    func recognizes(prefix: [UInt8]) -> Bool
    /// Whether the file at `path` is read as this format by its name alone, whatever its bytes (the `.img` half of a
    /// pair has no magic of its own). Names are checked before any magic.
    func claims(path: String) -> Bool
    /// The error for a file that no format recognises but whose leading bytes start this format's header and end
    /// too soon (`.truncated`); nil otherwise.
    func truncation(prefix: [UInt8], path: String) -> MedPrepError?
    /// The existing files, other than `path`, that the scan at `path` is read from (`x.img` for `x.hdr`).
    func companions(of path: String) -> [String]
    /// Whether `path` is a companion of the scan file `primary` that shares its case id (both relative to one
    /// directory): such a file is read with `primary`, and is no case of its own.
    func isCompanion(_ path: String, of primary: String) -> Bool
    /// Decodes the scan at `path` (a regular file, recognised or claimed by this format).
    func read(path: String, limits: DecodeLimits) throws -> Scan
    /// The channel count `read` gives for `path`, from the header alone, without decoding any voxel
    /// (`medprep validate` checks the pipeline's stages against it).
    func channelCount(path: String) throws -> Int
}

extension ScanFileFormat {
    public var companionSuffixes: [String] { [] }
    public func claims(path: String) -> Bool { false }
    public func truncation(prefix: [UInt8], path: String) -> MedPrepError? { nil }
    public func companions(of path: String) -> [String] { [] }
    public func isCompanion(_ path: String, of primary: String) -> Bool { false }
}

/// The registry of scan formats.
public enum ScanFileFormats {
    /// Every format medprep reads, in the order of the default include patterns. Magic bytes are tried in this
    /// order. The magic bytes of NIfTI, PNG and TIFF never overlap (`1F 8B`/`sizeof_hdr`, `89 50 4E 47`,
    /// `II`/`MM`); DICOM comes first because its 128-byte preamble is free-form and may itself start with another
    /// format's magic (pydicom's `CT_small.dcm` starts with a TIFF header): `DICM` at offset 128 decides.
    public static let all: [any ScanFileFormat] = [DICOMFormat(), NIfTIFormat(), PNGFormat(), TIFFFormat()]

    /// The formats' names as the unknown-format message has always listed them. A test checks that it names every
    /// format of `all`.
    static let unknownFormatNames = "PNG, TIFF, NIfTI or DICOM"

    /// Every suffix of every format (own suffixes, then companions), formats in order.
    public static var suffixes: [String] { all.flatMap { $0.suffixes + $0.companionSuffixes } }

    /// The longest suffix in `suffixes` that `name` ends with, compared case-insensitively; nil if none.
    public static func suffix(of name: String) -> String? {
        let lowered = name.lowercased()
        return suffixes.filter { lowered.hasSuffix($0) }.max { $0.count < $1.count }
    }

    /// The most leading bytes any format looks at.
    static var prefixLength: Int { all.map(\.prefixLength).max() ?? 0 }

    /// The format whose magic bytes start `prefix`, nil if none.
    public static func format(ofPrefix prefix: [UInt8]) -> (any ScanFileFormat)? {
        all.first { $0.recognizes(prefix: prefix) }
    }

    /// The format that reads `path` by its name alone, nil if none.
    public static func claimant(of path: String) -> (any ScanFileFormat)? {
        all.first { $0.claims(path: path) }
    }

    /// The existing files, other than `path`, that the scan at `path` is read from.
    public static func companions(of path: String) -> [String] {
        all.flatMap { $0.companions(of: path) }
    }

    /// Whether `path` is read with the scan file `primary` (which shares its case id) rather than on its own.
    public static func isCompanion(_ path: String, of primary: String) -> Bool {
        all.contains { $0.isCompanion(path, of: primary) }
    }
}
