import Foundation
import MedPrepCore

/// One input file that a statistics file counts: its absolute path and the XXH3-128 digest of its bytes
/// (`ContentDigest`, as the state store records inputs).
///
/// Statistics files list them so that `medprep stats merge` can refuse files whose inputs overlap: two files
/// cover the same input when they list the same digest, wherever the file was (another machine, another mount).
public struct CoveredInput: Sendable, Hashable, Codable {
    public var path: String
    public var digest: String

    public init(path: String, digest: String) {
        self.path = path
        self.digest = digest
    }

    /// Every file `input` is read from (channels, their companions, the label map), digested now.
    /// - Throws: `MedPrepError(.io)` naming a file that cannot be read.
    package static func of(_ input: InputCase) throws -> [CoveredInput] {
        try input.fingerprintedPaths.map { path in
            do {
                return CoveredInput(path: path, digest: try ContentDigest.hexDigest(file: path))
            } catch {
                throw MedPrepError.wrap(error, path: path)
            }
        }
    }

    /// Appends the path and digest of every file `input` is read from to `files`, as `of(_:)` lists them but with
    /// the digests as numbers: a pass over many cases keeps no string per case until it writes them out
    /// (`init(path:digest:)` with `digest.hex`). On a throw `files` is unchanged.
    /// - Throws: `MedPrepError(.io)` naming a file that cannot be read.
    package static func append(_ input: InputCase, to files: inout [(path: String, digest: ContentDigest.Value)]) throws {
        let count = files.count
        do {
            for path in input.fingerprintedPaths {
                do {
                    files.append((path, try ContentDigest.digest(file: path)))
                } catch {
                    throw MedPrepError.wrap(error, path: path)
                }
            }
        } catch {
            files.removeLast(files.count - count)
            throw error
        }
    }

    /// `inputs` in the order statistics files list them: by path, byte-wise.
    static func sorted(_ inputs: [CoveredInput]) -> [CoveredInput] {
        inputs.sorted { $0.path == $1.path ? $0.digest < $1.digest : $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
