import MedPrepCore

/// What a scan holds, which decides how transforms treat it (as TorchIO's `INTENSITY` / `LABEL` images).
public enum ScanRole: String, Sendable, Codable, CaseIterable {
    /// Intensities: interpolated trilinearly, subject to intensity transforms.
    case image
    /// A label map: interpolated by nearest neighbour, never intensity-transformed.
    case label
}

/// One preprocessing step from a scan to a scan, in the spirit of MONAI / TorchIO transforms.
///
/// Transforms are small value types; they compose by applying them in order (see `TransformChain`).
/// Errors are `MedPrepError`s naming the scan's path.
public protocol ScanTransform: Sendable {
    /// A short stable name for logs and reports (`clip`, `resample`, `crop_or_pad`…).
    var name: String { get }
    /// The transformed scan; `role` selects interpolation and whether intensity changes apply.
    func apply(to scan: Scan, role: ScanRole) throws -> Scan
}

/// Transforms applied one after another: `chain.apply(x) = tₙ(…t₂(t₁(x)))`.
public struct TransformChain: ScanTransform {
    public var transforms: [any ScanTransform]

    public init(_ transforms: [any ScanTransform]) {
        self.transforms = transforms
    }

    /// The member names joined with ` → `.
    public var name: String { transforms.map(\.name).joined(separator: " → ") }

    public func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        var current = scan
        for transform in transforms {
            current = try transform.apply(to: current, role: role)
        }
        return current
    }
}
