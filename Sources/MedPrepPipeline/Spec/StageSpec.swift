/// One processing stage with its parameters, of a kind from `StageRegistry`. Nothing in a pipeline file runs code.
///
/// Spatial parameters (`spacing`, `shape`) are given in the file's voxel axis order `(i, j, k)`, i.e. tensor
/// axes `(W, H, D)`, like `ScanGeometry.spacing`; 2 values address a 2D image `(W, H)`. Stages are made with the
/// factories beside each stage kind (`.clip(min:max:)`, `.normalize(_:)`, …).
public struct StageSpec: Hashable, Sendable, CustomStringConvertible {
    let stage: any PipelineStage

    init(_ stage: any PipelineStage) {
        self.stage = stage
    }

    /// Stage names accepted in pipeline files, in the order the documentation lists them.
    public static var names: [String] { StageRegistry.all.map { $0.name } }

    /// The stage's name in pipeline files.
    public var name: String { type(of: stage).name }

    /// The normalize stage's parameters, nil for any other stage.
    public var normalize: NormalizeSpec? { stage as? NormalizeSpec }

    /// `{"stage": name, …parameters}` with every default spelled out.
    package var canonicalJSON: CanonicalJSON {
        var members = stage.canonicalMembers
        members["stage"] = .string(name)
        return .object(members)
    }

    /// The canonical JSON text.
    public var description: String { canonicalJSON.text }

    /// The stage with its relative file paths made absolute against `base`.
    func resolvingPaths(base: String) -> StageSpec { StageSpec(stage.resolvingPaths(base: base)) }

    public static func == (a: StageSpec, b: StageSpec) -> Bool { AnyHashable(a.stage) == AnyHashable(b.stage) }

    public func hash(into hasher: inout Hasher) { AnyHashable(stage).hash(into: &hasher) }
}
