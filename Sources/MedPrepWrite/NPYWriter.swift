import MedPrepCore

/// Writes a tensor as a NumPy `.npy` file (format 1.0, dtype `<f4`, C order) of shape `shape.outputDimensions`
/// (`[N, C, H, W]` for 2D images, `[N, C, D, H, W]` otherwise), atomically (`OutputTree`, `AtomicFile`).
///
/// Layout: magic `\x93NUMPY`, version `01 00`, header length (uint16 little-endian), an ASCII dict padded with
/// spaces and a final `\n` so that the data starts at a multiple of 64 bytes, then the float32 data.
///
/// As a `VolumeWriter` (`npy` in `output.volumes`), it writes `.npy` files of the scan's tensor. Label batches are
/// integer files (`writeLabels`).
package struct NPYWriter: VolumeWriter {
    package init() {}

    package var name: String { "npy" }
    package var suffix: String { ".npy" }

    /// Writes the scan's tensor (`write(_:to:in:durable:observer:)`).
    package func write(_ scan: Scan, to relative: String, in tree: OutputTree, durable: Bool,
                      observer: ((UnsafeRawBufferPointer) -> Void)?) throws {
        try Self.write(scan.tensor, to: relative, in: tree, durable: durable, observer: observer)
    }

    /// Writes `tensor` to `path`; `observer` sees every byte of the file as written; `durable` as in `AtomicFile`.
    package static func write(_ tensor: Tensor, to path: String, durable: Bool = true,
                             observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let (tree, name) = try OutputTree.containing(path)
        try write(tensor, to: name, in: tree, durable: durable, observer: observer)
    }

    /// As `write(_:to:durable:observer:)`, to file `relative` of `tree` (never through a symbolic link below the
    /// tree's root; see `OutputTree`).
    package static func write(_ tensor: Tensor, to relative: String, in tree: OutputTree, durable: Bool = true,
                             observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let header = self.header(shape: tensor.shape.outputDimensions)
        try tree.write(to: relative, durable: durable, observer: observer) { sink in
            try sink.preallocate(header.count + tensor.storage.count * MemoryLayout<Float>.size)
            try sink.write(header)
            if 1.littleEndian == 1 {
                try tensor.storage.withUnsafeBytes { try sink.write($0) }
            } else {
                try sink.write(tensor.storage.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
            }
        }
    }

    /// Writes the label maps `labels` (one sample of one channel each, all of one shape) stacked along N as one file
    /// of the integer `type` (`|u1`, `<i2`, `<i4` …): shape `[N, 1, D, H, W]`, or `[N, 1, H, W]` for 2D. Each label
    /// is converted as it is written (`LabelEncoding`), so no stacked copy exists in memory.
    /// - Throws: `.invalidArgument` for no labels or differing shapes; `.invalidLabel` for a value `type` does not hold.
    package static func writeLabels(_ labels: [Tensor], as type: LabelType, to relative: String, in tree: OutputTree,
                                   durable: Bool = true, observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let path = tree.location(relative)
        guard var shape = labels.first?.shape, labels.allSatisfy({ $0.shape == shape && $0.shape.n == 1 }) else {
            throw MedPrepError(.invalidArgument, path: path,
                reason: "a label batch needs one or more label maps of one shape, got \(labels.map(\.shape))")
        }
        shape.n = labels.count
        let header = self.header(shape: shape.outputDimensions, descriptor: type.numpyDescriptor)
        try tree.write(to: relative, durable: durable, observer: observer) { sink in
            try sink.preallocate(header.count + shape.count * type.size)
            try sink.write(header)
            for label in labels {
                try LabelEncoding.emit(label.storage, as: type, path: path) { try sink.write($0) }
            }
        }
    }

    /// The magic, version, length and padded dict preceding the data; `descriptor` is the dtype (`<f4`, `|u1` …).
    static func header(shape: [Int], descriptor: String = "<f4") -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(dimensions), }"
        let preamble = 10
        let unpadded = preamble + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dict.utf8)
    }
}
