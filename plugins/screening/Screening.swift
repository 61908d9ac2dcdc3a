public import LaurelCore

/// Eligibility screening (xét điều kiện) before review: every entry is checked against declared
/// criteria on its fields; an entry that fails one leaves the campaign with the reason on record.
public enum Screening: StepPlugin {
    public static let kind = "screening"
    public static let summary =
        "Checks every entry against declared criteria on its fields; entries that fail leave the campaign, each with the criterion it failed."

    public static let criterionField = ParameterSpec(
        "field", .text, required: true, summary: "The entry field the criterion reads.",
        example: "field: years-with-title")
    public static let criterionName = ParameterSpec(
        "name", .text, summary: "The criterion as people say it, for the notice; the rule itself when absent.",
        example: "name: holds the title below for 3 consecutive years")
    public static let atLeast = ParameterSpec(
        "at-least", .number(minimum: nil), summary: "The field is a number at least this.", example: "at-least: 3")
    public static let atMost = ParameterSpec(
        "at-most", .number(minimum: nil), summary: "The field is a number at most this.", example: "at-most: 0")
    public static let equals = ParameterSpec(
        "equals", .text,
        summary: "The field's value, written as text (true, false, a number, a word), is exactly this.",
        example: "equals: \"false\"")
    public static let oneOf = ParameterSpec(
        "one-of", .list(.text, minimumCount: 1), summary: "The field's value is one of these.",
        example: "one-of: [worker, team-leader]")

    public static let criteria = ParameterSpec(
        "criteria", .list(.record([criterionField, criterionName, atLeast, atMost, equals, oneOf]), minimumCount: 1),
        required: true,
        summary: "The conditions every entry must meet, each on one field; a missing field fails its criterion.",
        example:
            "criteria: [{ field: years-with-title, at-least: 3, name: holds the title below for 3 consecutive years }]")
    public static let entries = ParameterSpec(
        "entries", .entryKind, summary: "The kind of entry screened; every entry when absent.",
        example: "entries: nomination")

    public static let parameters = [criteria, entries]
    public static let outcomes = [
        OutcomeSpec("screened", summary: "Every entry was checked; the ineligible left the campaign.")
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("eligible", .number, summary: "How many entries met every criterion."),
        OutcomeValueSpec("ineligible", .number, summary: "How many failed one and left the campaign."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        for (index, item) in (parameters[criteria]?.list ?? []).enumerated() {
            guard let record = item.record else { continue }
            let rules = [atLeast, atMost, equals, oneOf].filter { record[$0] != nil }
            if rules.isEmpty {
                problems.append(
                    StepProblem(
                        "the criterion on '\(record[criterionField]?.text ?? "")' says nothing to check: give at-least, at-most, equals or one-of",
                        at: ["criteria", String(index)]))
            }
            if let low = record[atLeast]?.number, let high = record[atMost]?.number, low > high {
                problems.append(
                    StepProblem(
                        "no value is at least \(low.formattedForMessage) and at most \(high.formattedForMessage)",
                        at: ["criteria", String(index), "at-most"]))
            }
        }
        return problems
    }
}

extension Screening: RunnableStep {
    public struct Criterion: Sendable {
        var field: String
        var name: String?
        var atLeast: Double?
        var atMost: Double?
        var equals: String?
        var oneOf: [String]?

        /// Why `entry` fails this criterion, or nil when it passes.
        func failure(of entry: Entry) -> String? {
            guard let value = entry.fields[field] else { return "\(label): the field '\(field)' is missing" }
            if atLeast != nil || atMost != nil {
                guard let number = value.number else { return "\(label): '\(field)' is \(value), not a number" }
                if let atLeast, number < atLeast { return "\(label): '\(field)' is \(value)" }
                if let atMost, number > atMost { return "\(label): '\(field)' is \(value)" }
            }
            if let equals, value.description != equals { return "\(label): '\(field)' is \(value)" }
            if let oneOf, !oneOf.contains(value.description) { return "\(label): '\(field)' is \(value)" }
            return nil
        }

        /// The criterion as the notice names it.
        var label: String {
            if let name { return name }
            var parts: [String] = []
            if let atLeast { parts.append("at least \(atLeast.formattedForMessage)") }
            if let atMost { parts.append("at most \(atMost.formattedForMessage)") }
            if let equals { parts.append("equal to \(equals)") }
            if let oneOf { parts.append("one of \(oneOf.joined(separator: ", "))") }
            return "\(field) " + parts.joined(separator: " and ")
        }
    }

    public struct Configuration: Sendable {
        var criteria: [Criterion]
        var entryKind: String?
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        let criteria = (parameters[criteria]?.list ?? []).compactMap(\.record).map { record in
            Criterion(
                field: record[criterionField]?.text ?? "", name: record[criterionName]?.text,
                atLeast: record[atLeast]?.number, atMost: record[atMost]?.number, equals: record[equals]?.text,
                oneOf: record[oneOf]?.list?.compactMap(\.text))
        }
        return Configuration(criteria: criteria, entryKind: parameters[entries]?.text)
    }

    /// Screens at once: the ineligible leave the campaign (their submissions stay in the log), and
    /// a notice lists each with the first criterion it failed.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        var eligible = 0
        var failures: [(entry: String, reason: String)] = []
        for entry in context.entries where configuration.entryKind.map({ entry.kind == $0 }) ?? true {
            if let reason = configuration.criteria.lazy.compactMap({ $0.failure(of: entry) }).first {
                failures.append((entry.id, reason))
            } else {
                eligible += 1
            }
        }
        var reaction = StepReaction.end(
            "screened",
            values: [
                "eligible": .number(Double(eligible)),
                "ineligible": .number(Double(failures.count)),
            ], memory: NoMemory())
        reaction.removeEntries = failures.map(\.entry)
        let lines =
            ["Screening: \(eligible) eligible, \(failures.count) not eligible."]
            + failures.map { "\($0.entry): \($0.reason)" }
        reaction.effects = [
            .notify(audience: "organisers", message: lines.joined(separator: "\n"), channels: ["screening"])
        ]
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: NoMemory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<NoMemory> {
        .refuse("the screening has already been done", memory: memory)
    }
}
