public import LaurelCore

/// A phase (giai đoạn) with a numeric target that entries count towards and a deadline.
public enum PhaseTarget: StepPlugin {
    public static let kind = "phase-target"
    public static let summary = "Collects entries until a metric reaches its target or the deadline passes."

    public static let metric = ParameterSpec(
        "metric", .metric, required: true,
        summary: "The metric, defined under `metrics:`, that counts towards the target.",
        example: "metric: initiatives")
    public static let target = ParameterSpec(
        "target", .integer(minimum: 1, maximum: nil), required: true,
        summary: "The value of the metric that completes the phase.",
        example: "target: 20000")
    public static let until = ParameterSpec(
        "until", .deadline, required: true,
        summary: "The deadline; a date alone means the end of that day in the workflow's time zone.",
        example: "until: 2022-05-31")
    public static let endEarly = ParameterSpec(
        "end-early", .boolean, default: .boolean(true),
        summary: "Whether reaching the target ends the phase at once; when false the phase runs to its deadline.",
        example: "end-early: false")

    public static let parameters = [metric, target, until, endEarly]
    public static let outcomes = [
        OutcomeSpec("target-reached", summary: "The metric reached the target before the deadline."),
        OutcomeSpec("deadline", summary: "The deadline passed; the metric may or may not have reached the target."),
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("value", .number, summary: "The metric's value when the phase ended."),
        OutcomeValueSpec("target", .number, summary: "The phase's target."),
        OutcomeValueSpec("reached", .boolean, summary: "Whether the value reached the target."),
    ]
}
