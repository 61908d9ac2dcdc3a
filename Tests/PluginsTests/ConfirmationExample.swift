public import LaurelCore

/// A council confirms: the step ends when enough members have confirmed, or at the deadline.
public enum Confirmation: StepPlugin {
    // Stable: workflow files and event logs store it. Never derive it from the type name.
    public static let kind = "confirmation"
    public static let summary = "Waits until enough council members confirm, or the deadline passes."
    /// It never reads the campaign's entries: a campaign of a million entries runs it without
    /// reading them from the store.
    public static let readsEntries = EntryReading.never

    public static let council = ParameterSpec(
        "council", .council, required: true,
        summary: "The council whose members confirm.", example: "council: board")
    public static let needed = ParameterSpec(
        "needed", .integer(minimum: 1, maximum: nil), required: true,
        summary: "How many members must confirm.", example: "needed: 3")
    public static let until = ParameterSpec(
        "until", .deadline, required: true,
        summary: "The deadline; a date alone means the end of that day.", example: "until: 2024-06-30")

    public static let parameters = [council, needed, until]
    public static let outcomes = [
        OutcomeSpec("confirmed", summary: "Enough members confirmed."),
        OutcomeSpec("expired", summary: "The deadline passed first."),
    ]
    public static let outcomeValues = [OutcomeValueSpec("confirmations", .number, summary: "How many confirmed.")]

    // Checks that single parameters cannot express; messages are plain, the validator adds the
    // location of the parameter the path names.
    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        guard let name = parameters[council]?.text, let members = context.councilMembers[name],
            let count = parameters[needed]?.integer, count > members.count
        else { return [] }
        return [
            StepProblem(
                "\(count) confirmations are needed, but council '\(name)' has \(members.count) members; lower 'needed' or add members",
                at: ["needed"])
        ]
    }
}

extension Confirmation: RunnableStep {
    /// Built once per workflow version from the checked parameters.
    public struct Configuration: Sendable {
        var council: String
        var needed: Int
        var deadline: Instant?
    }

    /// Kept with the campaign and saved with it: a plain value, sorted so it encodes the same way
    /// every time.
    public struct Memory: StepMemory {
        public var confirmed: [String] = []
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        // Only parameters that passed validation get here: required ones are present.
        Configuration(
            council: parameters[council]?.text ?? "", needed: parameters[needed]?.integer ?? 1,
            deadline: parameters[until]?.dateTime.map { calendar.instant($0, endOfDay: true) })
    }

    /// Arms the deadline. The step asks for a timer by name; the engine keeps it, cancels it when
    /// the state is left, and hands it back as `.timer("deadline")`.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        var reaction = StepReaction(memory: Memory())
        if let deadline = configuration.deadline { reaction.timers = [("deadline", deadline)] }
        return reaction
    }

    /// A member confirms with a ballot paper (`laurel ballot vote`); what it chooses is not read.
    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        switch input {
        case .vote(let paper):
            guard context.councils[configuration.council]?.members.contains(paper.member) == true else {
                return .refuse(
                    "'\(paper.member)' is not a member of council '\(configuration.council)'", memory: memory)
            }
            guard !memory.confirmed.contains(paper.member) else {
                return .refuse("'\(paper.member)' has already confirmed", memory: memory)
            }
            var memory = memory
            memory.confirmed.append(paper.member)
            memory.confirmed.sort()
            guard memory.confirmed.count >= configuration.needed else { return StepReaction(memory: memory) }
            return .end("confirmed", values: ["confirmations": .number(Double(memory.confirmed.count))], memory: memory)
        case .timer("deadline"):
            return .end("expired", values: ["confirmations": .number(Double(memory.confirmed.count))], memory: memory)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        case .timer(let name):
            return .refuse("confirmation has no timer '\(name)'", memory: memory)
        case .scores, .childClosed:
            return .refuse("a confirmation takes ballot papers from council members", memory: memory)
        }
    }
}
