import Foundation

/// How far two voxel grids may differ and still count as the same grid.
///
/// The defaults follow nnU-Net's integrity check (`allclose` on spacing, origin and direction), made explicit:
/// 1e-3 mm on the origin, 1e-4 on direction cosines and on spacing ratios.
public struct GridTolerance: Hashable, Sendable {
    /// Largest allowed distance between the two grids' origins (world position of voxel 0), in mm.
    public var translationMM: Double
    /// Largest allowed difference of a direction cosine, and of a spacing ratio from 1.
    public var direction: Double

    public init(translationMM: Double = 1e-3, direction: Double = 1e-4) {
        self.translationMM = translationMM
        self.direction = direction
    }

    public static let standard = GridTolerance()
}

/// A voxel grid: the spatial shape `(W, H, D)` (voxel axes i, j, k) and the affine mapping voxel indices to world mm.
public struct VoxelGrid: Hashable, Sendable {
    public var shape: [Int]
    public var affine: Affine

    public init(shape: [Int], affine: Affine) {
        self.shape = shape
        self.affine = affine
    }

    /// The grid of a decoded scan: its spatial shape `(W, H, D)` and its affine (for a PNG or TIFF, `diag(spacing)`).
    public init(_ scan: Scan) {
        self.init(shape: [scan.tensor.shape.w, scan.tensor.shape.h, scan.tensor.shape.d], affine: scan.geometry.affine)
    }

    /// Length of each affine column i, j, k: the voxel spacing in world mm.
    public var spacing: [Double] {
        (0 ..< 3).map { c in (0 ..< 3).reduce(0.0) { $0 + affine[$1, c] * affine[$1, c] }.squareRoot() }
    }

    /// Unit direction of each voxel axis (the affine's columns divided by their length).
    public var directions: [[Double]] {
        let s = spacing
        return (0 ..< 3).map { c in (0 ..< 3).map { r in s[c] > 0 ? affine[r, c] / s[c] : 0 } }
    }

    /// World position of voxel (0, 0, 0).
    public var origin: [Double] { [affine[0, 3], affine[1, 3], affine[2, 3]] }
}

/// One way in which a grid differs from a reference grid.
public enum GridDifference: Hashable, Sendable {
    case shape(reference: [Int], other: [Int])
    case spacing(reference: [Double], other: [Double])
    case direction(largestCosineDifference: Double)
    case origin(distanceMM: Double)

    /// A sentence naming both sides, for example `label spacing (2, 2, 2) mm ≠ image (1, 1, 1) mm`.
    public func describe(subject: String, reference: String) -> String {
        switch self {
        case .shape(let r, let o):
            return "\(subject) shape \(Self.tuple(o.map(String.init))) ≠ \(reference) \(Self.tuple(r.map(String.init)))"
        case .spacing(let r, let o):
            return "\(subject) spacing \(Self.tuple(o.map(Self.number))) mm ≠ \(reference) \(Self.tuple(r.map(Self.number))) mm"
        case .direction(let d):
            return "\(subject) axis directions differ from \(reference) by up to \(Self.number(d)) (direction cosines)"
        case .origin(let d):
            return "\(subject) origin differs from \(reference) by \(String(format: "%.3g", d)) mm"
        }
    }

    private static func tuple(_ parts: [String]) -> String { "(" + parts.joined(separator: ", ") + ")" }

    private static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4g", v)
    }
}

/// Compares voxel grids: same shape, and affines equal within a `GridTolerance`.
public enum GridComparison {
    /// The differences of `other` from `reference`; empty when they are the same grid. When the shapes differ, only
    /// the shape difference and the geometric ones that still make sense (spacing, direction, origin) are listed.
    public static func differences(of other: VoxelGrid, from reference: VoxelGrid,
                                   tolerance: GridTolerance = .standard) -> [GridDifference] {
        var found: [GridDifference] = []
        if other.shape != reference.shape { found.append(.shape(reference: reference.shape, other: other.shape)) }
        let rs = reference.spacing, os = other.spacing
        let ratioOff = zip(rs, os).contains { r, o in r > 0 ? abs(o / r - 1) > tolerance.direction : o != r }
        if ratioOff { found.append(.spacing(reference: rs, other: os)) }
        let cosine = zip(reference.directions, other.directions).map { a, b in
            zip(a, b).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
        if cosine > tolerance.direction { found.append(.direction(largestCosineDifference: cosine)) }
        let distance = zip(reference.origin, other.origin).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        if distance > tolerance.translationMM { found.append(.origin(distanceMM: distance)) }
        return found
    }
}
