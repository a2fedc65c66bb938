import Foundation
import MedPrepCodecs
import MedPrepCore

/// NIfTI-1 and NIfTI-2: `.nii`, `.nii.gz`, and `.hdr/.img` pairs (each half possibly gzip-compressed); read by
/// `NIfTIReader`.
///
/// Recognised by gzip's magic bytes (any gzip file is read as `.nii.gz`) or by `sizeof_hdr` and the NIfTI magic.
/// An `.img` is claimed by its name, since image data has no magic; a pair's case is selected by its `.hdr`, and
/// its `.img` is read and fingerprinted with it.
public struct NIfTIFormat: ScanFileFormat {
    public init() {}

    public var name: String { "NIfTI" }
    public var suffixes: [String] { [".nii.gz", ".nii", ".hdr", ".hdr.gz"] }
    public var companionSuffixes: [String] { [".img", ".img.gz"] }
    /// A NIfTI-2 header (540 bytes) and 8 bytes more.
    public var prefixLength: Int { 548 }

    public func recognizes(prefix: [UInt8]) -> Bool {
        GzipCodec.isGzip(prefix) || NIfTIReader.recognizes(prefix: prefix)
    }

    public func claims(path: String) -> Bool {
        let lowered = path.lowercased()
        return companionSuffixes.contains { lowered.hasSuffix($0) }
    }

    public func truncation(prefix: [UInt8], path: String) -> MedPrepError? {
        guard let (version, _) = NIfTIHeader.identify(prefix), prefix.count < NIfTIHeader.size(version: version) else {
            return nil
        }
        return MedPrepError(.truncated, path: path,
            reason: "file of \(prefix.count) bytes ends inside its \(NIfTIHeader.size(version: version))-byte NIfTI-\(version) header")
    }

    /// The existing other half of a pair: `x.img` or `x.img.gz` for `x.hdr`/`x.hdr.gz`, and the reverse (in the
    /// case of the path's suffix: lower case, else upper case); none for other files.
    public func companions(of path: String) -> [String] {
        let halves: [(String, [String])] = [(".hdr", [".img", ".img.gz"]), (".hdr.gz", [".img.gz", ".img"]),
                                            (".img", [".hdr", ".hdr.gz"]), (".img.gz", [".hdr.gz", ".hdr"])]
        guard let (suffix, others) = halves.first(where: { path.lowercased().hasSuffix($0.0) }) else { return [] }
        let stem = String(path.dropLast(suffix.count))
        let found = others.map { stem + (path.hasSuffix(suffix) ? $0 : $0.uppercased()) }.first {
            var info = stat()
            return stat($0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        return found.map { [$0] } ?? []
    }

    /// Whether `path` is an `.img` and `primary` a `.hdr` (of one case id, hence one stem).
    public func isCompanion(_ path: String, of primary: String) -> Bool {
        let lowered = path.lowercased(), primaryLowered = primary.lowercased()
        return (lowered.hasSuffix(".img") || lowered.hasSuffix(".img.gz"))
            && (primaryLowered.hasSuffix(".hdr") || primaryLowered.hasSuffix(".hdr.gz"))
    }

    public func read(path: String, limits: DecodeLimits) throws -> Scan {
        try NIfTIReader.read(path: path, limits: limits)
    }

    public func channelCount(path: String) throws -> Int {
        try NIfTIReader.channelCount(path: path)
    }
}
