public import LaurelCore

/// A step for engine tests that need no real plugin: it counts the entries it is handed, ends
/// with `counted` when `signal: NAME` is sent (the `send:` of a state timer or a command), or
/// with `expired` at its `within:` duration. `TestStep.registry` holds it alone.
public enum TestStep: StepPlugin {
    public static let kind = "test-step"
    public static let summary = "Counts entries; ends on a signal, or when its time is up."

    public static let signal = ParameterSpec(
        "signal", .text, required: true, summary: "The event that ends the step.", example: "signal: finish")
    public static let within = ParameterSpec(
        "within", .duration, summary: "How long the step waits before it expires.", example: "within: P2D")

    public static let parameters = [signal, within]
    public static let outcomes = [
        OutcomeSpec("counted", summary: "The signal came."),
        OutcomeSpec("expired", summary: "The time was up first."),
    ]
    public static let outcomeValues = [OutcomeValueSpec("entries", .number, summary: "How many entries it was handed.")]

    /// A workflow around the step: ideas are collected after a launch; `finish` (sent by hand or
    /// a day after the launch) ends the step with `counted`, two days end it with `expired`.
    public static let workflow = """
        laurel: 1
        id: core
        title: Core
        timezone: Asia/Ho_Chi_Minh
        entries:
          idea:
            fields:
              title: { type: text, required: true }
        events:
          launch: { by: admin }
          finish: { by: admin }
        initial: draft
        states:
          draft:
            on: { launch: collecting }
          collecting:
            accepts: [idea]
            step: test-step
            with: { signal: finish, within: P2D }
            timers:
              - after: P1D
                send: finish
            on:
              counted: counted
              expired: expired
          counted: { final: true }
          expired: { final: true }
        """

    /// The registry of engine tests: this step alone.
    public static let registry: PluginRegistry = {
        do {
            return try PluginRegistry([TestStep.self])
        } catch {
            preconditionFailure("\(error)")
        }
    }()
}

extension TestStep: RunnableStep {
    public struct Configuration: Sendable {
        var signal: String
        var within: ISODuration?
    }

    public struct Memory: StepMemory {
        public var entries = 0

        public init(entries: Int = 0) {
            self.entries = entries
        }
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        Configuration(signal: parameters[signal]?.text ?? "", within: parameters[within]?.duration)
    }

    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        var reaction = StepReaction(memory: Memory())
        if let within = configuration.within {
            reaction.timers = [("expiry", context.calendar.adding(within, to: context.now))]
        }
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration, context: StepContext
    ) -> StepReaction<Memory> {
        var memory = memory
        switch input {
        case .entry(let entry):
            // It reads the campaign's entries (as a step does unless it declares otherwise): the
            // entries of the kind handed, the new one with them.
            memory.entries = context.entries.filter { $0.kind == entry.kind }.count
            return StepReaction(memory: memory)
        case .signal(let name) where name == configuration.signal:
            return .end("counted", values: ["entries": .number(Double(memory.entries))], memory: memory)
        case .timer("expiry"):
            return .end("expired", values: ["entries": .number(Double(memory.entries))], memory: memory)
        case .withdrawn:
            memory.entries -= 1
            return StepReaction(memory: memory)
        case .metricChanged:
            return StepReaction(memory: memory)
        default:
            return .refuse("test-step takes entries and the signal '\(configuration.signal)'", memory: memory)
        }
    }
}
