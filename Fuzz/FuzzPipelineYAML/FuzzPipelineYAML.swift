import MedPrepPipeline

/// libFuzzer entry point: the input's bytes go through the strict UTF-8 check of pipeline files
/// (`PipelineFile.text(of:path:)`), then — valid or repaired — through `PipelineParser.validate(text:path:)`
/// (size cap, the libyaml event scan for anchors, aliases and the node cap, Yams composing, node reading, stage
/// and normalize parameter checks), without touching the file system.
/// Thrown errors and returned issues are accepted outcomes; a crash, sanitizer report or hang is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = (try? PipelineFile.text(of: Array(bytes), path: "/fuzz/pipeline.yaml"))
        ?? String(decoding: bytes, as: UTF8.self)
    _ = PipelineParser.validate(text: text, path: "/fuzz/pipeline.yaml")
    return 0
}
