/// Checks that need the channel count, which is known only once the first input has been decoded.
enum ChannelCheck {
    /// Follows the channel count through the stages and reports every stage that cannot take it:
    /// `select_channels` indices out of range, GroupNorm `groups` not dividing `C`, `gamma`/`beta` lengths
    /// other than `C`, and `imagenet` on anything but 1 or 3 channels.
    static func issues(stages: [StageSpec], channels: Int, file: String, sourceMap: SourceMap) -> [PipelineIssue] {
        var issues = [PipelineIssue]()
        var count = channels
        func report(_ index: Int, key: String?, found: String, expected: String) {
            let location = key.flatMap { sourceMap.keys["stages.\(index).\($0)"] } ?? sourceMap.stage(index)
            issues.append(PipelineIssue(file: file, at: location, found: found, expected: expected))
        }
        for (index, stage) in stages.enumerated() {
            switch stage {
            case .selectChannels(let selected):
                for channel in selected where channel >= count {
                    report(index, key: "select_channels.channels", found: "channel index \(channel) with \(count) channels",
                           expected: "an index below \(count)")
                }
                count = selected.count
            case .dropAlpha:
                if count == 2 || count == 4 { count -= 1 }
            case .normalize(let normalize):
                switch normalize.method {
                case .groupNorm(let groups, _, let gamma, let beta):
                    if count % groups != 0 {
                        report(index, key: "normalize.groups", found: "groups \(groups) with \(count) channels",
                               expected: "a number of groups that divides the channel count")
                    }
                    for (name, values) in [("gamma", gamma), ("beta", beta)] {
                        if let values, values.count != count {
                            report(index, key: "normalize.\(name)", found: "\(name) with \(values.count) values for \(count) channels",
                                   expected: "one value per channel")
                        }
                    }
                case .imagenet where count != 3 && count != 1:
                    report(index, key: "normalize.method", found: "imagenet normalization of \(count) channels",
                           expected: "1 or 3 channels (gray or RGB)")
                default:
                    break
                }
            default:
                break
            }
        }
        return issues
    }
}

extension PipelineSpec {
    /// Problems that show once the input channel count `c` is known (see `ResolvedPipeline.checkChannels`).
    public func checkChannels(_ c: Int) -> [PipelineIssue] {
        ChannelCheck.issues(stages: stages, channels: c, file: file, sourceMap: sourceMap)
    }
}
