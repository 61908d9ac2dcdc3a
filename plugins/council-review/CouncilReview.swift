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
        summary: "Whether a member is kept from scoring entries of their own unit (from the organisation data); their place on such an entry counts as the mean of the others' scores.",
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

extension CouncilReview: RunnableStep {
    public struct Criterion: Sendable {
        var name: String
        var weight: Double
        var maximum: Double
    }

    public struct Configuration: Sendable {
        var council: String
        var members: [String]
        /// Members who must have scored for the review to count when the window closes.
        var quorum: Int
        var window: ISODuration
        var rubric: [Criterion]
        var entryKind: String?
        var excludeOwnUnit: Bool
    }

    /// Each member's scores so far. The entries under review are fixed when the review opens
    /// (the state accepts none), so a sheet is a flat array in their order: for entry k,
    /// criterion c, `values[k * criteria + c]`, with `scored[k]` saying whether it was scored.
    public struct Memory: StepMemory {
        public struct Sheet: Codable, Hashable, Sendable {
            public var values: [Double]
            public var scored: [Bool]
            public var count: Int
        }

        public var sheets: [String: Sheet] = [:]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar) -> Configuration {
        let name = parameters[council]?.text ?? ""
        let definition = workflow.councils.first { $0.name == name }
        let members = definition?.members ?? []
        let rubric = (parameters[rubric]?.list ?? []).compactMap(\.record).map {
            Criterion(name: $0[criterionName]?.text ?? "", weight: $0[criterionWeight]?.number ?? 1,
                      maximum: $0[criterionMaximum]?.number ?? 100)
        }
        return Configuration(
            council: name, members: members,
            quorum: definition?.quorum?.required(members: members.count) ?? 1,
            window: parameters[window]?.duration ?? ISODuration(days: 14),
            rubric: rubric.isEmpty ? [Criterion(name: "score", weight: 1, maximum: 100)] : rubric,
            entryKind: parameters[entries]?.text,
            excludeOwnUnit: parameters[conflictOfInterest]?.boolean ?? true)
    }

    static func reviewable(_ configuration: Configuration, _ context: StepContext) -> [Entry] {
        // Usually every entry is of the reviewed kind: then no filtered copy is needed.
        guard let kind = configuration.entryKind, context.entries.kinds != [kind] else { return context.entries.array }
        return context.entries.filter { $0.kind == kind }
    }

    /// Whether there is anything to review, without decoding the entries when they are all of
    /// the reviewed kind (the review opens when a phase closes, often with nothing else to do).
    static func hasReviewable(_ configuration: Configuration, _ context: StepContext) -> Bool {
        guard let kind = configuration.entryKind else { return !context.entries.isEmpty }
        return context.entries.kinds.contains(kind)
    }

    /// Opens the window; with nothing to review the step ends at once.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        if !hasReviewable(configuration, context) {
            return .end("reviewed", values: ["scored": .number(0), "abstained": .number(0)], memory: Memory())
        }
        var reaction = StepReaction(memory: Memory())
        reaction.timers = [("window", context.calendar.adding(configuration.window, to: context.enteredAt))]
        return reaction
    }

    public static func handle(_ input: StepInput, memory: Memory, configuration: Configuration,
                              context: StepContext) -> StepReaction<Memory> {
        switch input {
        case .scores(let sheet):
            return record(sheet, memory: memory, configuration: configuration, context: context)
        case .timer("window"):
            let complete = completed(memory, configuration, context, reviewable(configuration, context).count)
            return finish(complete >= configuration.quorum ? "reviewed" : "no-quorum", completed: complete,
                          memory: memory, configuration: configuration, context: context)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        case .timer(let name):
            return .refuse("council-review has no timer '\(name)'", memory: memory)
        case .vote:
            return .refuse("a council review takes scores, not votes", memory: memory)
        }
    }

    private static func record(_ sheet: ScoreSheet, memory: Memory, configuration: Configuration,
                               context: StepContext) -> StepReaction<Memory> {
        guard configuration.members.contains(sheet.member) else {
            return .refuse("'\(sheet.member)' is not a member of council '\(configuration.council)'", memory: memory)
        }
        let entries = reviewable(configuration, context)
        let criteria = configuration.rubric.count
        let excluded = excludedEntries(of: sheet.member, configuration, context)
        var memory = memory
        var own = memory.sheets.removeValue(forKey: sheet.member)
            ?? Memory.Sheet(values: Array(repeating: 0, count: entries.count * criteria),
                            scored: Array(repeating: false, count: entries.count), count: 0)
        // Sheets usually list entries in order, so try the next position before looking up; the
        // look-up table is built the first time that fails (a sheet in another order).
        var position = 0
        var positions: [String: Int]?
        for line in sheet.lines {
            if position >= entries.count || entries[position].id != line.entry {
                if positions == nil {
                    positions = Dictionary(entries.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
                }
                guard let found = positions?[line.entry] else {
                    return .refuse("there is no entry '\(line.entry)' under review", memory: memory)
                }
                position = found
            }
            guard !excluded.contains(position) else {
                return .refuse("'\(sheet.member)' may not score entry '\(line.entry)': it comes from their own unit '\(entries[position].unit ?? "")' (exclude-own-unit)",
                               memory: memory)
            }
            guard line.values.count == criteria else {
                return .refuse("entry '\(line.entry)' needs \(criteria) score(s), one for each of \(configuration.rubric.map(\.name).joined(separator: ", ")); got \(line.values.count)",
                               memory: memory)
            }
            for (value, criterion) in zip(line.values, configuration.rubric) where !(0...criterion.maximum).contains(value) {
                return .refuse("the score \(value.formattedForMessage) for '\(criterion.name)' of entry '\(line.entry)' is outside 0 to \(criterion.maximum.formattedForMessage)",
                               memory: memory)
            }
            for (offset, value) in line.values.enumerated() { own.values[position * criteria + offset] = value }
            if !own.scored[position] {
                own.scored[position] = true
                own.count += 1
            }
            position += 1
        }
        memory.sheets[sheet.member] = own
        if completed(memory, configuration, context, entries.count) == configuration.members.count {
            return finish("reviewed", completed: configuration.members.count, memory: memory, configuration: configuration,
                          context: context)
        }
        return StepReaction(memory: memory)
    }

    /// Each member scores every entry they may score at a random moment of the window; a random
    /// share of members (up to two in five) abstain, so both outcomes can be seen.
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        let day: Instant = 86_400
        let now = simulation.context.enteredAt
        let window = simulation.nextDue ?? now + 14 * day
        let entries = reviewable(configuration, simulation.context)
        let abstainChance = simulation.random(upTo: 40)
        var events: [TimedEvent] = []
        for member in configuration.members where simulation.random(upTo: 100) >= abstainChance {
            let at = now + Instant(simulation.random(upTo: Int(max(1, window - now))))
            let excluded = excludedEntries(of: member, configuration, simulation.context)
            var lines: [ScoreSheet.Line] = []
            for (index, entry) in entries.enumerated() {
                let values = configuration.rubric.map { Double(simulation.random(upTo: Int($0.maximum) + 1)) }
                if !excluded.contains(index) { lines.append(ScoreSheet.Line(entry: entry.id, values: values)) }
            }
            events.append(TimedEvent(at: at, event: .scores(ScoreSheet(member: member, lines: lines))))
        }
        return events
    }

    /// The positions (among the entries under review) of the entries `member` may not score: with
    /// `exclude-own-unit`, those whose unit is the member's unit in the organisation data. Empty
    /// without organisation data or when the member is not in it.
    static func excludedEntries(of member: String, _ configuration: Configuration, _ context: StepContext) -> Set<Int> {
        guard configuration.excludeOwnUnit, let unit = context.organisation.person(member)?.unit else { return [] }
        var excluded: Set<Int> = []
        for (position, entry) in reviewable(configuration, context).enumerated() where entry.unit == unit {
            excluded.insert(position)
        }
        return excluded
    }

    /// Members who scored every entry under review they may score; a sheet holds only entries
    /// under review.
    private static func completed(_ memory: Memory, _ configuration: Configuration, _ context: StepContext,
                                  _ entryCount: Int) -> Int {
        if context.organisation.people.isEmpty || !configuration.excludeOwnUnit {
            return configuration.members.count { (memory.sheets[$0]?.count ?? 0) == entryCount }
        }
        return configuration.members.count { member in
            (memory.sheets[member]?.count ?? 0) == entryCount - excludedEntries(of: member, configuration, context).count
        }
    }

    /// Ends the review: each entry's total is the weighted sum over the members who scored it.
    /// A member who took part but was kept off an entry of their own unit counts on that entry
    /// with the mean of the others' weighted scores, so the conflict neither helps nor hurts it;
    /// `reviews` counts the members who actually scored.
    private static func finish(_ outcome: String, completed: Int, memory: Memory, configuration: Configuration,
                               context: StepContext) -> StepReaction<Memory> {
        var reaction = StepReaction<Memory>.end(outcome, values: [
            "scored": .number(Double(completed)),
            "abstained": .number(Double(configuration.members.count - completed)),
        ], memory: memory)
        let criteria = configuration.rubric.count
        let sheets = configuration.members.compactMap { memory.sheets[$0] }
        var stoodDown = Array(repeating: 0, count: reviewable(configuration, context).count)
        for member in configuration.members where memory.sheets[member] != nil {
            for position in excludedEntries(of: member, configuration, context) { stoodDown[position] += 1 }
        }
        for (position, entry) in reviewable(configuration, context).enumerated() {
            var total = 0.0
            var reviews = 0
            for sheet in sheets where sheet.scored[position] {
                reviews += 1
                for (offset, criterion) in configuration.rubric.enumerated() {
                    total += sheet.values[position * criteria + offset] * criterion.weight
                }
            }
            if reviews > 0 {
                total += total / Double(reviews) * Double(stoodDown[position])
                reaction.scores.append((entry.id, EntryScore(total: total, reviews: reviews)))
            }
        }
        return reaction
    }
}
