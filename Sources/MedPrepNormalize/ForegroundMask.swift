/// Which voxels of a sample count as foreground for dataset statistics (nnU-Net style).
///
/// The mask is computed once per sample from **channel 0** and applied to every channel: voxel `v` is
/// included when `x[0, v] != 0` (`.nonzero`, nnU-Net's "nonzero of the image") or `x[0, v] > t`
/// (`.threshold(t)`). A non-finite channel-0 value counts as 0 under `NonFinitePolicy.zero` and as
/// background otherwise.
public enum ForegroundMask: Sendable, Hashable, Codable {
    case nonzero
    case threshold(Double)

    /// Whether a channel-0 value marks foreground.
    @inline(__always)
    func includes(_ value: Float, nonFinite policy: NonFinitePolicy) -> Bool {
        let x: Float
        if value.isFinite {
            x = value
        } else if policy == .zero {
            x = 0
        } else {
            return false
        }
        switch self {
        case .nonzero: return x != 0
        case .threshold(let t): return Double(x) > t
        }
    }

    /// As the command line writes it: `nonzero`, `threshold:V`.
    public var text: String {
        switch self {
        case .nonzero: return "nonzero"
        case .threshold(let t): return "threshold:\(t)"
        }
    }

    /// `text`, or `none` without a mask.
    public static func text(_ mask: ForegroundMask?) -> String { mask?.text ?? "none" }

    private enum CodingKeys: String, CodingKey { case kind, threshold }

    /// JSON: `{"kind": "nonzero"}` or `{"kind": "threshold", "threshold": t}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .nonzero:
            try container.encode("nonzero", forKey: .kind)
        case .threshold(let t):
            try container.encode("threshold", forKey: .kind)
            try container.encode(t, forKey: .threshold)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "nonzero": self = .nonzero
        case "threshold": self = .threshold(try container.decode(Double.self, forKey: .threshold))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                debugDescription: "unknown foreground mask kind \(kind)")
        }
    }
}

extension Optional where Wrapped == ForegroundMask {
    /// No mask: every voxel counts (the same as `nil`).
    public static var all: ForegroundMask? { nil }
}
