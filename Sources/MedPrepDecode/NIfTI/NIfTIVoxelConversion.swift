import MedPrepCore

/// Converts stored NIfTI voxels to float32 in tensor order.
enum NIfTIVoxelConversion {
    /// Converts the stored voxels in `raw` (file order, `type`, byte order as stored) into `output`.
    ///
    /// With `scaling`, `value = Float(slope · Double(stored) + intercept)` (computed in Double, rounded once);
    /// without, `value = Float(Double(stored))`. RGB24 voxels `(r, g, b)` are split into three planes: plane `c`
    /// holds component `c` of every voxel, in file order (`output[c · voxels + v] = raw[3v + c]`).
    ///
    /// Throws `.nonFinite` naming `path` when a finite stored value (float64, or any type once scaled) has a
    /// value beyond float32's range (`|value| > Float.greatestFiniteMagnitude`, which rounds to ±∞): the message
    /// says the value overflows float32, apart from stored NaN/±∞, which pass through for the non-finite policy.
    static func convert(_ raw: UnsafeRawBufferPointer, type: NIfTIDataType, bigEndian: Bool,
                        scaling: IntensityScaling?, into output: UnsafeMutableBufferPointer<Float>,
                        path: String?) throws {
        let swap = bigEndian != (1.bigEndian == 1)
        let overflow: Double?
        switch type {
        case .uint8: overflow = integers(raw, UInt8.self, swap: false, scaling, output)
        case .int8: overflow = integers(raw, Int8.self, swap: false, scaling, output)
        case .int16: overflow = integers(raw, Int16.self, swap: swap, scaling, output)
        case .uint16: overflow = integers(raw, UInt16.self, swap: swap, scaling, output)
        case .int32: overflow = integers(raw, Int32.self, swap: swap, scaling, output)
        case .uint32: overflow = integers(raw, UInt32.self, swap: swap, scaling, output)
        case .int64: overflow = integers(raw, Int64.self, swap: swap, scaling, output)
        case .uint64: overflow = integers(raw, UInt64.self, swap: swap, scaling, output)
        case .float32: overflow = float32(raw, swap: swap, scaling, output)
        case .float64: overflow = float64(raw, swap: swap, scaling, output)
        case .rgb24: overflow = nil; rgb(raw, output)
        }
        guard let overflow else { return }
        let scaled = scaling.map { $0.slope != 1 || $0.intercept != 0 } ?? false
        let value = scaled ? "scaled value \(overflow) (scl_slope · stored + scl_inter)" : "value \(overflow)"
        throw MedPrepError(.nonFinite, path: path,
            reason: "\(type.name) \(value) overflows float32 (finite float32 values lie within ±\(Float.greatestFiniteMagnitude)); "
                + "medprep works in float32: rescale the data\(scaled ? " or fix scl_slope/scl_inter" : "") first")
    }

    /// Converts integers; returns the first scaled value beyond float32, if any (unscaled integers always fit).
    /// The SIMD part sums the scaled values: an overflow makes the sum non-finite, and only then is the output
    /// searched for it.
    private static func integers<T: FixedWidthInteger & SIMDScalar>(_ raw: UnsafeRawBufferPointer, _: T.Type, swap: Bool,
                                                                    _ scaling: IntensityScaling?,
                                                                    _ output: UnsafeMutableBufferPointer<Float>) -> Double? {
        let size = MemoryLayout<T>.size
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        let scaled = scaling != nil
        func value(_ index: Int) -> Double {
            var stored = raw.loadUnaligned(fromByteOffset: index * size, as: T.self)
            if swap { stored = stored.byteSwapped }
            return scaled ? slope * Double(stored) + intercept : Double(stored)
        }
        var start = 0
        var poison = SIMD8<Float>()
        if !swap, size <= 4 {
            // Eight voxels at a time, with the same arithmetic as the scalar loop (exact Double, one rounding).
            while start + 8 <= output.count {
                let stored = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: start * size, as: SIMD8<T>.self))
                let values = SIMD8<Float>(scaled ? stored * slope + intercept : stored)
                if scaled { poison += values }
                for lane in 0 ..< 8 { output[start + lane] = values[lane] }
                start += 8
            }
        }
        var overflowed = !poison.sum().isFinite
        for index in start ..< output.count {
            output[index] = Float(value(index))
            if !output[index].isFinite { overflowed = true }
        }
        guard overflowed, let first = output.firstIndex(where: { !$0.isFinite }) else { return nil }
        return value(first)
    }

    /// Converts float32; returns the first finite stored value whose scaled value is beyond float32, if any.
    private static func float32(_ raw: UnsafeRawBufferPointer, swap: Bool, _ scaling: IntensityScaling?,
                                _ output: UnsafeMutableBufferPointer<Float>) -> Double? {
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        var overflow: Double?
        for index in 0 ..< output.count {
            var bits = raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
            if swap { bits = bits.byteSwapped }
            let stored = Float(bitPattern: bits)
            guard scaling != nil else { output[index] = stored; continue }
            let value = slope * Double(stored) + intercept
            output[index] = Float(value)
            if overflow == nil, stored.isFinite, !output[index].isFinite { overflow = value }
        }
        return overflow
    }

    /// Converts float64; returns the first finite stored value whose (scaled) value is beyond float32, if any.
    private static func float64(_ raw: UnsafeRawBufferPointer, swap: Bool, _ scaling: IntensityScaling?,
                                _ output: UnsafeMutableBufferPointer<Float>) -> Double? {
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        var overflow: Double?
        for index in 0 ..< output.count {
            var bits = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
            if swap { bits = bits.byteSwapped }
            let stored = Double(bitPattern: bits)
            let value = scaling == nil ? stored : slope * stored + intercept
            output[index] = Float(value)
            if overflow == nil, stored.isFinite, !output[index].isFinite { overflow = value }
        }
        return overflow
    }

    private static func rgb(_ raw: UnsafeRawBufferPointer, _ output: UnsafeMutableBufferPointer<Float>) {
        splitRGB(raw, firstVoxel: 0, into: output)
    }

    /// Splits the RGB24 voxels in `raw` (voxels `firstVoxel …` of the file) into the three planes of `output`
    /// (all voxels): `output[c · planeSize + firstVoxel + v] = raw[3v + c]`.
    static func splitRGB(_ raw: UnsafeRawBufferPointer, firstVoxel: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let planeSize = output.count / 3
        for voxel in 0 ..< raw.count / 3 {
            for component in 0 ..< 3 {
                output[component * planeSize + firstVoxel + voxel] = Float(raw[voxel * 3 + component])
            }
        }
    }
}
