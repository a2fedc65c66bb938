import MedPrepCore

/// The sampling kernel of `Resample`, `Resize` and `FusedResampling`: every channel plane of a tensor sampled at
/// separable per-axis positions (`SampleAxis`), optionally clamping each input value read and writing only a window
/// of the output.
///
/// - Trilinear, per output row `(z, y)`: each of the (up to) four input rows it reads is first interpolated along x
///   for every output column, `h_r[i] = (1 − f_x[i])·x[r + x₀[i]] + f_x[i]·x[r + x₁[i]]`, then
///   `y = w₀₀·h₀₀ + w₀₁·h₀₁ + w₁₀·h₁₀ + w₁₁·h₁₁` in that order, all in Double — the same operations, in the same
///   order, as the 8-neighbour sum of `TrilinearRows.sum`, so the result is bit-identical to it. A row of weight 0
///   is never read. Interpolated rows are kept in four slots keyed by input row, so the next output row reuses a
///   row it shares (when downsampling by less than 2, `y₀` of one output row is usually `y₁` of the previous).
///   The combine pass is contiguous and vectorizes; the x pass is a gather.
/// - Nearest: `y = x[z_n, y_n, x_n]` per axis.
/// - `clamp` `[lo, hi]`: every input value read is clamped first, `min(max(v, lo), hi)` with NaN kept, which is
///   exactly `Clip` applied to the whole input before sampling.
/// - `window`: the output index range per axis `(i, j, k)` that is sampled; the tables of `axes` hold exactly
///   that range's positions. Every output voxel outside the window is `fill` (the pads of a fused `crop_or_pad`).
enum GridSampler {
    static func sample(_ tensor: Tensor, outShape: TensorShape, axes: [SampleAxis], window: [Range<Int>],
                       fill: Float, nearest: Bool, clamp: ClosedRange<Float>?) -> [Float] {
        let whole = (0 ..< 3).allSatisfy { window[$0] == 0 ..< outShape.sizeIJK[$0] }
        // The thread's spare array (the last case's output, recycled after it was written) when one fits.
        var storage = ScratchArrays.floats(count: outShape.count)
        if !whole { storage.withUnsafeMutableBufferPointer { $0.update(repeating: fill) } }
        guard window.allSatisfy({ !$0.isEmpty }) else { return storage }
        let layout = Layout(input: tensor.shape, output: outShape, window: window)
        storage.withUnsafeMutableBufferPointer { output in
            tensor.storage.withUnsafeBufferPointer { input in
                if nearest {
                    sampleNearest(input, output, layout: layout, axes: axes, clamp: clamp)
                } else {
                    sampleTrilinear(input, output, layout: layout, axes: axes, clamp: clamp)
                }
            }
        }
        return storage
    }

    /// Strides and window of one call.
    struct Layout {
        let planes: Int, inPlane: Int, outPlane: Int
        let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
        let window: [Range<Int>]

        init(input: TensorShape, output: TensorShape, window: [Range<Int>]) {
            planes = input.n * input.c
            (inPlane, outPlane) = (input.spatialCount, output.spatialCount)
            (inHeight, inWidth, outHeight, outWidth) = (input.h, input.w, output.h, output.w)
            self.window = window
        }

        /// Offset of the first windowed voxel of output row `(oz, oy)` (window-relative) in `plane`.
        func outputRow(plane: Int, oz: Int, oy: Int) -> Int {
            plane * outPlane + ((oz + window[2].lowerBound) * outHeight + oy + window[1].lowerBound) * outWidth
                + window[0].lowerBound
        }
    }

    @inline(__always)
    static func clamped(_ value: Float, _ clamp: ClosedRange<Float>) -> Float {
        value < clamp.lowerBound ? clamp.lowerBound : (value > clamp.upperBound ? clamp.upperBound : value)
    }

    private static func sampleNearest(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                                      layout: Layout, axes: [SampleAxis], clamp: ClosedRange<Float>?) {
        let (x, y, z) = (axes[0], axes[1], axes[2])
        x.nearest.withUnsafeBufferPointer { columns in
            for plane in 0 ..< layout.planes {
                for oz in z.nearest.indices {
                    for oy in y.nearest.indices {
                        let row = plane * layout.inPlane + (z.nearest[oz] * layout.inHeight + y.nearest[oy]) * layout.inWidth
                        let target = layout.outputRow(plane: plane, oz: oz, oy: oy)
                        if let clamp {
                            for i in columns.indices { output[target + i] = clamped(input[row + columns[i]], clamp) }
                        } else {
                            for i in columns.indices { output[target + i] = input[row + columns[i]] }
                        }
                    }
                }
            }
        }
    }

    private static func sampleTrilinear(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>,
                                        layout: Layout, axes: [SampleAxis], clamp: ClosedRange<Float>?) {
        let (x, y, z) = (axes[0], axes[1], axes[2])
        let width = x.lower.count
        let complement = x.fraction.map { 1 - $0 }
        var rows = InterpolatedRows(width: width)
        defer { rows.release() }
        x.lower.withUnsafeBufferPointer { x0 in
            x.upper.withUnsafeBufferPointer { x1 in
                x.fraction.withUnsafeBufferPointer { fx in
                    complement.withUnsafeBufferPointer { gx in
                        let columns = ColumnTable(x0: x0, x1: x1, fx: fx, gx: gx, clamp: clamp)
                        for plane in 0 ..< layout.planes {
                            rows.forget()
                            for oz in z.lower.indices {
                                for oy in y.lower.indices {
                                    let weights = TrilinearRows(base: plane * layout.inPlane, height: layout.inHeight,
                                                                width: layout.inWidth, z: (z.lower[oz], z.upper[oz], z.fraction[oz]),
                                                                y: (y.lower[oy], y.upper[oy], y.fraction[oy]))
                                    let target = layout.outputRow(plane: plane, oz: oz, oy: oy)
                                    combine(weights, rows: &rows, columns: columns, input: input,
                                            into: UnsafeMutableBufferPointer(rebasing: output[target ..< target + width]))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One output row: `Σ w·h` over the rows of nonzero weight, in `TrilinearRows.sum`'s order.
    @inline(__always)
    private static func combine(_ w: TrilinearRows, rows: inout InterpolatedRows, columns: ColumnTable,
                                input: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        let none = Int.min
        let needed = (w.r00, w.fy != 0 ? w.r01 : none, w.fz != 0 ? w.r10 : none, w.fz != 0 && w.fy != 0 ? w.r11 : none)
        let h00 = rows.row(w.r00, keeping: needed, columns: columns, input: input)
        if w.fy == 0 && w.fz == 0 {
            for i in out.indices { out[i] = Float(w.w00 * h00[i]) }
            return
        }
        if w.fz == 0 {
            let h01 = rows.row(w.r01, keeping: needed, columns: columns, input: input)
            for i in out.indices { out[i] = Float(w.w00 * h00[i] + w.w01 * h01[i]) }
            return
        }
        let h10 = rows.row(w.r10, keeping: needed, columns: columns, input: input)
        if w.fy == 0 {
            for i in out.indices { out[i] = Float(w.w00 * h00[i] + w.w10 * h10[i]) }
            return
        }
        let h01 = rows.row(w.r01, keeping: needed, columns: columns, input: input)
        let h11 = rows.row(w.r11, keeping: needed, columns: columns, input: input)
        for i in out.indices {
            var sum = w.w00 * h00[i]
            sum += w.w01 * h01[i]
            sum += w.w10 * h10[i]
            out[i] = Float(sum + w.w11 * h11[i])
        }
    }

    /// The x tables of the window: neighbours `x₀`, `x₁`, fraction `f` and `1 − f` per output column.
    struct ColumnTable {
        let x0: UnsafeBufferPointer<Int>, x1: UnsafeBufferPointer<Int>
        let fx: UnsafeBufferPointer<Double>, gx: UnsafeBufferPointer<Double>
        let clamp: ClosedRange<Float>?

        /// `h[i] = (1 − f)·x[row + x₀] + f·x[row + x₁]` for every column.
        func interpolate(row: Int, input: UnsafeBufferPointer<Float>, into h: UnsafeMutableBufferPointer<Double>) {
            if let clamp {
                for i in h.indices {
                    h[i] = gx[i] * Double(clamped(input[row + x0[i]], clamp)) + fx[i] * Double(clamped(input[row + x1[i]], clamp))
                }
            } else {
                for i in h.indices {
                    h[i] = gx[i] * Double(input[row + x0[i]]) + fx[i] * Double(input[row + x1[i]])
                }
            }
        }
    }

    /// Four slots of x-interpolated input rows, keyed by the input row's offset.
    struct InterpolatedRows {
        private let storage: UnsafeMutableBufferPointer<Double>
        private var keys = [-1, -1, -1, -1]
        private let width: Int

        init(width: Int) {
            self.width = width
            storage = .allocate(capacity: max(1, 4 * width))
        }

        func release() { storage.deallocate() }

        /// Drops every key (a new channel plane).
        mutating func forget() { keys = [-1, -1, -1, -1] }

        /// Row `key` interpolated along x, computed into a slot not holding one of `needed` unless already held.
        mutating func row(_ key: Int, keeping needed: (Int, Int, Int, Int), columns: ColumnTable,
                          input: UnsafeBufferPointer<Float>) -> UnsafeMutableBufferPointer<Double> {
            if let slot = keys.firstIndex(of: key) { return slice(slot) }
            let slot = keys.indices.first { slot in
                let k = keys[slot]
                return k != needed.0 && k != needed.1 && k != needed.2 && k != needed.3
            }!
            keys[slot] = key
            let h = slice(slot)
            columns.interpolate(row: key, input: input, into: h)
            return h
        }

        private func slice(_ slot: Int) -> UnsafeMutableBufferPointer<Double> {
            UnsafeMutableBufferPointer(rebasing: storage[slot * width ..< (slot + 1) * width])
        }
    }
}
