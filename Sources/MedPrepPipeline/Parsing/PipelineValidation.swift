import Foundation
import MedPrepCore
import MedPrepDecode

/// What `medprep validate` checks: everything `PipelineParser` finds (with the file-system checks), then, for a
/// pipeline without such problems, the channel checks (`ChannelCheck`: `groups` dividing C, `select_channels`
/// indices, `gamma`/`beta` lengths) on the channel count of the first input case, read from its files' headers
/// without decoding any voxel. A run makes the same checks on the first case it decodes.
public enum PipelineValidation {
    /// Every problem of the pipeline text `text` read from `path`; empty when it is valid.
    public static func issues(text: String, path: String) -> [PipelineIssue] {
        let (spec, issues) = PipelineParser.read(text: text, path: path, checkFilesystem: true)
        guard issues.isEmpty, let spec else { return issues }
        return channelIssues(spec)
    }

    /// The channel checks on the first case's headers; none when there is no case or its headers cannot be
    /// read (a run reports that case's own error).
    static func channelIssues(_ spec: PipelineSpec) -> [PipelineIssue] {
        let pipeline = spec.resolved()
        guard let discovery = try? InputDiscovery(pipeline).discover(), let first = discovery.cases.first else { return [] }
        let reader = ScanReader(limits: pipeline.decodeLimits)
        guard let channels = try? first.paths.reduce(0, { $0 + (try reader.channelCount(path: $1)) }) else { return [] }
        return spec.checkChannels(channels)
    }
}
