/// Checks that need the channel count, which is known only once the first input has been decoded.
enum ChannelCheck {
    /// Follows the channel count through the stages (each stage's `channels(after:issues:)`) and reports every
    /// stage that cannot take the count it receives, at the line of the offending key.
    static func issues(stages: [StageSpec], channels: Int, file: String, sourceMap: SourceMap) -> [PipelineIssue] {
        var issues = [PipelineIssue]()
        var count = channels
        for (index, stage) in stages.enumerated() {
            var found = ChannelIssues()
            count = stage.stage.channels(after: count, issues: &found)
            for problem in found.found {
                let location = sourceMap.keys["stages.\(index).\(problem.key)"] ?? sourceMap.stage(index)
                issues.append(PipelineIssue(file: file, at: location, found: problem.found, expected: problem.expected))
            }
        }
        return issues
    }
}

extension PipelineSpec {
    /// Problems that show once the input channel count `c` is known (see `ResolvedPipeline.checkChannels`).
    package func checkChannels(_ c: Int) -> [PipelineIssue] {
        ChannelCheck.issues(stages: stages, channels: c, file: file, sourceMap: sourceMap)
    }
}
