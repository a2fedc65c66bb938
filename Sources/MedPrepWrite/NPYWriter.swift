import MedPrepCore

/// Writes a tensor as a NumPy `.npy` file (format 1.0, dtype `<f4`, C order) of shape `shape.outputDimensions`
/// (`[N, C, H, W]` for 2D images, `[N, C, D, H, W]` otherwise), atomically (`OutputTree`, `AtomicFile`).
///
/// Layout: magic `\x93NUMPY`, version `01 00`, header length (uint16 little-endian), an ASCII dict padded with
/// spaces and a final `\n` so that the data starts at a multiple of 64 bytes, then the float32 data.
///
/// As a `VolumeWriter` (`npy` in `output.volumes`), it writes `.npy` files of the scan's tensor.
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

    /// The magic, version, length and padded dict preceding the data.
    static func header(shape: [Int]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }"
        let preamble = 10
        let unpadded = preamble + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dict.utf8)
    }
}
