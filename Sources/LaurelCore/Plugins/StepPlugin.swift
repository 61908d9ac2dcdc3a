/// An outcome a step can end with; `on:` keys name them.
public struct OutcomeSpec: Sendable {
    public var name: String
    public var summary: String

    public init(_ name: String, summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// A value a step reports with its outcome, readable in `if:` as `outcome.NAME`.
public struct OutcomeValueSpec: Sendable {
    public var name: String
    public var type: ValueType
    public var summary: String

    public init(_ name: String, _ type: ValueType, summary: String) {
        self.name = name
        self.type = type
        self.summary = summary
    }
}

/// What a step's own checks may know of the workflow around it.
public struct StepCheckContext: Sendable {
    /// Members of each council, by council name.
    public var councilMembers: [String: [String]]
    public var timeZone: String
    /// The metrics defined under `metrics:` and the inputs under `inputs:`, by name.
    public var metricNames: [String]
    public var inputNames: [String]
    /// The inputs of type `unit` (at most one): the unit a campaign runs for.
    public var unitInputNames: [String]

    public init(
        councilMembers: [String: [String]], timeZone: String, metricNames: [String] = [], inputNames: [String] = [],
        unitInputNames: [String] = []
    ) {
        self.councilMembers = councilMembers
        self.timeZone = timeZone
        self.metricNames = metricNames
        self.inputNames = inputNames
        self.unitInputNames = unitInputNames
    }
}

/// A problem a step's own checks found, pointing at one of its parameters by name.
public struct StepProblem: Sendable, Hashable {
    public var severity: Severity
    public var message: String
    /// The parameter the problem is about, as a path into records and lists ("tiers", "2", "count");
    /// empty for the step as a whole.
    public var path: [String]

    public init(_ message: String, at path: [String] = [], severity: Severity = .error) {
        self.severity = severity
        self.message = message
        self.path = path
    }
}

/// A type that provides one kind of step for workflow states (`step: phase-target`).
///
/// A plugin declares everything the validator, the schema and the docs need: its `kind`, its
/// parameters, the outcomes it ends with and the values it reports. It never touches the store
/// or the clock; messages are plain text, and the validator adds the file, line and column.
public protocol StepPlugin {
    /// The name written after `step:`; stable, because workflow files and event logs store it.
    static var kind: String { get }
    /// One sentence for `laurel plugins` and the docs.
    static var summary: String { get }
    static var parameters: [ParameterSpec] { get }
    static var outcomes: [OutcomeSpec] { get }
    static var outcomeValues: [OutcomeValueSpec] { get }
    /// Checks across parameters that single declarations cannot say; runs after every parameter
    /// has decoded.
    static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem]
    /// Checks against the other workflows that run beside this one (the files of its folder),
    /// for a step that names one (a cascade's children). Runs when a folder is validated and when
    /// the daemon reads its folder.
    static func check(_ parameters: ParameterValues, beside workflows: WorkflowCatalog) -> [StepProblem]
    /// Whether the step chooses entries: records a result on those it keeps (a review's passed, a
    /// nomination, a ballot's approved) or gives awards. A cascade's child reports up what its
    /// steps chose, so a child without such a step reports nothing.
    static var choosesEntries: Bool { get }
    /// When `enter` or `handle` reads the campaign's entries themselves (`context.entries`
    /// beyond its `count` and `kinds`). Where a step does not, it runs on a campaign whose
    /// entries were not read from the store, so a submission into a campaign of a million
    /// entries reads none of them (docs/architecture.md, "Campaigns of any size").
    /// `.always` unless declared.
    static var readsEntries: EntryReading { get }
}

extension StepPlugin {
    public static var outcomeValues: [OutcomeValueSpec] { [] }
    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] { [] }
    public static func check(_ parameters: ParameterValues, beside workflows: WorkflowCatalog) -> [StepProblem] { [] }
    public static var choosesEntries: Bool { false }
    public static var readsEntries: EntryReading { .always }
}

/// The workflows that run beside one another (the files of a folder), by id, with the plugin
/// registry: what a step's checks across workflows may read.
public struct WorkflowCatalog: Sendable {
    public var workflows: [String: Workflow]
    public var registry: PluginRegistry

    public init(workflows: [String: Workflow], registry: PluginRegistry) {
        self.workflows = workflows
        self.registry = registry
    }

    /// Whether any state of the workflow runs a step that chooses entries (``StepPlugin/choosesEntries``).
    public func choosesEntries(_ workflow: Workflow) -> Bool {
        workflow.states.contains { state in
            state.step.flatMap { registry.plugin(kind: $0.kind.value) }?.choosesEntries ?? false
        }
    }
}

/// When a step reads the campaign's entries themselves (``StepPlugin/readsEntries``).
public enum EntryReading: Sendable {
    /// Never: the step needs at most the entries' count and kinds (a phase's target, a notice).
    case never
    /// In `handle` only: the step opens on the entries' count and kinds (a review arms its
    /// window) and reads the entries when an input or one of its timers arrives.
    case whenHandling
    /// In `enter` and in `handle` (a ranking, a screening, the awards).
    case always
}
