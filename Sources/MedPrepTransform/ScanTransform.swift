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
