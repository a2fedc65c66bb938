import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepWrite
import Testing

/// Every end-to-end suite runs one test at a time: they spawn medprep, which uses both cores, and the
/// memory and kill tests must not compete with other runs.
@Suite(.serialized) enum EndToEnd {}

/// Whether `python3 -c "import nibabel"` works.
let nibabelAvailable: Bool = MedPrepProcess.python(["-c", "import nibabel"])?.status == 0

extension EndToEnd {
    /// The example pipelines of `pipelines/`, run on a copy of SampleData.
    @Suite struct ExamplePipelines {
        static let examples = ["quickstart", "ct-groupnorm", "mri-dataset", "xray-png", "natural-vs-dataset",
                               "natural-imagenet", "xray-imagenet", "nnunet", "nnunet-like"]

        @Test func examplesValidate() throws {
            let outcome = try MedPrepProcess.run(["validate"] + Self.examples.map { MedPrepProcess.packageRoot + "/pipelines/\($0).yaml" })
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.standardOutput.split(separator: "\n").count == Self.examples.count)
        }

        @Test(arguments: examples) func exampleRunsOnSampleData(name: String) throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            let outcome = try MedPrepProcess.run(["run", workspace.at("pipelines/\(name).yaml"), "--no-progress", "--jobs", "2"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let summary = try #require(outcome.summary, "\(outcome.transcript)")
            #expect(summary.failed == 0 && summary.processed > 0)
            let outputs = workspace.files(under: "out/\(name)")
            #expect(outputs.contains("report.json"))
            #expect(!outputs.contains { ($0 as NSString).lastPathComponent.contains(".tmp-") })
        }

        /// nibabel (an independent NIfTI reader) sees in every output NIfTI the affine that the input and the
        /// stages imply (`Tests/scripts/check_outputs.py`).
        @Test(.enabled(if: nibabelAvailable, "python3 with nibabel is not available"))
        func nibabelAgreesOnAffines() throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            for name in ["quickstart", "ct-groupnorm", "mri-dataset", "nnunet", "nnunet-like"] {
                let outcome = try MedPrepProcess.run(["run", workspace.at("pipelines/\(name).yaml"), "--no-progress", "--jobs", "2"])
                #expect(outcome.status == 0, "\(outcome.transcript)")
                let check = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/check_outputs.py",
                                                                workspace.at("out/\(name)")]))
                #expect(check.status == 0, "\(check.transcript)")
                #expect(check.standardOutput.contains("ok "), "\(check.transcript)")
            }
        }

        /// Crop-free NIfTI pipelines keep every input's affine and spacing exactly (up to the float32 header).
        @Test(arguments: [("mri-dataset", "SampleData/mri", ""), ("nnunet", "SampleData/nnunet/Dataset001_Phantom/imagesTr", "_0000")])
        func cropFreeOutputsKeepTheAffine(name: String, inputDirectory: String, channelSuffix: String) throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            let outcome = try MedPrepProcess.run(["run", workspace.at("pipelines/\(name).yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let images = workspace.files(under: "out/\(name)").filter { $0.hasSuffix(".nii.gz") && !$0.hasPrefix("labels/") }
            #expect(images.count >= 2)
            for file in images {
                let output = try NIfTIReader.read(path: workspace.at("out/\(name)/\(file)"))
                let caseID = String(file.dropLast(".nii.gz".count))
                let input = try NIfTIReader.read(path: workspace.at("\(inputDirectory)/\(caseID)\(channelSuffix).nii.gz"))
                expectClose(output.geometry.affine, input.geometry.affine, tolerance: 1e-5, file)
                #expect(zip(output.geometry.spacing, input.geometry.spacing).allSatisfy { abs($0 - $1) < 1e-6 }, "\(file)")
                #expect(output.tensor.shape.spatial == input.tensor.shape.spatial)
                #expect(output.tensor.storage.allSatisfy { $0.isFinite })
            }
        }

        /// After resample + crop_or_pad the affine is `A · diag(s'/s) · [[I, o], [0, 1]]` with `n' = round(n·s/s')`
        /// and the TorchIO start offset `o`; GroupNorm (G = 1) outputs have mean 0 and std 1.
        @Test func quickstartGeometryAndGroupNorm() throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            let outcome = try MedPrepProcess.run(["run", workspace.at("pipelines/quickstart.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let target = [1.5, 1.5, 1.5], shape = [64, 64, 48]
            for caseID in ["ct_001", "ct_002", "ct_003"] {
                let input = try NIfTIReader.read(path: workspace.at("SampleData/ct/\(caseID).nii.gz"))
                let output = try NIfTIReader.read(path: workspace.at("out/quickstart/\(caseID).nii.gz"))
                let label = try NIfTIReader.read(path: workspace.at("out/quickstart/labels/\(caseID).nii.gz"))
                let sizes = [input.tensor.shape.w, input.tensor.shape.h, input.tensor.shape.d]
                var expected = input.geometry.affine
                for axis in 0 ..< 3 {
                    let ratio = target[axis] / input.geometry.spacing[axis]
                    let resampled = max(1, Int((Double(sizes[axis]) * input.geometry.spacing[axis] / target[axis]).rounded()))
                    let difference = shape[axis] - resampled
                    let offset = difference < 0 ? (-difference + 1) / 2 : -((difference + 1) / 2)
                    for row in 0 ..< 3 { expected.values[row * 4 + axis] *= ratio }
                    for row in 0 ..< 3 { expected.values[row * 4 + 3] += expected.values[row * 4 + axis] * Double(offset) }
                }
                expectClose(output.geometry.affine, expected, tolerance: 1e-4, caseID)
                expectClose(label.geometry.affine, expected, tolerance: 1e-4, "labels/\(caseID)")
                #expect(output.geometry.spacing.prefix(3).map { ($0 * 1e6).rounded() / 1e6 } == target)
                #expect([output.tensor.shape.w, output.tensor.shape.h, output.tensor.shape.d] == shape)
                let (mean, std) = moments(output.tensor.storage[...])
                #expect(abs(mean) < 1e-4, "\(caseID) mean \(mean)")
                #expect(abs(std - 1) < 1e-4, "\(caseID) std \(std)")
                #expect(Set(label.tensor.storage).isSubset(of: [0, 1, 2]))
            }
        }

        /// GroupNorm with several groups: generated 4-channel volumes, G = 2, each (sample, group) is z-scored.
        @Test func groupNormPerGroup() throws {
            let workspace = try Workspace()
            for index in 0 ..< 2 {
                var channels: [Float] = []
                for channel in 0 ..< 4 {
                    channels += GeneratedVolumes.tensor(size: 12, seed: 10 * index + channel).storage.map { $0 * Float(channel + 1) }
                }
                let tensor = Tensor(shape: TensorShape(c: 4, d: 12, h: 12, w: 12), storage: channels)
                try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
                try NIfTIWriter.write(tensor, geometry: GeneratedVolumes.geometry(index), to: workspace.at("in/multi_\(index).nii.gz"))
            }
            try workspace.write(GeneratedVolumes.pipeline(name: "groups", input: "../in", output: "../out",
                                                          normalize: "{method: groupnorm, groups: 2, eps: 1.0e-5}"),
                                to: "p/groups.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/groups.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            for index in 0 ..< 2 {
                let output = try NIfTIReader.read(path: workspace.at("out/multi_\(index).nii.gz"))
                #expect(output.tensor.shape.c == 4)
                let perGroup = output.tensor.shape.spatialCount * 2
                for group in 0 ..< 2 {
                    let (mean, std) = moments(output.tensor.storage[group * perGroup ..< (group + 1) * perGroup])
                    #expect(abs(mean) < 1e-4 && abs(std - 1) < 1e-4, "sample \(index) group \(group): \(mean), \(std)")
                }
                expectClose(output.geometry.affine, GeneratedVolumes.affine(index), tolerance: 1e-5, "multi_\(index)")
            }
        }

        /// `validate` reports every problem as `file:line:column: …` and exits 2; `run` refuses the file with 2.
        @Test func validateReportsPositions() throws {
            let workspace = try Workspace()
            try workspace.write("""
                version: 1
                name: broken
                input:
                  directory: .
                  inclde: ["*.nii"]
                stages:
                  - normalize: {method: groupnorm, groups: 0}
                output:
                  directory: ../out
                """, to: "p/broken.yaml")
            let path = workspace.at("p/broken.yaml")
            let outcome = try MedPrepProcess.run(["validate", path])
            #expect(outcome.status == 2, "\(outcome.transcript)")
            let lines = (outcome.standardOutput + outcome.standardError).split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("\(path):5:3: ") && $0.contains("inclde") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("\(path):7:") && $0.contains("groups") }, "\(lines)")
            let run = try MedPrepProcess.run(["run", path, "--no-progress"])
            #expect(run.status == 2, "\(run.transcript)")
            #expect(run.standardError.contains("\(path):5:3:"))
            let missing = try MedPrepProcess.run(["run", workspace.at("p/missing.yaml"), "--no-progress"])
            #expect(missing.status == 2 && missing.standardError.contains("missing.yaml"), "\(missing.transcript)")
            let notADirectory = try MedPrepProcess.run(["stats", workspace.at("nowhere")])
            #expect(notADirectory.status == 2 && notADirectory.standardError.contains("is not a directory"), "\(notADirectory.transcript)")
        }

        /// Checks that need the channel count run on the first input: `imagenet` on 4-channel MRI, and a
        /// `select_channels` index out of range before computed dataset statistics, are refused with the line of
        /// the offending key and exit code 2, before any output is written, whatever the number of jobs.
        @Test(arguments: [("{method: imagenet}", [String](), 6, "imagenet", 1), ("{method: imagenet}", [], 6, "imagenet", 2),
                          ("{method: dataset}", ["select_channels: {channels: [0, 9]}"], 6, "channel index 9", 2)])
        func channelCheckOnFirstInput(normalize: String, extraStages: [String], line: Int, message: String, jobs: Int) throws {
            let workspace = try Workspace()
            try workspace.copyExamples()
            try workspace.write("""
                version: 1
                name: channels-mri
                input:
                  directory: ../SampleData/mri
                stages:
                \(extraStages.map { "  - \($0)\n" }.joined())  - normalize: \(normalize)
                output:
                  directory: ../out/channels-mri
                """, to: "pipelines/channels-mri.yaml")
            let path = workspace.at("pipelines/channels-mri.yaml")
            let outcome = try MedPrepProcess.run(["run", path, "--no-progress", "--jobs", "\(jobs)"])
            #expect(outcome.status == 2, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("\(path):\(line):") && outcome.standardError.contains(message),
                    "\(outcome.transcript)")
            let written = workspace.files(under: "out/channels-mri").filter { !$0.hasPrefix(".medprep/") }
            #expect(written.isEmpty, "\(written)")
        }
    }
}

/// Mean and (biased) standard deviation in Double.
func moments(_ values: ArraySlice<Float>) -> (mean: Double, std: Double) {
    let count = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / count
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
    return (mean, variance.squareRoot())
}

func expectClose(_ a: Affine, _ b: Affine, tolerance: Double, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let difference = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? .infinity
    #expect(difference <= tolerance, "\(label): affine \(a.rows) expected \(b.rows)", sourceLocation: sourceLocation)
}
