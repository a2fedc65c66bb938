import ArgumentParser
import Foundation
import MedPrepNormalize
import MedPrepPipeline

/// `--method`: a normalization method of the method registry (`NormalizeMethod.names`), listed in `--help`.
struct MethodName: ExpressibleByArgument {
    let name: String

    init?(argument: String) {
        guard NormalizeMethod.names.contains(argument) else { return nil }
        name = argument
    }

    static var allValueStrings: [String] { NormalizeMethod.names }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
    var defaultValueDescription: String { name }
}

/// `--mask`: `nonzero`, or `threshold:VALUE` (voxels of channel 0 above VALUE).
struct MaskOption: ExpressibleByArgument {
    let mask: ForegroundMask
    /// The argument as given.
    let text: String

    init?(argument: String) {
        if argument == "nonzero" {
            mask = .nonzero
        } else if argument.hasPrefix("threshold:"), let value = Double(argument.dropFirst("threshold:".count)) {
            mask = .threshold(value)
        } else {
            return nil
        }
        text = argument
    }

    var defaultValueDescription: String { text }
}

/// A comma-separated list of numbers (`--gamma 1,0.5`).
struct FloatList: ExpressibleByArgument {
    let values: [Float]

    init?(argument: String) {
        var values = [Float]()
        for item in argument.split(separator: ",") {
            guard let value = Float(item.trimmingCharacters(in: .whitespaces)) else { return nil }
            values.append(value)
        }
        self.values = values
    }

    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// A comma-separated list of positive integers (`--batch-sizes 4,8,32`).
struct PositiveIntList: ExpressibleByArgument {
    let values: [Int]

    init(_ values: [Int]) {
        self.values = values
    }

    init?(argument: String) {
        var values = [Int]()
        for item in argument.split(separator: ",") {
            guard let value = Int(item.trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
            values.append(value)
        }
        self.values = values
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// `medprep normalize --format`: the volume file format.
enum VolumeFileFormat: String, CaseIterable, ExpressibleByArgument {
    case nifti, npy
}

extension NonFinitePolicy: ExpressibleByArgument {}

extension RunLog.Format: ExpressibleByArgument {}
