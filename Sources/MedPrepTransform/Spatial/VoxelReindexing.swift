import MedPrepCore

extension Affine {
    /// The affine of a re-indexed grid whose voxel `p'` lies at old voxel `p = scale ⊙ p' + offset`:
    /// `A' = A · [[diag(scale), offset], [0, 1]]`, i.e. column `j` scaled by `scale[j]` and the translation
    /// moved by `A₃ₓ₃ · offset`. `scale` and `offset` are in `(i, j, k)` order, 3 entries each.
    func reindexed(scale: [Double], offset: [Double]) -> Affine {
        var result = self
        for row in 0 ..< 3 {
            var translation = self[row, 3]
            for column in 0 ..< 3 {
                result[row, column] = self[row, column] * scale[column]
                translation += self[row, column] * offset[column]
            }
            result[row, 3] = translation
        }
        return result
    }
}

extension ScanGeometry {
    /// The same frame for a re-indexed grid (see `Affine.reindexed`): affine, qform and sform are all mapped,
    /// their codes and the affine source kept; spacing is left to the caller.
    func reindexed(scale: [Double], offset: [Double]) -> ScanGeometry {
        var result = self
        result.affine = affine.reindexed(scale: scale, offset: offset)
        result.qform = qform?.reindexed(scale: scale, offset: offset)
        result.sform = sform?.reindexed(scale: scale, offset: offset)
        return result
    }

    /// Spacing in `(i, j, k)` order with missing trailing entries taken as 1.
    var spacingIJK: [Double] {
        (0 ..< 3).map { $0 < spacing.count ? spacing[$0] : 1 }
    }
}

extension TensorShape {
    /// The spatial sizes in `(i, j, k)` = `(W, H, D)` order.
    var sizeIJK: [Int] { [w, h, d] }
}
