/// The five axes of every medprep tensor: batch `N`, channel `C`, depth `D`, height `H`, width `W`.
///
/// A 2D image has `d == 1` and is written out as NCHW. A NIfTI volume maps voxel `(i, j, k, t)` to
/// `[0, t, k, j, i]`, so the row-major memory order equals the file's voxel order.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var n: Int
    public var c: Int
    public var d: Int
    public var h: Int
    public var w: Int

    public init(n: Int = 1, c: Int, d: Int = 1, h: Int, w: Int) {
        precondition(n >= 0 && c >= 0 && d >= 0 && h >= 0 && w >= 0, "negative tensor dimension")
        self.n = n
        self.c = c
        self.d = d
        self.h = h
        self.w = w
    }

    /// Voxels in one channel of one sample: `D·H·W`.
    public var spatialCount: Int { d * h * w }
    /// Elements in one sample: `C·D·H·W`.
    public var sampleCount: Int { c * spatialCount }
    /// All elements: `N·C·D·H·W`.
    public var count: Int { n * sampleCount }
    /// `[N, C, D, H, W]`.
    public var dimensions: [Int] { [n, c, d, h, w] }
    /// The per-sample shape `[C, D, H, W]`, as `medprep inspect` reports it.
    public var sampleDimensions: [Int] { [c, d, h, w] }
    /// Whether the tensor is a 2D image (`D == 1`), written out as NCHW.
    public var isPlanar: Bool { d == 1 }
    /// The spatial shape `[D, H, W]`.
    public var spatial: [Int] { [d, h, w] }

    /// Shape of the output files: `[N, C, H, W]` for a 2D image, `[N, C, D, H, W]` otherwise.
    public var outputDimensions: [Int] { isPlanar ? [n, c, h, w] : [n, c, d, h, w] }

    /// Linear offset of element `[n, c, d, h, w]` in row-major order.
    @inlinable
    public func offset(n: Int = 0, c: Int, d: Int = 0, h: Int, w: Int) -> Int {
        (((n * self.c + c) * self.d + d) * self.h + h) * self.w + w
    }

    public var description: String { "[\(n), \(c), \(d), \(h), \(w)]" }
}

/// A dense float32 tensor in NCDHW order with contiguous row-major storage.
public struct Tensor: Sendable, Equatable {
    public var shape: TensorShape
    /// `shape.count` elements in row-major NCDHW order.
    public var storage: [Float]

    public init(shape: TensorShape, storage: [Float]) {
        precondition(storage.count == shape.count, "storage has \(storage.count) elements, shape \(shape) needs \(shape.count)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: TensorShape, repeating value: Float = 0) {
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.count)
    }

    @inlinable
    public subscript(n: Int, c: Int, d: Int, h: Int, w: Int) -> Float {
        get { storage[shape.offset(n: n, c: c, d: d, h: h, w: w)] }
        set { storage[shape.offset(n: n, c: c, d: d, h: h, w: w)] = newValue }
    }

    /// The elements of sample `n`, channel `c` (a contiguous run of `D·H·W` values).
    public func channel(_ c: Int, sample n: Int = 0) -> ArraySlice<Float> {
        let start = shape.offset(n: n, c: c, d: 0, h: 0, w: 0)
        return storage[start ..< start + shape.spatialCount]
    }

    /// Sample `n` as a tensor of batch size 1.
    public func sample(_ n: Int) -> Tensor {
        precondition(n >= 0 && n < shape.n, "sample \(n) out of range 0..<\(shape.n)")
        var one = shape
        one.n = 1
        let start = n * shape.sampleCount
        return Tensor(shape: one, storage: Array(storage[start ..< start + shape.sampleCount]))
    }
}
