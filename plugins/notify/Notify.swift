public import LaurelCore

/// Sends a message to audiences: a reminder, the results to the level above, the close of a cycle.
public enum Notify: StepPlugin {
    public static let kind = "notify"
    public static let summary =
        "Sends a message to one or more audiences through the outbox the daemon delivers, then completes."

    public static let recipients = ParameterSpec(
        "to", .list(.text, minimumCount: 1), required: true,
        summary: "Who receives the message: audiences such as organisers, grassroots-unions, level-above or council:NAME; one notice each.",
        example: "to: [organisers, level-above]")
    public static let message = ParameterSpec(
        "message", .text, required: true,
        summary: "The text. `{metrics.NAME}`, `{inputs.NAME}`, `{entries}` (entries in the campaign) and `{title}` are filled in when it is sent; `{{` writes a brace.",
        example: "message: \"Đã nhận {metrics.initiatives} sáng kiến\"")
    public static let channels = ParameterSpec(
        "channels", .list(.choice(["notice", "email", "sms", "webhook"]), minimumCount: 1),
        default: .list([.text("notice")]),
        summary: "Where the message is published; the daemon's sinks deliver each channel.",
        example: "channels: [notice, email]")

    public static let parameters = [recipients, message, channels]
    public static let outcomes = [OutcomeSpec("sent", summary: "The message went to the outbox, one notice per audience.")]
    public static let outcomeValues = [OutcomeValueSpec("audiences", .number, summary: "How many audiences it went to.")]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        guard let text = parameters[message]?.text else { return [] }
        switch TextTemplate.parse(text, what: "the message") {
        case .failure(let problem):
            return [StepProblem(problem.message, at: ["message"])]
        case .success(let template):
            var problems: [StepProblem] = []
            for place in template.places {
                switch Place(place) {
                case .metric(let name) where !context.metricNames.contains(name):
                    problems.append(StepProblem("the message reads '{metrics.\(name)}', but there is no metric '\(name)'\(Suggestions.didYouMean(name, in: context.metricNames)); metrics are defined under 'metrics:'",
                                                at: ["message"]))
                case .input(let name) where !context.inputNames.contains(name):
                    problems.append(StepProblem("the message reads '{inputs.\(name)}', but there is no input '\(name)'\(Suggestions.didYouMean(name, in: context.inputNames)); inputs are defined under 'inputs:'",
                                                at: ["message"]))
                case nil:
                    problems.append(StepProblem("the message reads '{\(place)}'; a message can fill in {metrics.NAME}, {inputs.NAME}, {entries} and {title}",
                                                at: ["message"]))
                default:
                    break
                }
            }
            return problems
        }
    }
}

/// What a place of a message may hold.
enum Place {
    case metric(String)
    case input(String)
    case entryCount
    case title

    init?(_ name: String) {
        if name == "entries" {
            self = .entryCount
        } else if name == "title" {
            self = .title
        } else if name.hasPrefix("metrics."), name.count > 8 {
            self = .metric(String(name.dropFirst(8)))
        } else if name.hasPrefix("inputs."), name.count > 7 {
            self = .input(String(name.dropFirst(7)))
        } else {
            return nil
        }
    }
}

extension Notify: RunnableStep {
    public struct Configuration: Sendable {
        var audiences: [String]
        var template: TextTemplate
        var title: String
        var channels: [String]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar) -> Configuration {
        let template = (try? TextTemplate.parse(parameters[message]?.text ?? "").get()) ?? TextTemplate(parts: [])
        return Configuration(audiences: parameters[recipients]?.list?.compactMap(\.text) ?? [], template: template,
                             title: workflow.title, channels: parameters[channels]?.list?.compactMap(\.text) ?? ["notice"])
    }

    /// The message with its places filled in: whole numbers grouped by thousands (50,000).
    static func render(_ configuration: Configuration, _ context: StepContext) -> String {
        configuration.template.render { name in
            switch Place(name) {
            case .metric(let metric): return TextTemplate.number(context.metrics[metric] ?? 0)
            case .input(let input):
                switch context.inputs[input] {
                case .number(let value)?: return TextTemplate.number(value)
                case .instant(let instant)?:
                    // A date input (a cycle's start) is midnight: write the date alone.
                    let (date, time) = context.calendar.local(instant)
                    return time.hour == 0 && time.minute == 0 && time.second == 0 ? "\(date)" : context.calendar.format(instant)
                case let value?: return value.description
                case nil: return "-"
                }
            case .entryCount: return TextTemplate.number(Double(context.entries.count))
            case .title: return configuration.title
            case nil: return "{\(name)}"
            }
        }
    }

    /// Sends one notice per audience and completes at once.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        let text = render(configuration, context)
        var reaction = StepReaction.end("sent", values: ["audiences": .number(Double(configuration.audiences.count))],
                                        memory: NoMemory())
        reaction.effects = configuration.audiences.map { .notify(audience: $0, message: text, channels: configuration.channels) }
        return reaction
    }

    public static func handle(_ input: StepInput, memory: NoMemory, configuration: Configuration,
                              context: StepContext) -> StepReaction<NoMemory> {
        .refuse("the message has already been sent", memory: memory)
    }
}
