public import LaurelCore

/// Sends a message to audiences: a reminder, the results to the level above, the close of a cycle.
public enum Notify: StepPlugin {
    public static let kind = "notify"
    /// Reads at most how many entries there are (``StepContext/entries``), never the entries.
    public static let readsEntries = EntryReading.never
    public static let summary =
        "Sends a message to one or more audiences through the outbox the daemon delivers, then completes."

    public static let recipients = ParameterSpec(
        "to", .list(.text, minimumCount: 1), required: true,
        summary:
            "Who receives the message: audiences such as organisers, grassroots-unions, level-above or council:NAME; one notice each.",
        example: "to: [organisers, level-above]")
    public static let message = ParameterSpec(
        "message", .text, required: true,
        summary:
            "The text. `{metrics.NAME}`, `{inputs.NAME}`, `{entries}` (entries in the campaign) and `{title}` are filled in when it is sent; `{{` writes a brace.",
        example: "message: \"Đã nhận {metrics.initiatives} sáng kiến\"")
    public static let channels = ParameterSpec(
        "channels", .list(.choice(["notice", "email", "sms", "webhook"]), minimumCount: 1),
        default: .list([.text("notice")]),
        summary: "Where the message is published; the daemon's sinks deliver each channel.",
        example: "channels: [notice, email]")

    public static let parameters = [recipients, message, channels]
    public static let outcomes = [
        OutcomeSpec("sent", summary: "The message went to the outbox, one notice per audience.")
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("audiences", .number, summary: "How many audiences it went to.")
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        guard let text = parameters[message]?.text else { return [] }
        return MessageTemplate.problems(text, context: context).map { StepProblem($0, at: ["message"]) }
    }
}

extension Notify: RunnableStep {
    public struct Configuration: Sendable {
        var audiences: [String]
        var template: MessageTemplate
        var title: String
        var channels: [String]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        Configuration(
            audiences: parameters[recipients]?.list?.compactMap(\.text) ?? [],
            template: MessageTemplate(parameters[message]?.text ?? ""),
            title: workflow.title, channels: parameters[channels]?.list?.compactMap(\.text) ?? ["notice"])
    }

    /// Sends one notice per audience and completes at once.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        let text = configuration.template.render(context, title: configuration.title)
        var reaction = StepReaction.end(
            "sent", values: ["audiences": .number(Double(configuration.audiences.count))],
            memory: NoMemory())
        reaction.effects = configuration.audiences.map {
            .notify(audience: $0, message: text, channels: configuration.channels)
        }
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: NoMemory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<NoMemory> {
        .refuse("the message has already been sent", memory: memory)
    }
}
