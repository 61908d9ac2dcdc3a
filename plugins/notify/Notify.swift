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
        switch MessageTemplate.parse(text) {
        case .failure(let problem):
            return [StepProblem(problem.message, at: ["message"])]
        case .success(let template):
            var problems: [StepProblem] = []
            for part in template.parts {
                switch part {
                case .metric(let name) where !context.metricNames.contains(name):
                    problems.append(StepProblem("the message reads '{metrics.\(name)}', but there is no metric '\(name)'\(Suggestions.didYouMean(name, in: context.metricNames)); metrics are defined under 'metrics:'",
                                                at: ["message"]))
                case .input(let name) where !context.inputNames.contains(name):
                    problems.append(StepProblem("the message reads '{inputs.\(name)}', but there is no input '\(name)'\(Suggestions.didYouMean(name, in: context.inputNames)); inputs are defined under 'inputs:'",
                                                at: ["message"]))
                default:
                    break
                }
            }
            return problems
        }
    }
}

/// A message with `{...}` places filled in when it is sent.
public struct MessageTemplate: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case metric(String)
        case input(String)
        case entryCount
        case title
    }

    public var parts: [Part]

    /// Why a message cannot be read, in words an administrator can act on.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
    }

    /// Parses `text`.
    public static func parse(_ text: String) -> Result<MessageTemplate, Problem> {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<brace]
            let after = rest.index(after: brace)
            if rest[brace] == "}" {
                guard after < rest.endIndex, rest[after] == "}" else {
                    return .failure(Problem(message: "the message has a '}' that closes nothing; write '}}' for a brace"))
                }
                literal += "}"
                rest = rest[rest.index(after: after)...]
                continue
            }
            if after < rest.endIndex, rest[after] == "{" {
                literal += "{"
                rest = rest[rest.index(after: after)...]
                continue
            }
            guard let close = rest[after...].firstIndex(of: "}") else {
                return .failure(Problem(message: "the message opens '{' without closing it; write '{{' for a brace"))
            }
            let name = String(rest[after..<close]).trimmingSpaces
            let part: Part
            if name == "entries" {
                part = .entryCount
            } else if name == "title" {
                part = .title
            } else if name.hasPrefix("metrics."), name.count > 8 {
                part = .metric(String(name.dropFirst(8)))
            } else if name.hasPrefix("inputs."), name.count > 7 {
                part = .input(String(name.dropFirst(7)))
            } else {
                return .failure(Problem(message: "the message reads '{\(name)}'; a message can fill in {metrics.NAME}, {inputs.NAME}, {entries} and {title}"))
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(part)
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        return .success(MessageTemplate(parts: parts))
    }

    /// The message with its places filled in: whole numbers grouped by thousands (50,000).
    public func render(title: String, context: StepContext) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal): text += literal
            case .metric(let name): text += Self.number(context.metrics[name] ?? 0)
            case .input(let name):
                switch context.inputs[name] {
                case .number(let value)?: text += Self.number(value)
                case .instant(let instant)?: text += context.calendar.format(instant)
                case let value?: text += value.description
                case nil: text += "-"
                }
            case .entryCount: text += Self.number(Double(context.entries.count))
            case .title: text += title
            }
        }
        return text
    }

    static func number(_ value: Double) -> String {
        guard value.rounded() == value, abs(value) < 1e15 else { return value.formattedForMessage }
        let whole = Int64(value)
        let digits = String(whole.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (whole < 0 ? "-" : "") + grouped
    }
}

extension Notify: RunnableStep {
    public struct Configuration: Sendable {
        var audiences: [String]
        var template: MessageTemplate
        var title: String
        var channels: [String]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar) -> Configuration {
        let template = (try? MessageTemplate.parse(parameters[message]?.text ?? "").get()) ?? MessageTemplate(parts: [])
        return Configuration(audiences: parameters[recipients]?.list?.compactMap(\.text) ?? [], template: template,
                             title: workflow.title, channels: parameters[channels]?.list?.compactMap(\.text) ?? ["notice"])
    }

    /// Sends one notice per audience and completes at once.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        let text = configuration.template.render(title: configuration.title, context: context)
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

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
