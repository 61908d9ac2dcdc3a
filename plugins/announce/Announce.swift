public import LaurelCore

/// Announces the campaign to its audience: the launch (phát động) that opens every movement.
public enum Announce: StepPlugin {
    public static let kind = "announce"
    public static let summary = "Announces the campaign to the units or people it is for, then completes."

    public static let audience = ParameterSpec(
        "audience", .text, required: true,
        summary: "Who receives the announcement: a level of units or a named group.",
        example: "audience: grassroots-unions")
    public static let message = ParameterSpec(
        "message", .text,
        summary: "The text of the announcement; the campaign's title when absent.",
        example: "message: \"Phát động phong trào Sáng kiến, sáng tạo Thủ đô\"")
    public static let channels = ParameterSpec(
        "channels", .list(.choice(["notice", "email", "sms", "webhook"]), minimumCount: 1),
        default: .list([.text("notice")]),
        summary: "Where the announcement is published.",
        example: "channels: [notice, email]")

    public static let parameters = [audience, message, channels]
    public static let outcomes = [OutcomeSpec("announced", summary: "The announcement was sent.")]
}
