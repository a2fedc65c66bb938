import MedPrepCore

/// Turns one decoded frame (machine byte order) into float32 values in the NCDHW tensor: masks to BitsStored,
/// sign-extends, inverts MONOCHROME1 within the stored range, applies the frame's rescale (`DICOMReader`).
struct DICOMSampleConverter {
    /// What a raw sample's value depends on (`DICOMRescaleTable` is reused while these stay the same).
    struct Parameters: Equatable {
        let bitsAllocated: Int
        let shift: UInt32
        let mask: UInt64
        let signBit: UInt64
        let invertSum: Double?
    }

    let layout: DICOMPixelLayout
    private let shift: UInt32
    private let mask: UInt64
    private let signBit: UInt64
    private let invertSum: Double?

    var parameters: Parameters {
        Parameters(bitsAllocated: layout.bitsAllocated, shift: shift, mask: mask, signBit: signBit, invertSum: invertSum)
    }

    init(layout: DICOMPixelLayout) {
        self.layout = layout
        shift = UInt32(layout.highBit + 1 - layout.bitsStored)
        mask = layout.bitsStored >= 64 ? .max : (UInt64(1) << UInt64(layout.bitsStored)) - 1
        signBit = layout.signed ? UInt64(1) << UInt64(layout.bitsStored - 1) : 0
        invertSum = layout.photometric == "MONOCHROME1" ? layout.storedRange.lowerBound + layout.storedRange.upperBound : nil
    }

    /// The value of one raw sample before rescaling.
    @inline(__always)
    func value(_ raw: UInt64) -> Double {
        let masked = (raw >> UInt64(shift)) & mask
        let stored = signBit != 0 && masked & signBit != 0 ? Double(Int64(bitPattern: masked) - Int64(bitPattern: signBit << 1))
            : Double(masked)
        if let invertSum { return invertSum - stored }
        return stored
    }

    /// Writes frame `input` as slice `slice` of `output` (C × D × H × W); `planar` input is colour-by-plane,
    /// `flipRows` stores row r at h = Rows−1−r. With `table` (built for this converter and rescale) every sample is
    /// looked up instead of computed, which gives the same floats.
    func convert(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Float>, slice: Int,
                 planar: Bool, flipRows: Bool, slope: Double, intercept: Double, table: DICOMRescaleTable? = nil) {
        if let table {
            table.values.withUnsafeBufferPointer { values in
                switch layout.bitsAllocated {
                case 8: lookUp(input.bindMemory(to: UInt8.self), values, output, slice, planar, flipRows)
                default: lookUp(input.bindMemory(to: UInt16.self), values, output, slice, planar, flipRows)
                }
            }
            return
        }
        switch layout.bitsAllocated {
        case 8: convert(input.bindMemory(to: UInt8.self), output, slice, planar, flipRows, slope, intercept)
        case 16: convert(input.bindMemory(to: UInt16.self), output, slice, planar, flipRows, slope, intercept)
        default: convert(input.bindMemory(to: UInt32.self), output, slice, planar, flipRows, slope, intercept)
        }
    }

    private func lookUp<T: FixedWidthInteger & UnsignedInteger>(
        _ samples: UnsafeBufferPointer<T>, _ values: UnsafeBufferPointer<Float>,
        _ output: UnsafeMutableBufferPointer<Float>, _ slice: Int, _ planar: Bool, _ flipRows: Bool
    ) {
        let rows = layout.rows, columns = layout.columns, channels = layout.samples, depth = layout.frames
        let pixels = rows * columns
        for channel in 0 ..< channels {
            let channelBase = (channel * depth + slice) * pixels
            for row in 0 ..< rows {
                let h = flipRows ? rows - 1 - row : row
                let outputRow = channelBase + h * columns
                if channels == 1 {
                    let inputRow = row * columns
                    for column in 0 ..< columns {
                        output[outputRow + column] = values[Int(samples[inputRow + column])]
                    }
                    continue
                }
                for column in 0 ..< columns {
                    let pixel = row * columns + column
                    let source = planar ? channel * pixels + pixel : pixel * channels + channel
                    output[outputRow + column] = values[Int(samples[source])]
                }
            }
        }
    }

    private func convert<T: FixedWidthInteger & UnsignedInteger>(
        _ samples: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<Float>, _ slice: Int, _ planar: Bool,
        _ flipRows: Bool, _ slope: Double, _ intercept: Double
    ) {
        let rows = layout.rows, columns = layout.columns, channels = layout.samples, depth = layout.frames
        let pixels = rows * columns
        for channel in 0 ..< channels {
            let channelBase = (channel * depth + slice) * pixels
            for row in 0 ..< rows {
                let h = flipRows ? rows - 1 - row : row
                let outputRow = channelBase + h * columns
                for column in 0 ..< columns {
                    let pixel = row * columns + column
                    let source = planar ? channel * pixels + pixel : pixel * channels + channel
                    output[outputRow + column] = Float(slope * value(UInt64(samples[source])) + intercept)
                }
            }
        }
    }
}
