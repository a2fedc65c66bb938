import MedPrepCore

/// What a scan holds, which decides how transforms treat it (as TorchIO's `INTENSITY` / `LABEL` images).
package enum ScanRole: String, Sendable, Codable, CaseIterable {
    /// Intensities: interpolated trilinearly, subject to intensity transforms.
    case image
    /// A label map: interpolated by nearest neighbour, never intensity-transformed.
    case label
}

/// One preprocessing step from a scan to a scan, in the spirit of MONAI / TorchIO transforms.
///
/// Transforms are small value types; they compose by applying them in order.
/// Errors are `MedPrepError`s naming the scan's path.
package protocol ScanTransform: Sendable {
    /// A short stable name for logs and reports (`clip`, `resample`, `crop_or_pad`…).
    var name: String { get }
    /// The transformed scan; `role` selects interpolation and whether intensity changes apply.
    func apply(to scan: Scan, role: ScanRole) throws -> Scan
}

/// A transform whose parameters are taken from the image it is applied to (the box of `crop_foreground`), so that
/// the case's label map can follow: it is fitted on the image once, and the fitted transform is applied to the
/// image and to its label map alike (`StagePlan` does this).
package protocol ImageFittedTransform: ScanTransform {
    /// The transform to apply to `image` and to its label map, with its parameters taken from `image`.
    func fitted(to image: Scan) throws -> any ScanTransform
}
