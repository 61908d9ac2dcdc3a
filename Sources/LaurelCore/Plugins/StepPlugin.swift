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

    public init(councilMembers: [String: [String]], timeZone: String, metricNames: [String] = [], inputNames: [String] = []) {
        self.councilMembers = councilMembers
        self.timeZone = timeZone
        self.metricNames = metricNames
        self.inputNames = inputNames
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
}

extension StepPlugin {
    public static var outcomeValues: [OutcomeValueSpec] { [] }
    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] { [] }
}
