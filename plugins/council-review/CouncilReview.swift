public import LaurelCore

/// A council (hội đồng) scores the entries on a rubric within a window.
public enum CouncilReview: StepPlugin {
    public static let kind = "council-review"
    public static let summary =
        "Council members score every entry on the rubric; ends when all have scored or the window closes."

    public static let criterionName = ParameterSpec(
        "name", .text, required: true, summary: "The criterion's name.", example: "name: novelty")
    public static let criterionWeight = ParameterSpec(
        "weight", .number(minimum: 0), default: .number(1),
        summary: "The criterion's weight in the total.", example: "weight: 2")
    public static let criterionMaximum = ParameterSpec(
        "max", .integer(minimum: 1, maximum: nil), default: .integer(100),
        summary: "The highest score of the criterion.", example: "max: 10")

    public static let council = ParameterSpec(
        "council", .council, required: true,
        summary: "The council, defined under `councils:`, whose members score.",
        example: "council: scientific")
    public static let window = ParameterSpec(
        "window", .duration, required: true,
        summary: "How long members have to score, from entering the state.",
        example: "window: P14D")
    public static let rubric = ParameterSpec(
        "rubric", .list(.record([criterionName, criterionWeight, criterionMaximum]), minimumCount: 1),
        summary: "The criteria members score; one criterion 'score' out of 100 when absent.",
        example: "rubric: [{ name: novelty, weight: 2, max: 10 }, { name: impact, weight: 3, max: 10 }]")
    public static let entries = ParameterSpec(
        "entries", .entryKind,
        summary: "The kind of entry reviewed; every kind the campaign accepted when absent.",
        example: "entries: initiative")
    public static let conflictOfInterest = ParameterSpec(
        "exclude-own-unit", .boolean, default: .boolean(true),
        summary: "Whether a member is kept from scoring entries of their own unit.",
        example: "exclude-own-unit: true")

    public static let parameters = [council, window, rubric, entries, conflictOfInterest]
    public static let outcomes = [
        OutcomeSpec("reviewed", summary: "Every member scored, or the window closed with the council's quorum scoring."),
        OutcomeSpec("no-quorum", summary: "The window closed before enough members scored to meet the quorum."),
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("scored", .number, summary: "How many members scored."),
        OutcomeValueSpec("abstained", .number, summary: "How many members did not score before the window closed."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        var seen: Set<String> = []
        for (index, criterion) in (parameters[rubric]?.list ?? []).enumerated() {
            guard let name = criterion.record?["name"]?.text else { continue }
            if !seen.insert(name).inserted {
                problems.append(StepProblem("the rubric has two criteria named '\(name)'", at: ["rubric", String(index)]))
            }
        }
        return problems
    }
}
