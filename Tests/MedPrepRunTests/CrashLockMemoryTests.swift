import Foundation
import MedPrepCore
import MedPrepPipeline
import MedPrepWrite
import MedPrepTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// SIGKILL at several moments, the output-directory lock, and memory that does not grow with the file count.
    @Suite struct CrashLockMemory {
        /// A run killed with SIGKILL at several moments and then completed writes exactly the bytes of a clean
        /// run; no temporary file remains and nothing partial sits under a final name.
        @Test func killNineThenRerunMatchesCleanRun() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 12, size: 24, to: workspace.at("in"))
            for name in ["clean", "killed"] {
                try workspace.write(GeneratedVolumes.pipeline(name: name, input: "../in", output: "../\(name)",
                                                              extraStages: ["resample: {spacing: [0.8, 0.8, 1.0]}"],
                                                              batches: "npy", batchSize: 2),
                                    to: "p/\(name).yaml")
            }
            let clean = try MedPrepProcess.run(["run", workspace.at("p/clean.yaml"), "--no-progress", "--jobs", "2"])
            #expect(clean.status == 0 && clean.summary?.processed == 12, "\(clean.transcript)")
            let reference = try workspace.outputHashes(under: "clean")

            // Kill once 30 ms after the start (usually before any output), then each time k more case
            // outputs have appeared; every killed run resumes from what the earlier ones recorded.
            var killedWhileRunning = 0
            var outputsSeen: [Int] = []
            for target in [0, 1, 3, 5, 8, 11] {
                let process = try MedPrepProcess.start(["run", workspace.at("p/killed.yaml"), "--no-progress", "--jobs", "2"])
                if target == 0 {
                    usleep(30_000)
                } else {
                    let deadline = Date().addingTimeInterval(60)
                    while !process.hasExited, Date() < deadline, caseOutputs(workspace).count < target { usleep(2_000) }
                }
                if !process.hasExited { killedWhileRunning += 1 }
                process.kill(SIGKILL)
                _ = process.wait()
                let present = caseOutputs(workspace)
                outputsSeen.append(present.count)
                for file in present {
                    // Anything under a final name is complete: it equals the clean run's file.
                    let hash = try SHA256Hasher.hexDigest(file: workspace.at("killed/\(file)"))
                    #expect(hash == reference[file], "\(file) after the kill at \(target) output(s)")
                }
            }
            print("kill -9: killed while running \(killedWhileRunning) of 6 times; case outputs present after each kill: \(outputsSeen)")
            #expect(killedWhileRunning >= 3)
            let final = try MedPrepProcess.run(["run", workspace.at("p/killed.yaml"), "--no-progress", "--jobs", "2"])
            #expect(final.status == 0, "\(final.transcript)")
            let completed = try workspace.outputHashes(under: "killed")
            #expect(completed == reference)
            let leftovers = workspace.files(under: "killed").filter { ($0 as NSString).lastPathComponent.contains(".tmp-") }
            #expect(leftovers.isEmpty, "\(leftovers)")
            let again = try MedPrepProcess.run(["run", workspace.at("p/killed.yaml"), "--no-progress"])
            #expect(again.summary?.processed == 0 && again.summary?.upToDate == 12, "\(again.transcript)")
        }

        func caseOutputs(_ workspace: Workspace) -> [String] {
            workspace.files(under: "killed").filter {
                !$0.hasPrefix(".medprep/") && !($0 as NSString).lastPathComponent.hasPrefix(".") && $0 != "report.json"
            }
        }

        /// While another holder has the lock a run exits 75 with a message; with `--wait` it waits and then runs.
        @Test func lockHeldExitsSeventyFiveAndWaitWaits() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "lock", input: "../in", output: "../out"), to: "p/lock.yaml")
            let lock = try RunLock(outputDirectory: workspace.at("out"))
            let refused = try MedPrepProcess.run(["run", workspace.at("p/lock.yaml"), "--no-progress"])
            #expect(refused.status == 75, "\(refused.transcript)")
            #expect(refused.standardError.contains("holds the lock") && refused.standardError.contains("pid \(getpid())"),
                    "\(refused.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))

            let waiting = try MedPrepProcess.start(["run", workspace.at("p/lock.yaml"), "--no-progress", "--wait"])
            usleep(600_000)
            #expect(!waiting.hasExited)
            lock.release()
            let outcome = waiting.wait()
            #expect(outcome.status == 0 && outcome.summary?.processed == 2, "\(outcome.transcript)")
        }

        /// Peak RSS of `medprep run` over 60 scans of 64³ stays within 25 % + 8 MiB of the peak over 20 scans, for
        /// `--jobs 1` and `--jobs 2` (the child's `VmHWM`, sampled every 5 ms; the lower of two runs each). The 8 MiB absorb the allocator's
        /// warm-up (medprep keeps freed buffers in the heap: a debug build settles at ~50 MiB whether it runs 60 or
        /// 180 files); keeping 1 MiB per file — one 64³ volume — would add 40 MiB and fail.
        @Test func peakMemoryIsFlatInTheNumberOfFiles() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in60"), withIntermediateDirectories: true)
            let volume = GeneratedVolumes.tensor(size: 64, seed: 1)
            for index in 0 ..< 60 {
                try NIfTIWriter.write(volume, geometry: GeneratedVolumes.geometry(index),
                                      to: workspace.at(String(format: "in60/scan_%03d.nii", index)))
            }
            try FileManager.default.createDirectory(atPath: workspace.at("in20"), withIntermediateDirectories: true)
            for index in 0 ..< 20 {
                let name = String(format: "scan_%03d.nii", index)
                try FileManager.default.linkItem(atPath: workspace.at("in60/\(name)"), toPath: workspace.at("in20/\(name)"))
            }
            var lines: [String] = []
            for jobs in [1, 2] {
                var peaks: [Int: Int] = [:]
                for count in [20, 60] {
                    let name = "mem\(count)j\(jobs)"
                    try workspace.write(GeneratedVolumes.pipeline(name: name, input: "../in\(count)", output: "../\(name)",
                                                                  compression: "none"),
                                        to: "p/\(name).yaml")
                    // The lower of two runs: a single run's peak varies by ±20 % with thread timing.
                    for _ in 0 ..< 2 {
                        let (outcome, peak) = try MedPrepProcess.start(["run", workspace.at("p/\(name).yaml"), "--no-progress",
                                                                  "--jobs", "\(jobs)"]).waitSamplingPeak()
                        #expect(outcome.status == 0 && outcome.summary?.processed == count, "\(outcome.transcript)")
                        #expect(peak > 0)
                        peaks[count] = min(peaks[count] ?? .max, peak)
                        try FileManager.default.removeItem(atPath: workspace.at(name))
                    }
                }
                let (small, large) = (peaks[20] ?? 0, peaks[60] ?? 0)
                lines.append("jobs \(jobs): peak RSS 20 files \(small / 1024) MiB (\(small) KiB), 60 files \(large / 1024) MiB (\(large) KiB), ratio \(String(format: "%.3f", Double(large) / Double(max(1, small))))")
                #expect(Double(large) <= 1.25 * Double(small) + 8 * 1024, "jobs \(jobs): \(small) KiB → \(large) KiB")
            }
            print("peak RSS (64³ float32 volumes, VmHWM):\n" + lines.joined(separator: "\n"))
        }

        /// Peak RSS of `medprep stats` over 800 tiny CT-like cases (16×16×8 integers in −1024…2999, `.nii.gz`) stays
        /// within 10 % of the peak over 400, for `--jobs 1` and `--jobs 2` (the lower of two runs each). Each case's
        /// quantile-sketch tables (2.6 MB) were allocated afresh and their freed blocks split by what outlives a case:
        /// the peak grew by about 290 KB per case (400 more cases: over 100 MiB). Then each case's input digest, kept
        /// as a string allocated between one case's transient buffers and the next's, split them: about 7 KB per case.
        @Test func statsPeakMemoryIsFlatInTheNumberOfFiles() throws {
            let workspace = try Workspace()
            var generator = SplitMix(seed: 19)
            let shape = TensorShape(c: 1, d: 8, h: 16, w: 16)
            for count in [400, 800] {
                try FileManager.default.createDirectory(atPath: workspace.at("in\(count)"), withIntermediateDirectories: true)
            }
            for index in 0 ..< 800 {
                let storage = (0 ..< shape.count).map { _ in Float(Int(generator.next() % 4024) - 1024) }
                let name = String(format: "case_%04d.nii.gz", index)
                try NIfTIWriter.write(Tensor(shape: shape, storage: storage), geometry: GeneratedVolumes.geometry(index),
                                      to: workspace.at("in800/\(name)"))
                if index < 400 {
                    try FileManager.default.linkItem(atPath: workspace.at("in800/\(name)"), toPath: workspace.at("in400/\(name)"))
                }
            }
            var lines: [String] = []
            for jobs in [1, 2] {
                var peaks: [Int: Int] = [:]
                for count in [400, 800] {
                    for _ in 0 ..< 2 {
                        let (outcome, peak) = try MedPrepProcess.start(["stats", workspace.at("in\(count)"), "--jobs", "\(jobs)"])
                            .waitSamplingPeak()
                        #expect(outcome.status == 0 && outcome.standardOutput.hasPrefix("\(count) file(s)"), "\(outcome.transcript)")
                        #expect(peak > 0)
                        peaks[count] = min(peaks[count] ?? .max, peak)
                    }
                }
                let (small, large) = (peaks[400] ?? 0, peaks[800] ?? 0)
                lines.append("jobs \(jobs): peak RSS 400 files \(small / 1024) MiB (\(small) KiB), 800 files \(large / 1024) MiB (\(large) KiB), ratio \(String(format: "%.3f", Double(large) / Double(max(1, small))))")
                #expect(Double(large) <= 1.10 * Double(small), "jobs \(jobs): \(small) KiB → \(large) KiB")
            }
            print("stats peak RSS (16×16×8 .nii.gz cases, VmHWM):\n" + lines.joined(separator: "\n"))
        }
    }
}
