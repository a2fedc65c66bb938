import MedPrepCore
import MedPrepTransform

/// `select_channels: {channels}`: keeps the listed channels (0-based), in the listed order
/// (`MedPrepTransform.SelectChannels`). Every index must lie below the channel count it receives.
struct SelectChannelsStage: KeyedStage {
    var channels: [Int]

    static let name = "select_channels"
    static let allowedKeys = ["channels"]
    static let requiredKeys = ["channels"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> SelectChannelsStage? {
        let channels: [Int]? = fields["channels"].flatMap { node in
            reader.list(node, name: "select_channels.channels", count: 1 ... Int.max) { (reader: inout NodeReader, item) -> Int? in
                guard let value = reader.int(item, name: "a channel index") else { return nil }
                guard value >= 0 else {
                    reader.report(item, found: "channel index \(value)", expected: "an index ≥ 0")
                    return nil
                }
                return value
            }
        }
        return channels.map { SelectChannelsStage(channels: $0) }
    }

    var canonicalMembers: [String: CanonicalJSON] {
        ["channels": .array(channels.map { .int($0) })]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try SelectChannels(channels))
    }

    func channels(after count: Int, issues: inout ChannelIssues) -> Int {
        for channel in channels where channel >= count {
            issues.report(key: "select_channels.channels", found: "channel index \(channel) with \(count) channels",
                          expected: "an index below \(count)")
        }
        return channels.count
    }
}

extension StageSpec {
    /// Keeps the listed channels (0-based), in the listed order.
    package static func selectChannels(_ channels: [Int]) -> StageSpec { StageSpec(SelectChannelsStage(channels: channels)) }
}
