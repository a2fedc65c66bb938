import MedPrepCore

/// One problem `medprep check` found: any makes it exit 1.
public struct CheckProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A file that cannot be decoded (the reason says why).
        case unreadable
        /// A channel or the label map not on channel 0's grid (`GridComparison`, `GridTolerance.standard`).
        case gridMismatch = "grid_mismatch"
        /// NaN or ±∞ voxels in an image channel.
        case nonFinite = "non_finite"
        /// Label values that are not integers (or NaN/±∞), or more distinct values than a label map has.
        case nonIntegerLabels = "non_integer_labels"
        case missingLabel = "missing_label"
        case missingChannel = "missing_channel"
        case duplicateChannel = "duplicate_channel"
        /// Files that map to one case id.
        case caseConflict = "case_conflict"
        /// A case whose channel count differs from most cases'.
        case channelCountMismatch = "channel_count_mismatch"
        /// Cases in more than one orientation, and no `orient` stage.
        case mixedOrientations = "mixed_orientations"
        /// No file matched the include patterns.
        case noInputs = "no_inputs"
    }

    public var kind: Kind
    /// The case concerned, nil for a problem of the whole dataset.
    public var caseID: String?
    public var message: String

    public init(_ kind: Kind, caseID: String?, _ message: String) {
        self.kind = kind
        self.caseID = caseID
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case kind
        case caseID = "case"
        case message
    }

    /// `kind: case: message`.
    public var description: String {
        "\(kind.rawValue): " + (caseID.map { "\($0): " } ?? "") + message
    }

    /// The problem of a case discovery found incomplete (`SkippedInput.Reason.isIncompleteCase`); nil for notes
    /// that are no problem of the dataset (a FIFO, a link out of the tree).
    static func incomplete(_ note: SkippedInput) -> CheckProblem? {
        let kind: Kind
        switch note.reason {
        case .missingLabel: kind = .missingLabel
        case .missingChannel: kind = .missingChannel
        case .duplicateChannel: kind = .duplicateChannel
        case .fifo, .socket, .device, .symlinkOutside, .symlinkLoop, .danglingSymlink, .alreadyVisited, .nonUTF8Name,
             .unreadable, .channelPatternMismatch, .dicomNotImage:
            return nil
        }
        let id = note.incompleteCase?.id
        let where_ = note.reason == .missingLabel ? " (\(note.path))" : ""
        return CheckProblem(kind, caseID: id, "\(note.detail)\(where_)")
    }
}
