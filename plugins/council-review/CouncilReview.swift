public import LaurelCore

/// A council (hội đồng) scores the entries on a rubric within a window.
public enum CouncilReview: StepPlugin {
    public static let kind = "council-review"
    /// It opens on the entries' kinds (is there anything to review?) and reads them when scores
    /// or its window's end arrive.
    public static let readsEntries = EntryReading.whenHandling
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
        summary:
            "Whether a member is kept from scoring entries of their own unit (from the organisation data); their place on such an entry counts as the mean of the others' scores.",
        example: "exclude-own-unit: true")

    public static let passMark = ParameterSpec(
        "pass-mark", .number(minimum: 0),
        summary:
            "The lowest mean score an entry needs to pass, on the scale of one member's sheet (the sum of each criterion's score times its weight); an entry below it fails and keeps no result, so no later step ranks it. Every scored entry passes when absent.",
        example: "pass-mark: 50")
    public static let normalise = ParameterSpec(
        "normalise", .choice(["none", "z-score"]), default: .text("none"),
        summary:
            "`z-score` puts every member's scores on the council's common scale before they are added (each member's mean and spread made the council's), so a strict and a lenient member weigh the same; `none` adds them as given.",
        example: "normalise: z-score")
    public static let tieBreak = ParameterSpec(
        "tie-break", .list(.text, minimumCount: 1),
        summary:
            "Criteria of the rubric that decide between equal totals, in order: the higher mean score on the first, then on the next. The ranking step's own rule decides what is still level.",
        example: "tie-break: [impact, novelty]")

    public static let parameters = [
        council, window, rubric, entries, conflictOfInterest, passMark, normalise, tieBreak,
    ]
    public static let choosesEntries = true
    public static let outcomes = [
        OutcomeSpec(
            "reviewed", summary: "Every member scored, or the window closed with the council's quorum scoring."),
        OutcomeSpec("no-quorum", summary: "The window closed before enough members scored to meet the quorum."),
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("scored", .number, summary: "How many members scored."),
        OutcomeValueSpec("abstained", .number, summary: "How many members did not score before the window closed."),
        OutcomeValueSpec(
            "passed", .number, summary: "How many entries reached the pass mark (every scored entry without one)."),
        OutcomeValueSpec("failed", .number, summary: "How many scored entries fell below the pass mark."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        var seen: Set<String> = []
        var names: [String] = []
        var highest = 0.0
        for (index, criterion) in (parameters[rubric]?.list ?? []).enumerated() {
            guard let record = criterion.record, let name = record[criterionName]?.text else { continue }
            names.append(name)
            highest += (record[criterionMaximum]?.number ?? 100) * (record[criterionWeight]?.number ?? 1)
            if !seen.insert(name).inserted {
                problems.append(
                    StepProblem("the rubric has two criteria named '\(name)'", at: ["rubric", String(index)]))
            }
        }
        if names.isEmpty {
            names = ["score"]
            highest = 100
        }
        if let mark = parameters[passMark]?.number, mark > highest {
            problems.append(
                StepProblem(
                    "the pass mark \(mark.formattedForMessage) is above the highest score a member can give (\(highest.formattedForMessage), each criterion's max times its weight), so no entry could pass",
                    at: ["pass-mark"]))
        }
        for (index, item) in (parameters[tieBreak]?.list ?? []).enumerated() {
            guard let name = item.text, !names.contains(name) else { continue }
            problems.append(
                StepProblem(
                    "the tie-break names '\(name)', which is not a criterion of the rubric\(Suggestions.didYouMean(name, in: names)); it lists criteria: \(names.joined(separator: ", "))",
                    at: ["tie-break", String(index)]))
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
        var passMark: Double?
        var normalises: Bool
        /// Positions in the rubric of the tie-break criteria, in their order.
        var tieBreak: [Int]
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

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        let name = parameters[council]?.text ?? ""
        let definition = workflow.councils.first { $0.name == name }
        let members = definition?.members ?? []
        let rubric = (parameters[rubric]?.list ?? []).compactMap(\.record).map {
            Criterion(
                name: $0[criterionName]?.text ?? "", weight: $0[criterionWeight]?.number ?? 1,
                maximum: $0[criterionMaximum]?.number ?? 100)
        }
        let criteria = rubric.isEmpty ? [Criterion(name: "score", weight: 1, maximum: 100)] : rubric
        let tieBreak = (parameters[tieBreak]?.list ?? []).compactMap { item in
            criteria.firstIndex { $0.name == item.text }
        }
        return Configuration(
            council: name, members: members,
            quorum: definition?.quorum?.required(members: members.count) ?? 1,
            window: parameters[window]?.duration ?? ISODuration(days: 14),
            rubric: criteria,
            entryKind: parameters[entries]?.text,
            excludeOwnUnit: parameters[conflictOfInterest]?.boolean ?? true,
            passMark: parameters[passMark]?.number,
            normalises: parameters[normalise]?.text == "z-score",
            tieBreak: tieBreak)
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
            return .end(
                "reviewed",
                values: [
                    "scored": .number(0), "abstained": .number(0), "passed": .number(0),
                    "failed": .number(0),
                ],
                memory: Memory())
        }
        var reaction = StepReaction(memory: Memory())
        reaction.timers = [("window", context.calendar.adding(configuration.window, to: context.enteredAt))]
        // Without people's units, exclude-own-unit cannot keep anyone off anything: say so.
        if configuration.excludeOwnUnit, context.organisation.people.isEmpty {
            reaction.effects.append(
                .notify(
                    audience: "organisers",
                    message:
                        "Council '\(configuration.council)' reviews without conflict-of-interest checks: no organisation data says which unit each member is from; import it ('laurel org import') or write 'exclude-own-unit: false'",
                    channels: ["review"]))
        }
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        switch input {
        case .scores(let sheet):
            return record(sheet, memory: memory, configuration: configuration, context: context)
        case .timer("window"):
            let complete = completed(memory, configuration, context, reviewable(configuration, context).count)
            guard complete >= configuration.quorum else {
                return noQuorum(complete, memory: memory, configuration: configuration, context: context)
            }
            return finish(
                "reviewed", completed: complete, memory: memory, configuration: configuration, context: context)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        case .timer(let name):
            return .refuse("council-review has no timer '\(name)'", memory: memory)
        case .vote, .childClosed:
            return .refuse("a council review takes scores, not votes or reports", memory: memory)
        }
    }

    private static func record(
        _ sheet: ScoreSheet, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        guard configuration.members.contains(sheet.member) else {
            return .refuse("'\(sheet.member)' is not a member of council '\(configuration.council)'", memory: memory)
        }
        let entries = reviewable(configuration, context)
        let criteria = configuration.rubric.count
        let excluded = excludedEntries(of: sheet.member, configuration, context)
        var memory = memory
        // A sheet is whole: it scores every entry the member may score, and a member's later
        // sheet replaces the earlier one (a correction while the window is open).
        var own = Memory.Sheet(
            values: Array(repeating: 0, count: entries.count * criteria),
            scored: Array(repeating: false, count: entries.count), count: 0)
        // Sheets usually list entries in order, so try the next position before looking up; the
        // look-up table is built the first time that fails (a sheet in another order).
        var position = 0
        var positions: [String: Int]?
        for line in sheet.lines {
            if position >= entries.count || entries[position].id != line.entry {
                if positions == nil {
                    positions = Dictionary(
                        entries.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
                }
                guard let found = positions?[line.entry] else {
                    return .refuse("there is no entry '\(line.entry)' under review", memory: memory)
                }
                position = found
            }
            guard !excluded.contains(position) else {
                return .refuse(
                    "'\(sheet.member)' may not score entry '\(line.entry)': it comes from their own unit '\(entries[position].unit ?? "")' (exclude-own-unit)",
                    memory: memory)
            }
            let values = line.values
            guard values.count == criteria else {
                return .refuse(
                    "entry '\(line.entry)' needs \(criteria) score(s), one for each of \(configuration.rubric.map(\.name).joined(separator: ", ")); got \(values.count)",
                    memory: memory)
            }
            // By index: this runs for every score of every sheet.
            for offset in 0..<criteria {
                let value = values[offset]
                let criterion = configuration.rubric[offset]
                guard (0...criterion.maximum).contains(value) else {
                    return .refuse(
                        "the score \(value.formattedForMessage) for '\(criterion.name)' of entry '\(line.entry)' is outside 0 to \(criterion.maximum.formattedForMessage)",
                        memory: memory)
                }
                own.values[position * criteria + offset] = value
            }
            guard !own.scored[position] else {
                return .refuse("the sheet of '\(sheet.member)' scores entry '\(line.entry)' twice", memory: memory)
            }
            own.scored[position] = true
            own.count += 1
            position += 1
        }
        if own.count < entries.count - excluded.count {
            let missing = entries.indices.filter { !own.scored[$0] && !excluded.contains($0) }.map { entries[$0].id }
            let shown = missing.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
            return .refuse(
                "the sheet of '\(sheet.member)' leaves out \(missing.count) of the \(entries.count - excluded.count) entries they must score: \(shown)\(missing.count > 10 ? " and \(missing.count - 10) more" : ""); a sheet scores every entry under review the member may score",
                memory: memory)
        }
        memory.sheets[sheet.member] = own
        if completed(memory, configuration, context, entries.count) == configuration.members.count {
            return finish(
                "reviewed", completed: configuration.members.count, memory: memory, configuration: configuration,
                context: context)
        }
        return StepReaction(memory: memory)
    }

    public static func task(
        for person: String, _ configuration: Configuration, memory: Memory, context: StepContext
    ) -> StepTask? {
        guard configuration.members.contains(person) else { return nil }
        let entries = reviewable(configuration, context)
        let excluded = excludedEntries(of: person, configuration, context)
        let criteria = configuration.rubric.count
        var sent: [String: [Double]] = [:]
        if let sheet = memory.sheets[person] {
            for (position, entry) in entries.enumerated() where sheet.scored[position] {
                sent[entry.id] = Array(sheet.values[position * criteria..<(position + 1) * criteria])
            }
        }
        return .scoring(
            ScoringTask(
                council: configuration.council,
                criteria: configuration.rubric.map {
                    ScoringTask.Criterion(name: $0.name, weight: $0.weight, maximum: $0.maximum)
                },
                entries: entries.indices.filter { !excluded.contains($0) }.map { entries[$0].id },
                excluded: excluded.count, sent: sent))
    }

    /// Each member scores every entry they may score at a random moment of the window, from half
    /// the criterion's top score to the top (entries reach a council after a unit put them
    /// forward); a random share of members (up to one in five) abstain, so both outcomes can be seen.
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        let day: Instant = 86_400
        let now = simulation.context.enteredAt
        let window = simulation.nextDue ?? now + 14 * day
        let entries = reviewable(configuration, simulation.context)
        let abstainChance = simulation.random(upTo: 20)
        var events: [TimedEvent] = []
        for member in configuration.members where simulation.random(upTo: 100) >= abstainChance {
            let at = now + Instant(simulation.random(upTo: Int(max(1, window - now))))
            let excluded = excludedEntries(of: member, configuration, simulation.context)
            var lines: [ScoreSheet.Line] = []
            for (index, entry) in entries.enumerated() {
                let values = configuration.rubric.map { criterion in
                    let top = Int(criterion.maximum)
                    return Double(top / 2 + simulation.random(upTo: top - top / 2 + 1))
                }
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
    private static func completed(
        _ memory: Memory, _ configuration: Configuration, _ context: StepContext,
        _ entryCount: Int
    ) -> Int {
        if context.organisation.people.isEmpty || !configuration.excludeOwnUnit {
            return configuration.members.count { (memory.sheets[$0]?.count ?? 0) == entryCount }
        }
        return configuration.members.count { member in
            (memory.sheets[member]?.count ?? 0) == entryCount
                - excludedEntries(of: member, configuration, context).count
        }
    }

    /// Ends the review without quorum: no entry gets a result (one it had from an earlier step is
    /// cleared, so nothing later ranks or reports it), and the organisers are told why.
    private static func noQuorum(
        _ completed: Int, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        var reaction = StepReaction<Memory>.end(
            "no-quorum",
            values: [
                "scored": .number(Double(completed)),
                "abstained": .number(Double(configuration.members.count - completed)),
                "passed": .number(0),
                "failed": .number(0),
            ], memory: memory)
        for entry in reviewable(configuration, context) where entry.score != nil {
            reaction.scores.append((entry.id, nil))
        }
        reaction.effects.append(
            .notify(
                audience: "organisers",
                message:
                    "The review of council '\(configuration.council)' closed without quorum: \(completed) of \(configuration.members.count) members scored, \(configuration.quorum) needed; no entry has a result",
                channels: ["review"]))
        return reaction
    }

    /// Ends the review: each entry's total is the weighted sum over the members who scored it
    /// (with `normalise: z-score`, of their scores on the council's common scale). A member who
    /// took part but was kept off an entry of their own unit counts on that entry with the mean
    /// of the others' weighted scores, so the conflict neither helps nor hurts it; `reviews`
    /// counts the members who actually scored. An entry whose mean falls below the pass mark
    /// loses its result.
    private static func finish(
        _ outcome: String, completed: Int, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        let criteria = configuration.rubric.count
        let entries = reviewable(configuration, context)
        let members = configuration.members.filter { memory.sheets[$0] != nil }
        let sheets = members.map { memory.sheets[$0]! }
        // Each member's weighted score of each entry they scored: one sheet's sum.
        let weighted = sheets.map { sheet in
            (0..<entries.count).map { position -> Double in
                guard sheet.scored[position] else { return 0 }
                var sum = 0.0
                for (offset, criterion) in configuration.rubric.enumerated() {
                    sum += sheet.values[position * criteria + offset] * criterion.weight
                }
                return sum
            }
        }
        let adjusted = configuration.normalises ? zScoreScaled(weighted, sheets) : weighted
        var stoodDown = Array(repeating: 0, count: entries.count)
        for member in members {
            for position in excludedEntries(of: member, configuration, context) { stoodDown[position] += 1 }
        }
        var scores: [(entry: String, score: EntryScore?)] = []
        var passed = 0
        var failed = 0
        // By position: iterating entries or sheets would copy each one out.
        for position in entries.indices {
            var total = 0.0
            var reviews = 0
            var breakers = Array(repeating: 0.0, count: configuration.tieBreak.count)
            for index in sheets.indices where sheets[index].scored[position] {
                reviews += 1
                total += adjusted[index][position]
                for (slot, criterion) in configuration.tieBreak.enumerated() {
                    breakers[slot] += sheets[index].values[position * criteria + criterion]
                }
            }
            guard reviews > 0 else {
                // Nobody could score it: a result from an earlier step (a nomination) does not stand.
                if entries[position].score != nil { scores.append((entries[position].id, nil)) }
                continue
            }
            let mean = total / Double(reviews)
            if let mark = configuration.passMark, mean < mark {
                failed += 1
                if entries[position].score != nil { scores.append((entries[position].id, nil)) }
                continue
            }
            passed += 1
            total += mean * Double(stoodDown[position])
            scores.append(
                (
                    entries[position].id,
                    EntryScore(
                        total: total, reviews: reviews,
                        tieBreakers: breakers.map { $0 / Double(reviews) })
                ))
        }
        var reaction = StepReaction<Memory>.end(
            outcome,
            values: [
                "scored": .number(Double(completed)),
                "abstained": .number(Double(configuration.members.count - completed)),
                "passed": .number(Double(passed)),
                "failed": .number(Double(failed)),
            ], memory: memory)
        reaction.scores = scores
        if let mark = configuration.passMark, failed > 0 {
            reaction.effects.append(
                .notify(
                    audience: "organisers",
                    message:
                        "\(passed) entr\(passed == 1 ? "y" : "ies") reached the pass mark of \(mark.formattedForMessage); \(failed) fell below it",
                    channels: ["review"]))
        }
        return reaction
    }

    /// Each member's weighted scores put on the council's common scale: a score x of a member
    /// whose scores have mean m and standard deviation s becomes M + S (x - m) / s, where M and S
    /// are the mean and standard deviation of all the scores given. A member who gave every
    /// entry the same score (s = 0) is placed at M; with one score given in all, nothing changes.
    static func zScoreScaled(_ weighted: [[Double]], _ sheets: [Memory.Sheet]) -> [[Double]] {
        func spread(_ values: [Double]) -> (mean: Double, deviation: Double) {
            guard !values.isEmpty else { return (0, 0) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return (mean, variance.squareRoot())
        }
        let given = zip(weighted, sheets).map { scores, sheet in
            zip(scores, sheet.scored).compactMap { $1 ? $0 : nil }
        }
        let council = spread(given.flatMap { $0 })
        guard council.deviation > 0 else { return weighted }
        return zip(weighted, given).map { scores, own in
            let member = spread(own)
            return scores.map { score in
                member.deviation > 0
                    ? council.mean + council.deviation * (score - member.mean) / member.deviation : council.mean
            }
        }
    }
}
