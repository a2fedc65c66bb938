import Foundation
import Testing

/// The module layout as ARCHITECTURE.md states it: every module imports only what comes before it in the flow
/// decode → transform → normalize → write → report (the pipeline engine composes them, the CLI sits on top), the
/// README's layout table names every module, and Package.swift has no unsafe flags (the library products stay
/// usable as versioned dependencies).
@Suite struct ModuleEdgeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let system: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch"]

    /// What each Swift module may import besides the system modules; nil allows anything (the executables).
    static let allowed: [String: Set<String>?] = [
        "MedPrepCore": ["CLinuxFile"],
        "MedPrepCodecs": ["MedPrepCore", "CZlib", "CDeflate", "CNIfTI", "COpenJPEG"],
        "MedPrepDecode": ["MedPrepCore", "MedPrepCodecs", "PNGShim", "TIFFShim", "CTIFF", "CDICOMShim", "CNIfTI", "CZlib", "CDeflate"],
        "MedPrepTransform": ["MedPrepCore"],
        "MedPrepNormalize": ["MedPrepCore"],
        "MedPrepWrite": ["MedPrepCore", "MedPrepCodecs", "CLinuxFile"],
        "MedPrepReport": ["MedPrepCore", "MedPrepCodecs", "MedPrepNormalize"],
        "MedPrepPipeline": ["MedPrepCore", "MedPrepCodecs", "MedPrepDecode", "MedPrepTransform", "MedPrepNormalize",
                            "MedPrepWrite", "MedPrepReport", "Yams", "CYaml", "GRDB", "GRDBSQLite", "COpenSSL", "CXXHash"],
        "medprep": nil,
    ]

    /// Swift modules under Sources/ (directories holding .swift files).
    static func swiftModules() throws -> [String: [URL]] {
        let sources = root.appendingPathComponent("Sources")
        var modules: [String: [URL]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            let directory = sources.appendingPathComponent(name)
            let files = (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".swift") }.map { directory.appendingPathComponent($0) }
            if !files.isEmpty { modules[name] = files }
        }
        return modules
    }

    static func imports(of file: URL) throws -> Set<String> {
        let text = try String(contentsOf: file, encoding: .utf8)
        var found = Set<String>()
        for line in text.split(separator: "\n") {
            let modifiers: Set<String> = ["internal", "public", "package", "private", "fileprivate"]
            let words = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("@") && !modifiers.contains($0) }
            if words.count >= 2, words[0] == "import" { found.insert(words[1].split(separator: ".").first.map(String.init) ?? words[1]) }
        }
        return found
    }

    @Test func everyModuleImportsOnlyWhatPrecedesItInTheFlow() throws {
        let modules = try Self.swiftModules()
        #expect(Set(modules.keys) == Set(Self.allowed.keys), "a new module needs its line in `allowed` and in ARCHITECTURE.md")
        for (module, files) in modules {
            guard let entry = Self.allowed[module], let permitted = entry else { continue }
            for file in files {
                let extra = try Self.imports(of: file).subtracting(permitted).subtracting(Self.system)
                #expect(extra.isEmpty, "\(module)/\(file.lastPathComponent) imports \(extra.sorted())")
            }
        }
    }

    @Test func readmeLayoutTableNamesEveryModule() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## Layout of the code") else {
            Issue.record("README.md has no 'Layout of the code' section")
            return
        }
        let section = readme[start.upperBound...].prefix { _ in true }
        let table = section.components(separatedBy: "\n## ").first ?? ""
        for module in try Self.swiftModules().keys {
            #expect(table.contains("`\(module)`"), "README's layout table does not name \(module)")
        }
        let architecture = try String(contentsOf: Self.root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        for module in try Self.swiftModules().keys where module.hasPrefix("MedPrep") {
            #expect(architecture.contains("`\(module)`"), "ARCHITECTURE.md does not name \(module)")
        }
    }

    @Test func packageHasNoUnsafeFlags() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(!manifest.contains("unsafeFlags"))
    }
}
