public import LaurelCore

/// Announces the campaign to its audience: the launch (phát động) that opens every movement.
public enum Announce: StepPlugin {
    public static let kind = "announce"
    /// Reads at most how many entries there are (``StepContext/entries``), never the entries.
    public static let readsEntries = EntryReading.never
    public static let summary = "Announces the campaign to the units or people it is for, then completes."

    public static let audience = ParameterSpec(
        "audience", .text, required: true,
        summary: "Who receives the announcement: a level of units or a named group.",
        example: "audience: grassroots-unions")
    public static let message = ParameterSpec(
        "message", .text,
        summary:
            "The text of the announcement; the campaign's title when absent. It fills in {metrics.NAME}, {inputs.NAME}, {entries} and {title} as notify does.",
        example: "message: \"Phát động phong trào Sáng kiến, sáng tạo Thủ đô\"")
    public static let channels = ParameterSpec(
        "channels", .list(.choice(["notice", "email", "sms", "webhook"]), minimumCount: 1),
        default: .list([.text("notice")]),
        summary: "Where the announcement is published.",
        example: "channels: [notice, email]")

    public static let parameters = [audience, message, channels]
    public static let outcomes = [OutcomeSpec("announced", summary: "The announcement was sent.")]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        guard let text = parameters[message]?.text else { return [] }
        return MessageTemplate.problems(text, context: context).map { StepProblem($0, at: ["message"]) }
    }
}

extension Announce: RunnableStep {
    public struct Configuration: Sendable {
        var audience: String
        var message: MessageTemplate
        var title: String
        var channels: [String]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        // Without a message the title is sent as it is written, braces and all.
        let text = parameters[message]?.text.map { MessageTemplate($0) } ?? MessageTemplate(literal: workflow.title)
        return Configuration(
            audience: parameters[audience]?.text ?? "", message: text, title: workflow.title,
            channels: parameters[channels]?.list?.compactMap(\.text) ?? ["notice"])
    }

    /// Sends the announcement and completes at once.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        var reaction = StepReaction.end("announced", memory: NoMemory())
        reaction.effects = [
            .notify(
                audience: configuration.audience,
                message: configuration.message.render(context, title: configuration.title),
                channels: configuration.channels)
        ]
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: NoMemory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<NoMemory> {
        .refuse("the announcement has already been sent", memory: memory)
    }
}
