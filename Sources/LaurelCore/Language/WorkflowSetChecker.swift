/// Checks workflows that run beside one another, the files of one folder, for what no single
/// file shows: two files with one `id:` (which would the daemon start?), and steps that name
/// another workflow (a cascade's children) that is missing or does not fit.
///
/// `laurel validate` runs it over the files it checks and those beside them; the daemon runs it
/// over its folder before it records a version. It does no I/O.
public struct WorkflowSetChecker: Sendable {
    public let registry: PluginRegistry

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// Diagnostics for the workflows of `set` (every one validated without errors), reported only
    /// for those `reportFor` names by file (all when nil).
    public func check(_ set: [(workflow: Workflow, file: String)], reportFor files: Set<String>? = nil) -> [Diagnostic]
    {
        var diagnostics: [Diagnostic] = []
        var byID: [String: [(workflow: Workflow, file: String)]] = [:]
        for item in set { byID[item.workflow.id, default: []].append(item) }
        for (id, items) in byID where items.count > 1 {
            for item in items where files?.contains(item.file) ?? true {
                let others = items.filter { $0.file != item.file }
                diagnostics.append(
                    Diagnostic(
                        .error, .duplicateID,
                        "the workflow id '\(id)' is also the id of \(others.map(\.file).joined(separator: ", ")); the daemon cannot tell which to start",
                        at: item.workflow.idLocation,
                        notes: others.map { .init("the other file with this id", at: $0.workflow.idLocation) }
                            + [.init("give each campaign its own id, or move the copy out of the folder")]))
            }
        }
        // A duplicated id names no one workflow, so only unique ids are offered to the steps.
        let catalog = WorkflowCatalog(
            workflows: byID.compactMapValues { $0.count == 1 ? $0[0].workflow : nil }, registry: registry)
        for item in set where files?.contains(item.file) ?? true {
            for state in item.workflow.states {
                guard let step = state.step, let plugin = registry.plugin(kind: step.kind.value) else { continue }
                for problem in plugin.check(step.parameters, beside: catalog) {
                    let location =
                        problem.path.first.flatMap { step.parameters.locations[$0] }
                        ?? step.parametersLocation ?? step.kind.location
                    diagnostics.append(Diagnostic(problem.severity, .invalidParameter, problem.message, at: location))
                }
            }
        }
        return diagnostics.sortedByLocation()
    }
}
