/// The label map path pattern of `input.labels` (and `medprep check --label`): a path with exactly one `{case}`,
/// which discovery replaces by the case id (`../labels/{case}.nii.gz`).
public enum LabelPattern {
    /// What a valid pattern looks like, for messages.
    public static let expected = "a path with exactly one {case} placeholder"

    /// Whether `text` has exactly one `{case}`.
    public static func isValid(_ text: String) -> Bool {
        text.components(separatedBy: "{case}").count == 2
    }
}
