import MedPrepCore

/// Converts stored NIfTI voxels to float32 in tensor order.
enum NIfTIVoxelConversion {
    /// Converts the stored voxels in `raw` (file order, `type`, byte order as stored) into `output`.
    ///
    /// With `scaling`, `value = Float(slope · Double(stored) + intercept)` (computed in Double, rounded once);
    /// without, `value = Float(Double(stored))`. RGB24 voxels `(r, g, b)` are split into three planes: plane `c`
    /// holds component `c` of every voxel, in file order (`output[c · voxels + v] = raw[3v + c]`).
    static func convert(_ raw: UnsafeRawBufferPointer, type: NIfTIDataType, bigEndian: Bool,
                        scaling: IntensityScaling?, into output: UnsafeMutableBufferPointer<Float>) {
        let swap = bigEndian != (1.bigEndian == 1)
        switch type {
        case .uint8: integers(raw, UInt8.self, swap: false, scaling, output)
        case .int8: integers(raw, Int8.self, swap: false, scaling, output)
        case .int16: integers(raw, Int16.self, swap: swap, scaling, output)
        case .uint16: integers(raw, UInt16.self, swap: swap, scaling, output)
        case .int32: integers(raw, Int32.self, swap: swap, scaling, output)
        case .uint32: integers(raw, UInt32.self, swap: swap, scaling, output)
        case .int64: integers(raw, Int64.self, swap: swap, scaling, output)
        case .uint64: integers(raw, UInt64.self, swap: swap, scaling, output)
        case .float32: float32(raw, swap: swap, scaling, output)
        case .float64: float64(raw, swap: swap, scaling, output)
        case .rgb24: rgb(raw, output)
        }
    }

    private static func integers<T: FixedWidthInteger & SIMDScalar>(_ raw: UnsafeRawBufferPointer, _: T.Type, swap: Bool,
                                                                    _ scaling: IntensityScaling?,
                                                                    _ output: UnsafeMutableBufferPointer<Float>) {
        let size = MemoryLayout<T>.size
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        let scaled = scaling != nil
        var start = 0
        if !swap, size <= 4 {
            // Eight voxels at a time, with the same arithmetic as the scalar loop (exact Double, one rounding).
            while start + 8 <= output.count {
                let stored = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: start * size, as: SIMD8<T>.self))
                let values = SIMD8<Float>(scaled ? stored * slope + intercept : stored)
                for lane in 0 ..< 8 { output[start + lane] = values[lane] }
                start += 8
            }
        }
        for index in start ..< output.count {
            var stored = raw.loadUnaligned(fromByteOffset: index * size, as: T.self)
            if swap { stored = stored.byteSwapped }
            let value = Double(stored)
            output[index] = Float(scaled ? slope * value + intercept : value)
        }
    }

    private static func float32(_ raw: UnsafeRawBufferPointer, swap: Bool, _ scaling: IntensityScaling?,
                                _ output: UnsafeMutableBufferPointer<Float>) {
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        for index in 0 ..< output.count {
            var bits = raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
            if swap { bits = bits.byteSwapped }
            let stored = Float(bitPattern: bits)
            output[index] = scaling == nil ? stored : Float(slope * Double(stored) + intercept)
        }
    }

    private static func float64(_ raw: UnsafeRawBufferPointer, swap: Bool, _ scaling: IntensityScaling?,
                                _ output: UnsafeMutableBufferPointer<Float>) {
        let slope = scaling?.slope ?? 1, intercept = scaling?.intercept ?? 0
        for index in 0 ..< output.count {
            var bits = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
            if swap { bits = bits.byteSwapped }
            let stored = Double(bitPattern: bits)
            output[index] = Float(scaling == nil ? stored : slope * stored + intercept)
        }
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
