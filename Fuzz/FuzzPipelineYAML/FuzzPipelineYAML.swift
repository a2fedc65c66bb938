import MedPrepPipeline

/// libFuzzer entry point: validates the input as pipeline YAML text with `PipelineParser.validate(text:path:)`
/// (Yams parsing, node reading, stage and normalize parameter checks), without touching the file system.
/// Returned issues are accepted outcomes; a crash, sanitizer report or hang is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = PipelineParser.validate(text: text, path: "/fuzz/pipeline.yaml")
    return 0
}
