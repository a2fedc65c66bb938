import Foundation
import MedPrepCore

extension StateStore {
    /// Checks that every recorded output is still the file that was written: a regular file reached without a
    /// symbolic link at a path inside the output directory (`OutputTree`), of the recorded size; when its
    /// modification time differs from the record (or none was recorded) its content is rehashed and compared with
    /// the digest taken as it was written. Returns the decision and the outputs with their current modification
    /// times, to refresh the record when only those moved.
    func verify(_ outputs: [OutputFile]) throws -> (InputDecision, [OutputFile]) {
        var current = outputs
        for (index, output) in outputs.enumerated() {
            guard let tree = outputTree, let probe = outputProbe else { return (.changed("output directory \(outputDirectory) cannot be opened"), outputs) }
            let status: OutputFileStatus?
            do {
                status = try probe.status(of: output.path)
            } catch {
                return (.changed("recorded output \(output.path) cannot be checked: \(error)"), outputs)
            }
            guard let status else { return (.changed("output \(output.path) is missing"), outputs) }
            if status.size != output.size { return (.changed("output \(output.path) changed size"), outputs) }
            if status.modifiedNanoseconds != output.modifiedNanoseconds {
                guard try ContentDigest.hexDigest(of: output.path, in: tree) == output.digest else {
                    return (.changed("output \(output.path) was modified (its content differs from the one written)"), outputs)
                }
                current[index].modifiedNanoseconds = status.modifiedNanoseconds
            }
        }
        return (.upToDate, current)
    }
}
