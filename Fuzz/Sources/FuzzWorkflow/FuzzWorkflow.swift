import FuzzSupport
import LaurelCore
import LaurelPlugins

/// The shipped plugins, so step parameters are decoded and checked as in `laurel validate`.
let registry = BuiltInPlugins.registry

/// One input: the bytes as a workflow file, validated (loader, decoder, checker) and, when it
/// is valid, compiled into an engine and started, as the daemon would.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let result = WorkflowValidator(registry: registry).validate(
        inputBytes(data, size), file: "fuzz.yaml", now: 1_767_225_600)
    if let workflow = result.workflow, let engine = try? Engine(workflow: workflow, version: "fuzz", registry: registry)
    {
        _ = try? engine.start(id: "fuzz", at: 1_767_225_600)
    }
    return 0
}

@_cdecl("FuzzWorkflow_main")
public func fuzzWorkflowMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, LLVMFuzzerTestOneInput)
}
