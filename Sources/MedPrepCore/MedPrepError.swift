/// The one error type of medprep: what went wrong, with which file, and why.
///
/// `description` reads `path: reason` so that a failed file costs one clear line in a log.
public struct MedPrepError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; stable names used in JSON reports.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The file could not be opened, read or written.
        case io
        /// The file is not in a format medprep reads.
        case unknownFormat = "unknown_format"
        /// A valid file using a feature medprep refuses on purpose (complex voxels, 12-bit TIFF…).
        case unsupported
        /// A header or structure that contradicts itself or the format's rules.
        case malformed
        /// The file ends before the data its header declares.
        case truncated
        /// A compressed stream whose checksum or structure is damaged.
        case corrupt
        /// Declared sizes overflow or exceed the configured voxel cap.
        case tooLarge = "too_large"
        /// Non-finite voxels met under the `error` policy, stored values that overflow float32, or a
        /// normalization that would turn finite voxels into NaN/±inf.
        case nonFinite = "non_finite"
        /// Tensors whose shapes cannot be combined.
        case shapeMismatch = "shape_mismatch"
        /// A channel file or label map that is not on its case's first channel file's voxel grid (shape, or affine
        /// beyond the tolerance), under `input: {align: check}`.
        case gridMismatch = "grid_mismatch"
        /// A parameter outside its domain (groups not dividing channels, negative eps…).
        case invalidArgument = "invalid_argument"
        /// An input whose output path another input, or the run itself, also claims.
        case outputConflict = "output_conflict"
        /// A case lacking its label map or a channel file other cases have, or with a channel number twice.
        case incompleteCase = "incomplete_case"
        /// A label map that is not one channel of integer class numbers within ±2²⁴ (a value 0.5 or NaN, RGB).
        case invalidLabel = "invalid_label"
    }

    public var kind: Kind
    /// The file concerned, if any.
    public var path: String?
    /// A human-readable reason, without the path.
    public var reason: String

    public init(_ kind: Kind, path: String?, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// The same error attributed to `path` (kept if one is already set).
    public func at(_ path: String) -> MedPrepError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }

    public var description: String {
        if let path { return "\(path): \(reason)" }
        return reason
    }
}
