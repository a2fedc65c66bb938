import MedPrepCore

/// Scans of one per-sample shape stacked along N: the tensor `[N, C, D, H, W]` plus, per member, the path,
/// header and geometry needed to split it back into scans and write each one out.
package struct Batch: Sendable {
    /// `[N, C, D, H, W]`; sample `n` belongs to `paths[n]`.
    package var tensor: Tensor
    package var paths: [String]
    package var headers: [ScanHeader]
    package var geometries: [ScanGeometry]

    /// Throws `.invalidArgument` unless there is one path, header and geometry per sample.
    package init(tensor: Tensor, paths: [String], headers: [ScanHeader], geometries: [ScanGeometry]) throws {
        guard paths.count == tensor.shape.n, headers.count == tensor.shape.n, geometries.count == tensor.shape.n else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "a batch of \(tensor.shape.n) samples needs as many paths, headers and geometries (got \(paths.count), \(headers.count), \(geometries.count))")
        }
        self.tensor = tensor
        self.paths = paths
        self.headers = headers
        self.geometries = geometries
    }

    /// Number of members `N`.
    package var count: Int { paths.count }

    /// Member `index` as a scan (its sample of the tensor, with its own path, header and geometry).
    package func scan(at index: Int) -> Scan {
        Scan(path: paths[index], header: headers[index], tensor: tensor.sample(index), geometry: geometries[index])
    }

    /// All members as scans, in batch order.
    package func scans() -> [Scan] {
        (0 ..< count).map(scan(at:))
    }
}
