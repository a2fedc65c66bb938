import MedPrepCore
import MedPrepTransform

/// `drop_alpha` (no parameters): drops the last channel of a 2-channel (gray + alpha) or 4-channel (RGBA) image
/// (`MedPrepTransform.DropAlpha`); other channel counts pass unchanged.
struct DropAlphaStage: KeyedStage {
    static let name = "drop_alpha"
    static let allowedKeys: [String] = []

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> DropAlphaStage? {
        DropAlphaStage()
    }

    var canonicalMembers: [String: CanonicalJSON] { [:] }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(DropAlpha())
    }

    func channels(after count: Int, issues: inout ChannelIssues) -> Int {
        count == 2 || count == 4 ? count - 1 : count
    }
}

extension StageSpec {
    /// Drops the last channel of a 2-channel (gray+alpha) or 4-channel (RGBA) image; others pass unchanged.
    package static var dropAlpha: StageSpec { StageSpec(DropAlphaStage()) }
}
