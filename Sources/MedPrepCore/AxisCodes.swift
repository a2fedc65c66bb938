import Foundation

/// The world direction a voxel axis points to, in RAS+ world coordinates (NIfTI, nibabel): world axis 0 is
/// left → right (`R`), 1 posterior → anterior (`A`), 2 inferior → superior (`S`); `sign` −1 means the opposite
/// letter (`L`, `P`, `I`).
package struct AxisDirection: Hashable, Sendable {
    /// 0 (x, L/R), 1 (y, P/A) or 2 (z, I/S).
    package var worldAxis: Int
    /// +1 towards R/A/S, −1 towards L/P/I.
    package var sign: Int

    package init(worldAxis: Int, sign: Int) {
        self.worldAxis = worldAxis
        self.sign = sign
    }

    /// The letter nibabel's `ornt2axcodes` gives it: `(("L","R"), ("P","A"), ("I","S"))[worldAxis][sign > 0]`.
    package var letter: Character {
        let letters: [(negative: Character, positive: Character)] = [("L", "R"), ("P", "A"), ("I", "S")]
        return sign > 0 ? letters[worldAxis].positive : letters[worldAxis].negative
    }

    /// The direction a letter names (`R`, `L`, `A`, `P`, `S`, `I`), nil for any other character.
    package init?(letter: Character) {
        switch letter {
        case "R": self.init(worldAxis: 0, sign: 1)
        case "L": self.init(worldAxis: 0, sign: -1)
        case "A": self.init(worldAxis: 1, sign: 1)
        case "P": self.init(worldAxis: 1, sign: -1)
        case "S": self.init(worldAxis: 2, sign: 1)
        case "I": self.init(worldAxis: 2, sign: -1)
        default: return nil
        }
    }
}

/// Axis codes as nibabel's `aff2axcodes` spells them (`RAS`, `LPS`, `PSR`…): for voxel axes `i`, `j`, `k` in
/// turn, the world direction each points to. Each of the 48 codes takes one letter from each of the pairs
/// L/R, A/P, S/I.
package struct AxisCodes: Hashable, Sendable, CustomStringConvertible {
    /// One direction per voxel axis `i`, `j`, `k`; their world axes are a permutation of 0, 1, 2.
    package let directions: [AxisDirection]

    /// `RAS`, nibabel's `as_closest_canonical` and TorchIO's `ToCanonical` target.
    package static let ras = AxisCodes(directions: [AxisDirection(worldAxis: 0, sign: 1),
                                                    AxisDirection(worldAxis: 1, sign: 1),
                                                    AxisDirection(worldAxis: 2, sign: 1)])

    /// Every valid code: 6 axis permutations × 8 sign choices, in a fixed order.
    package static let all: [AxisCodes] = {
        let permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        return permutations.flatMap { axes in
            (0 ..< 8).map { bits in
                AxisCodes(directions: (0 ..< 3).map { AxisDirection(worldAxis: axes[$0], sign: bits >> $0 & 1 == 1 ? -1 : 1) })
            }
        }
    }()

    private init(directions: [AxisDirection]) {
        self.directions = directions
    }

    /// The code spelled `text` (three upper-case letters, one from each of L/R, A/P, S/I); nil otherwise.
    package init?(_ text: String) {
        let directions = text.compactMap(AxisDirection.init(letter:))
        guard text.count == 3, directions.count == 3,
              Set(directions.map(\.worldAxis)).count == 3 else { return nil }
        self.directions = directions
    }

    /// The code of `affine` when every voxel axis has a closest world direction (`closestDirections`), nil
    /// when one has none (a degenerate affine: nibabel's `aff2axcodes` gives `None` for that axis).
    package init?(affine: Affine) {
        let closest = Self.closestDirections(of: affine)
        guard closest.allSatisfy({ $0 != nil }) else { return nil }
        directions = closest.compactMap { $0 }
    }

    package var description: String { String(directions.map(\.letter)) }

    /// For each voxel axis `i`, `j`, `k`, the closest world direction, as nibabel 5's `io_orientation`:
    /// 1. `M` = the 3×3 part of the affine, each column divided by its length (zero columns kept);
    /// 2. `R = U·Vᵀ` over the singular values `σ > max σ · 3 · ε` of `M = U·Σ·Vᵀ`: the closest orthogonal
    ///    matrix (polar decomposition), which removes shear;
    /// 3. columns are taken from the largest `max |Rᵣ꜀|` down (stable on ties); each takes the row `r` of its
    ///    largest `|Rᵣ꜀|` (the first on ties) with the sign of `Rᵣ꜀`, and row `r` is then zeroed so no two
    ///    axes share a world axis. A column whose entries are all ≤ 1e-8 in magnitude has no direction (nil).
    package static func closestDirections(of affine: Affine) -> [AxisDirection?] {
        var m = [[Double]](repeating: [0, 0, 0], count: 3)
        for column in 0 ..< 3 {
            var length = 0.0
            for row in 0 ..< 3 { length += affine[row, column] * affine[row, column] }
            length = length == 0 ? 1 : length.squareRoot()
            for row in 0 ..< 3 { m[row][column] = affine[row, column] / length }
        }
        var r = orthogonalFactor(m)
        let strength = (0 ..< 3).map { column in (0 ..< 3).map { r[$0][column] * r[$0][column] }.max() ?? 0 }
        let order = (0 ..< 3).sorted { strength[$0] > strength[$1] || (strength[$0] == strength[$1] && $0 < $1) }
        var result = [AxisDirection?](repeating: nil, count: 3)
        for column in order {
            guard (0 ..< 3).contains(where: { abs(r[$0][column]) > 1e-8 }) else { continue }
            var best = 0
            for row in 1 ..< 3 where abs(r[row][column]) > abs(r[best][column]) { best = row }
            result[column] = AxisDirection(worldAxis: best, sign: r[best][column] < 0 ? -1 : 1)
            r[best] = [0, 0, 0]
        }
        return result
    }

    /// `U·Vᵀ` over the singular values above `max σ · 3 · ε`, from a one-sided Jacobi SVD (Hestenes) of the
    /// 3×3 matrix `m` (rows of columns): columns of `m` are rotated pairwise until orthogonal, `m·V = U·Σ`.
    private static func orthogonalFactor(_ m: [[Double]]) -> [[Double]] {
        var a = m
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0 ..< 64 {
            var rotated = false
            for (p, q) in [(0, 1), (0, 2), (1, 2)] {
                var alpha = 0.0, beta = 0.0, gamma = 0.0
                for row in 0 ..< 3 {
                    alpha += a[row][p] * a[row][p]
                    beta += a[row][q] * a[row][q]
                    gamma += a[row][p] * a[row][q]
                }
                guard gamma != 0, abs(gamma) > Double.ulpOfOne * (alpha * beta).squareRoot() else { continue }
                rotated = true
                let zeta = (beta - alpha) / (2 * gamma)
                let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                let c = 1 / (1 + t * t).squareRoot(), s = c * t
                for row in 0 ..< 3 {
                    let (ap, aq) = (a[row][p], a[row][q])
                    a[row][p] = c * ap - s * aq
                    a[row][q] = s * ap + c * aq
                    let (vp, vq) = (v[row][p], v[row][q])
                    v[row][p] = c * vp - s * vq
                    v[row][q] = s * vp + c * vq
                }
            }
            if !rotated { break }
        }
        let sigma = (0 ..< 3).map { column in (0 ..< 3).reduce(0.0) { $0 + a[$1][column] * a[$1][column] }.squareRoot() }
        let tolerance = (sigma.max() ?? 0) * 3 * Double.ulpOfOne
        var result = [[Double]](repeating: [0, 0, 0], count: 3)
        for index in 0 ..< 3 where sigma[index] > tolerance {
            for row in 0 ..< 3 {
                let u = a[row][index] / sigma[index]
                for column in 0 ..< 3 { result[row][column] += u * v[column][index] }
            }
        }
        return result
    }
}
