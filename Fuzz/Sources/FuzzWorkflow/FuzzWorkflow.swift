import AnnouncePlugin
import AwardsCeremonyPlugin
import BallotPlugin
import CascadePlugin
import CouncilReviewPlugin
import LaurelCore
import NominatePlugin
import NotifyPlugin
import PhaseTargetPlugin
import ScreeningPlugin

/// The shipped plugins, so step parameters are decoded and checked as in `laurel validate`.
let registry = (try? PluginRegistry([
    Announce.self, AwardsCeremony.self, Ballot.self, Cascade.self, CouncilReview.self, Nominate.self, Notify.self,
    PhaseTarget.self, Screening.self,
])) ?? (try? PluginRegistry([]))!

/// One input: the bytes as a workflow file, validated (loader, decoder, checker) and, when it
/// is valid, compiled into an engine and started, as the daemon would.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let result = WorkflowValidator(registry: registry).validate(bytes, file: "fuzz.yaml", now: 1_767_225_600)
    if let workflow = result.workflow, let engine = try? Engine(workflow: workflow, version: "fuzz", registry: registry) {
        _ = try? engine.start(id: "fuzz", at: 1_767_225_600)
    }
    return 0
}

/// SwiftPM names an executable's entry `FuzzWorkflow_main`; libFuzzer's driver is called from it, so
/// the target links whether or not libFuzzer brings a `main` of its own.
@_cdecl("FuzzWorkflow_main")
public func FuzzWorkflowMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return LLVMFuzzerTestOneInput(data, size)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
