/// Every normalization method of the `normalize` stage, in the order the documentation lists them. The parser,
/// `StagePlan`, canonical JSON, the channel check, run reports and `medprep normalize --method` all go through
/// these descriptors; a new method is its own file plus one line here.
enum NormalizeMethodRegistry {
    static let all: [any NormalizationMethod.Type] = [
        GroupNormMethod.self,
        InstanceMethod.self,
        DatasetMethod.self,
        MinMaxMethod.self,
        PercentileMethod.self,
        ImageNetMethod.self,
        BatchStatsMethod.self,
    ]

    /// The method named `name`, if any.
    static func method(named name: String) -> (any NormalizationMethod.Type)? {
        all.first { $0.name == name }
    }
}
