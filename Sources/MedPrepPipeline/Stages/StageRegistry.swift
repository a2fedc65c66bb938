/// Every pipeline stage, in the order the documentation lists them. The parser, `StagePlan`, canonical JSON and
/// the channel check all go through these descriptors; a new stage is its own file plus one line here.
enum StageRegistry {
    static let all: [any PipelineStage.Type] = [
        OrientStage.self,
        ClipStage.self,
        CropForegroundStage.self,
        ResampleStage.self,
        ResizeStage.self,
        CropOrPadStage.self,
        SelectChannelsStage.self,
        DropAlphaStage.self,
        NormalizeSpec.self,
    ]

    /// The stage named `name` in pipeline files, if any.
    static func stage(named name: String) -> (any PipelineStage.Type)? {
        all.first { $0.name == name }
    }
}
