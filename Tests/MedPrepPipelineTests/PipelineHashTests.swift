import Testing
import MedPrepCore
@testable import MedPrepPipeline

@Suite struct PipelineHashTests {
    private func hash(_ text: String, path: String = "/data/pipelines/p.yaml") throws -> String {
        try PipelineParser.parse(text: text, path: path).resolved().pipelineHash
    }

    @Test func reorderedKeysCommentsAndDefaultsKeepTheHash() throws {
        let reordered = """
        # the same pipeline, written differently
        output:
          reports: [html, json, csv, json]
          batches: npy
          compression: gzip
          directory: ../out/./ct-groupnorm/
        limits: {max_voxels: 2147483648}
        batch:
          size: 4
        stages:
          - clip: {max: 3000, min: -1024.0}
          - resample: {interpolation: linear, spacing: [1.5, 1.5, 1.5]}
          - crop_or_pad: {pad_value: 0, shape: [128, 128, 96]}
          - select_channels: {channels: [0, 1]}
          - drop_alpha:
          - normalize:
              eps: 0.00001
              nonfinite: error
              groups: 1
              method: groupnorm
        name: ct-groupnorm
        input:
          exclude: []
          include: ["**/*.nii.gz", "**/*.nii"]
          directory: ../SampleData/ct/
        version: 1
        """
        let original = try PipelineParser.parse(text: examplePipeline, path: "/data/pipelines/p.yaml").resolved()
        let rewritten = try PipelineParser.parse(text: reordered, path: "/data/pipelines/p.yaml").resolved()
        #expect(original.canonicalJSON == rewritten.canonicalJSON)
        #expect(original.pipelineHash == rewritten.pipelineHash)
        #expect(original.processingHash == rewritten.processingHash)
    }

    @Test func changedParametersChangeTheHash() throws {
        let base = try hash(examplePipeline)
        let changes = [
            ("groups: 1", "groups: 2"),
            ("eps: 1.0e-5", "eps: 1.0e-6"),
            ("max: 3000", "max: 3001"),
            ("[128, 128, 96]", "[128, 96, 128]"),
            ("size: 4", "size: 8"),
            ("volumes: nifti", "volumes: npy"),
            ("../SampleData/ct", "../SampleData/mr"),
        ]
        var seen: Set<String> = [base]
        for (old, new) in changes {
            let changed = try hash(examplePipeline.replacingOccurrences(of: old, with: new))
            #expect(changed != base, "\(old) → \(new)")
            seen.insert(changed)
        }
        #expect(seen.count == changes.count + 1)
        #expect(try hash(examplePipeline, path: "/elsewhere/p.yaml") != base)
    }

    @Test func processingHashIgnoresNameBatchingAndReports() throws {
        let original = try PipelineParser.parse(text: examplePipeline, path: "/p/p.yaml").resolved()
        let renamed = try PipelineParser.parse(text: examplePipeline
            .replacingOccurrences(of: "name: ct-groupnorm", with: "name: other")
            .replacingOccurrences(of: "size: 4", with: "size: 2")
            .replacingOccurrences(of: "[json, csv, html]", with: "[json]"), path: "/p/p.yaml").resolved()
        #expect(original.pipelineHash != renamed.pipelineHash)
        #expect(original.processingHash == renamed.processingHash)
        let regrouped = try PipelineParser.parse(text: examplePipeline.replacingOccurrences(of: "groups: 1", with: "groups: 2"),
                                                 path: "/p/p.yaml").resolved()
        #expect(original.processingHash != regrouped.processingHash)
    }

    @Test func canonicalJSONSortsKeysAndEscapes() {
        let value = CanonicalJSON.object(["b": .array([.int(1), .double(0.5), .null]), "a": .string("x\"\\\n\u{1}"), "B": .bool(true)])
        #expect(value.text == #"{"B":true,"a":"x\"\\\n\u0001","b":[1,0.5,null]}"#)
    }
}

/// `input.missing` (issue 16): the default `fail`, written out or not, keeps a pipeline's JSON and hashes; `skip`
/// enters `canonicalJSON` (so the report and `pipelineHash` show it) but not `processingHash` (outputs are the
/// same); other values are refused with the allowed ones.
@Suite struct MissingInputPolicyTests {
    func pipeline(_ missing: String?) -> String {
        "version: 1\nname: m\ninput:\n  directory: in\n" + (missing.map { "  missing: \($0)\n" } ?? "")
            + "stages:\n  - normalize: {method: instance}\noutput: {directory: out}\n"
    }

    @Test func defaultKeepsHashesAndSkipIsRecorded() throws {
        let omitted = try PipelineParser.parse(text: pipeline(nil), path: "/p/p.yaml").resolved()
        let fail = try PipelineParser.parse(text: pipeline("fail"), path: "/p/p.yaml").resolved()
        let skip = try PipelineParser.parse(text: pipeline("skip"), path: "/p/p.yaml").resolved()
        #expect(omitted.missing == .fail && skip.missing == .skip)
        #expect(fail.canonicalJSON == omitted.canonicalJSON && !omitted.canonicalJSON.contains("missing"))
        #expect(skip.canonicalJSON.contains(#""missing":"skip""#))
        #expect(skip.pipelineHash != omitted.pipelineHash && skip.processingHash == omitted.processingHash)
    }

    @Test func unknownValueIsRefused() throws {
        #expect {
            try PipelineParser.parse(text: pipeline("ignore"), path: "/p/p.yaml")
        } throws: { error in
            (error as? PipelineIssues)?.lines().contains { $0.contains("input.missing") && $0.contains("fail, skip") } == true
        }
    }
}

/// `input.align` and `input.tolerance` (issue 16 item 2): the defaults (`check`; 1e-3 mm, 1e-4), written out or
/// not, keep a pipeline's JSON and both hashes; other values enter `canonicalJSON`, `pipelineHash` and
/// `processingHash` (they decide what is written, and which cases pass).
@Suite struct GridInputKeysTests {
    func pipeline(_ lines: [String]) throws -> ResolvedPipeline {
        let text = "version: 1\nname: g\ninput:\n  directory: in\n" + lines.map { "  \($0)\n" }.joined()
            + "stages:\n  - normalize: {method: instance}\noutput: {directory: out}\n"
        return try PipelineParser.parse(text: text, path: "/p/p.yaml").resolved()
    }

    @Test func defaultsKeepHashesAndSetValuesAreRecorded() throws {
        let omitted = try pipeline([])
        let spelled = try pipeline(["align: check", "tolerance: {mm: 0.001, direction: 0.0001}"])
        #expect(spelled.canonicalJSON == omitted.canonicalJSON && spelled.processingHash == omitted.processingHash)
        #expect(!omitted.canonicalJSON.contains("align") && !omitted.canonicalJSON.contains("tolerance"))
        #expect(omitted.align == .check && omitted.gridTolerance == .standard)

        let resample = try pipeline(["align: resample"])
        #expect(resample.canonicalJSON.contains(#""align":"resample""#))
        #expect(resample.pipelineHash != omitted.pipelineHash && resample.processingHash != omitted.processingHash)

        let loose = try pipeline(["tolerance: {mm: 0.5}"])
        #expect(loose.gridTolerance == GridTolerance(translationMM: 0.5, direction: 1e-4))
        #expect(loose.canonicalJSON.contains(#""tolerance":{"direction":0.0001,"mm":0.5}"#))
        #expect(loose.pipelineHash != omitted.pipelineHash && loose.processingHash != omitted.processingHash)
    }

    @Test func badValuesAreRefused() throws {
        #expect {
            try pipeline(["align: nearest", "tolerance: {mm: -1, direction: 1.0e-3, shift: 2}"])
        } throws: { error in
            let lines = (error as? PipelineIssues)?.lines() ?? []
            return lines.count == 3
                && lines.contains { $0.hasSuffix("found 'nearest' for input.align, expected one of: check, resample") }
                && lines.contains { $0.hasSuffix("found input.tolerance.mm -1.0, expected a number ≥ 0") }
                && lines.contains { $0.hasSuffix("found unknown key 'shift' in input.tolerance, expected one of: mm, direction") }
        }
    }
}

/// `input.case_id` and `input.case_id_salt_file` (issue 18 item 8): `readable`, written out or not, keeps a
/// pipeline's JSON; `hashed` enters `canonicalJSON` and `pipelineHash` but not `processingHash` (ids name the
/// outputs, they do not change them); neither the salt file's path nor the salt is in any of them.
@Suite struct CaseIDInputKeysTests {
    func pipeline(_ lines: [String], path: String = "/p/p.yaml") throws -> ResolvedPipeline {
        let text = "version: 1\nname: g\ninput:\n  directory: in\n" + lines.map { "  \($0)\n" }.joined()
            + "stages:\n  - normalize: {method: instance}\noutput: {directory: out}\n"
        return try PipelineParser.parse(text: text, path: path).resolved()
    }

    @Test func hashedIsRecordedWithoutTheSalt() throws {
        let omitted = try pipeline([])
        let spelled = try pipeline(["case_id: readable"])
        #expect(spelled.canonicalJSON == omitted.canonicalJSON && !omitted.canonicalJSON.contains("case_id"))
        let hashed = try pipeline(["case_id: hashed", "case_id_salt_file: secret/salt.txt"])
        #expect(hashed.caseID == .hashed && hashed.caseIDSaltFile == "/p/secret/salt.txt")
        #expect(hashed.canonicalJSON.contains(#""case_id":"hashed""#) && !hashed.canonicalJSON.contains("salt"))
        #expect(hashed.pipelineHash != omitted.pipelineHash && hashed.processingHash == omitted.processingHash)
        let moved = try pipeline(["case_id: hashed", "case_id_salt_file: elsewhere/salt"])
        #expect(moved.pipelineHash == hashed.pipelineHash)
    }

    @Test func saltFileGoesWithHashed() throws {
        #expect {
            try pipeline(["case_id: hashed"])
        } throws: { error in
            let lines = (error as? PipelineIssues)?.lines() ?? []
            return lines == ["/p/p.yaml:5:12: found case_id: hashed without input.case_id_salt_file, expected "
                + "input.case_id_salt_file: the path of a file holding a secret salt (kept out of the pipeline file and "
                + "the output directory; e.g. `openssl rand -hex 32 > salt.txt`)"]
        }
        #expect {
            try pipeline(["case_id: salted", "case_id_salt_file: s"])
        } throws: { error in
            ((error as? PipelineIssues)?.lines() ?? []).contains { $0.hasSuffix("found 'salted' for input.case_id, expected one of: readable, hashed") }
        }
        #expect {
            try pipeline(["case_id_salt_file: s"])
        } throws: { error in
            ((error as? PipelineIssues)?.lines() ?? []) == ["/p/p.yaml:5:22: found input.case_id_salt_file without case_id: hashed, expected case_id: hashed, or no salt file"]
        }
    }
}
