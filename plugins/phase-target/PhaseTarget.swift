public import LaurelCore

/// A phase (giai đoạn) with a numeric target that entries count towards and a deadline.
public enum PhaseTarget: StepPlugin {
    public static let kind = "phase-target"
    /// Reads at most how many entries there are (``StepContext/entries``), never the entries.
    public static let readsEntries = EntryReading.never
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
        "until", .deadline,
        summary:
            "The deadline; a date alone means the end of that day in the workflow's time zone. Give this or `window`.",
        example: "until: 2022-05-31")
    public static let window = ParameterSpec(
        "window", .duration,
        summary: "How long the phase lasts from entering its state, instead of a fixed deadline. Give this or `until`.",
        example: "window: P14D")
    public static let endEarly = ParameterSpec(
        "end-early", .boolean, default: .boolean(true),
        summary: "Whether reaching the target ends the phase at once; when false the phase runs to its deadline.",
        example: "end-early: false")

    public static let parameters = [metric, target, until, window, endEarly]
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

extension PhaseTarget {
    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        switch (parameters[until], parameters[window]) {
        case (nil, nil):
            return [StepProblem("a phase needs a deadline: give 'until' (a date) or 'window' (a duration like P14D)")]
        case (.some, .some):
            return [StepProblem("give 'until' or 'window', not both", at: ["window"])]
        default:
            return []
        }
    }
}

extension PhaseTarget: RunnableStep {
    public struct Configuration: Sendable {
        var metric: String
        var target: Double
        var deadline: Instant?
        var window: ISODuration?
        var endEarly: Bool
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        Configuration(
            metric: parameters[metric]?.text ?? "",
            target: parameters[target]?.number ?? 0,
            deadline: parameters[until]?.dateTime.map { calendar.instant($0, endOfDay: true) },
            window: parameters[window]?.duration,
            endEarly: parameters[endEarly]?.boolean ?? true)
    }

    public static func goal(_ configuration: Configuration, enteredAt: Instant, calendar: ZonedCalendar) -> StepGoal? {
        StepGoal(
            metric: configuration.metric, target: configuration.target,
            deadline: configuration.deadline ?? calendar.adding(configuration.window ?? ISODuration(), to: enteredAt),
            deadlineTimer: "deadline")
    }

    public static func adjusting(_ configuration: Configuration, target: Double?, deadline: Instant?) -> Configuration {
        var adjusted = configuration
        if let target { adjusted.target = target }
        if let deadline {
            adjusted.deadline = deadline
            adjusted.window = nil
        }
        return adjusted
    }

    static func values(_ configuration: Configuration, _ context: StepContext) -> [String: Value] {
        let value = context.metrics[configuration.metric] ?? 0
        return [
            "value": .number(value), "target": .number(configuration.target),
            "reached": .boolean(value >= configuration.target),
        ]
    }

    /// Arms the deadline; a target already met ends the phase at once when `end-early` holds.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        if configuration.endEarly, (context.metrics[configuration.metric] ?? 0) >= configuration.target {
            return .end("target-reached", values: values(configuration, context), memory: NoMemory())
        }
        var reaction = StepReaction(memory: NoMemory())
        let due =
            configuration.deadline
            ?? context.calendar.adding(configuration.window ?? ISODuration(), to: context.enteredAt)
        reaction.timers = [("deadline", due)]
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: NoMemory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<NoMemory> {
        switch input {
        case .metricChanged(let name) where name == configuration.metric:
            if configuration.endEarly, (context.metrics[name] ?? 0) >= configuration.target {
                return .end("target-reached", values: values(configuration, context), memory: memory)
            }
            return StepReaction(memory: memory)
        case .entry, .withdrawn, .metricChanged:
            return StepReaction(memory: memory)
        case .timer("deadline"):
            return .end("deadline", values: values(configuration, context), memory: memory)
        case .signal(let name):
            // A reminder from a state timer: tell the units how far the phase has come.
            var reaction = StepReaction(memory: memory)
            let value = context.metrics[configuration.metric] ?? 0
            reaction.effects = [
                .notify(
                    audience: "participants",
                    message:
                        "\(name): \(configuration.metric) \(value.formattedForMessage) of \(configuration.target.formattedForMessage)",
                    channels: ["notice"])
            ]
            return reaction
        case .timer(let name):
            return .refuse("phase-target has no timer '\(name)'", memory: memory)
        case .scores, .vote, .childClosed:
            return .refuse(
                "a phase collects entries; it takes no scores, votes or reports of child campaigns", memory: memory)
        }
    }

    /// Units report towards the target each week, at between 70% and 130% of the pace that
    /// reaches it on time, and submit an entry every fourth week: some phases end by their
    /// target, others by their deadline.
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        let day: Instant = 86_400
        let now = simulation.context.enteredAt
        let end = simulation.nextDue ?? now + 30 * day
        let weeks = max(1, Int((end - now) / (7 * day)))
        let needed = max(0, configuration.target - (simulation.context.metrics[configuration.metric] ?? 0))
        let pace = 0.7 + Double(simulation.random(upTo: 61)) / 100
        let perWeek = (needed * pace / Double(weeks)).rounded(.up)
        let kind = simulation.acceptedKinds.first
        var events: [TimedEvent] = []
        for week in 0..<weeks {
            let at = now + Instant(week) * 7 * day + Instant(simulation.random(upTo: Int(7 * day)))
            if let kind, week % 4 == 0, let entry = simulation.makeEntry(kind: kind) {
                events.append(TimedEvent(at: at, event: .submit(entry)))
            }
            events.append(TimedEvent(at: at + 1, event: .report(metric: configuration.metric, amount: perWeek)))
        }
        return events
    }
}
