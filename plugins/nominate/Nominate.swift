public import LaurelCore

/// Nomination to the level above (đề nghị, giới thiệu lên cấp trên) within quotas: a number, a
/// share of a head count in the organisation data, and per-level numbers.
public enum Nominate: StepPlugin {
    public static let kind = "nominate"
    public static let summary =
        "Takes nominations up to the quotas (a number, a share of a head count, a number per level; at least one of them), refusing one that breaks a quota."

    public static let select = ParameterSpec(
        "select", .choice(["submitted", "top-ranked"]), default: .text("submitted"),
        summary:
            "submitted: units submit nominations (entries) while the state lasts, each checked against the quotas; top-ranked: on entering, the best-scored entries are chosen in order while the quotas allow, and the others lose their score.",
        example: "select: top-ranked")
    public static let quota = ParameterSpec(
        "quota", .integer(minimum: 1, maximum: nil),
        summary:
            "At most this many nominations in all. A nomination needs at least one quota: this, share or per-level.",
        example: "quota: 35")
    public static let share = ParameterSpec(
        "share", .text,
        summary:
            "At most this share of each unit's head count, rounded down: a percentage and a head-count name from the organisation data. The nomination's unit is the entry's unit.",
        example: "share: 30.6% of direct-production-workers")
    public static let shareScope = ParameterSpec(
        "share-scope", .text, default: .text("each-unit"),
        summary:
            "each-unit: the share limits each unit by its own head count; or a unit, by its id or as inputs.NAME (the unit the campaign runs for, its input of type unit): the share is of that unit's head count (its own, or summed over the units below it) and limits all nominations together, which must then come from within it.",
        example: "share-scope: nam-tu-liem")
    public static let levelName = ParameterSpec(
        "level", .text, required: true, summary: "A level of the organisation data.", example: "level: grassroots")
    public static let levelCount = ParameterSpec(
        "count", .integer(minimum: 0, maximum: nil), required: true,
        summary: "At most this many nominations from units of the level.", example: "count: 6")
    public static let perLevel = ParameterSpec(
        "per-level", .list(.record([levelName, levelCount]), minimumCount: 1),
        summary:
            "At most so many nominations from units of each level listed; a level not listed has no limit of its own.",
        example: "per-level: [{ level: grassroots, count: 6 }, { level: district, count: 2 }]")
    public static let until = ParameterSpec(
        "until", .deadline,
        summary: "With select: submitted, when nominations close; a date alone means the end of that day.",
        example: "until: 2023-11-30")
    public static let window = ParameterSpec(
        "window", .duration,
        summary: "With select: submitted, how long nominations stay open from entering the state (instead of until).",
        example: "window: P30D")
    public static let entries = ParameterSpec(
        "entries", .entryKind,
        summary: "The kind of entry that is a nomination; every entry when absent.",
        example: "entries: nomination")

    public static let parameters = [select, quota, share, shareScope, perLevel, until, window, entries]
    public static let choosesEntries = true
    public static let outcomes = [
        OutcomeSpec(
            "nominated",
            summary: "Nominations closed (the deadline passed, or the quota filled), or the top-ranked were chosen.")
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("nominated", .number, summary: "How many entries are nominated."),
        OutcomeValueSpec(
            "passed-over", .number, summary: "With top-ranked: scored entries not chosen because a quota was full."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        if let text = parameters[share]?.text {
            do { _ = try ShareQuota(parsing: text) } catch {
                problems.append(StepProblem(error.description, at: ["share"]))
            }
        }
        if let text = parameters[shareScope]?.text, text != "each-unit",
            let problem = UnitReference(text).problem(in: context)
        {
            problems.append(StepProblem(problem, at: ["share-scope"]))
        }
        let submitted = (parameters[select]?.text ?? "submitted") == "submitted"
        switch (submitted, parameters[until] != nil, parameters[window] != nil) {
        case (true, false, false):
            problems.append(StepProblem("nominations need a close: give 'until' (a date) or 'window' (a duration)"))
        case (true, true, true):
            problems.append(StepProblem("give 'until' or 'window', not both", at: ["window"]))
        case (false, true, _), (false, _, true):
            problems.append(
                StepProblem(
                    "select: top-ranked chooses on entering the state, so 'until' and 'window' do not apply; remove them",
                    at: [parameters[until] != nil ? "until" : "window"], severity: .warning))
        default:
            break
        }
        if parameters[quota] == nil, parameters[share] == nil, parameters[perLevel] == nil {
            problems.append(StepProblem("a nomination needs at least one quota: 'quota', 'share' or 'per-level'"))
        }
        var seen: Set<String> = []
        for (index, item) in (parameters[perLevel]?.list ?? []).enumerated() {
            if let level = item.record?["level"]?.text, !seen.insert(level).inserted {
                problems.append(
                    StepProblem("the level '\(level)' is listed twice", at: ["per-level", String(index), "level"]))
            }
        }
        return problems
    }
}

/// "30.6% of direct-production-workers": a share of a head count, kept in thousandths of a percent
/// so the limit is computed in whole numbers.
public struct ShareQuota: Sendable, Hashable, CustomStringConvertible {
    /// The share in units of 0.001%.
    public var milliPercent: Int
    public var headCount: String

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 3, words[1] == "of", words[0].hasSuffix("%") else {
            throw ParseError(
                description:
                    "the share '\(text)' must read like '30.6% of direct-production-workers': a percentage, 'of', and a head count of the organisation data"
            )
        }
        let number = words[0].dropLast()
        let decimals = number.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
        guard let value = Double(number), value > 0, value <= 100, decimals <= 3 else {
            throw ParseError(
                description:
                    "'\(words[0])' is not a share: use a percentage above 0% and at most 100%, with at most three decimals"
            )
        }
        milliPercent = Int((value * 1000).rounded())
        headCount = String(words[2])
    }

    /// The most nominations a unit with `count` people may make, rounded down.
    public func limit(of count: Int) -> Int { count * milliPercent / 100_000 }

    /// "30.6%".
    public var percentage: String {
        let whole = milliPercent / 1000
        let fraction = milliPercent % 1000
        var text = String(whole)
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "%"
    }

    public var description: String { "\(percentage) of \(headCount)" }
}

extension Nominate: RunnableStep {
    public struct Configuration: Sendable {
        var topRanked: Bool
        var quota: Int?
        var share: ShareQuota?
        /// The unit whose head count the share is of, for all nominations together; nil: each unit's own.
        var shareScope: UnitReference?
        var perLevel: [String: Int]
        var close: Close?
        var entryKind: String?

        enum Close: Sendable {
            case at(Instant)
            case after(ISODuration)
        }
    }

    /// Nominations so far, by unit and by the unit's level, for the submitted mode.
    public struct Memory: StepMemory {
        /// With a share of one unit's head count: the limit for all nominations and the head count
        /// it comes from, fixed when the state is entered (the organisation data then in force).
        public var shared: SharedLimit?
        public var total = 0
        public var byUnit: [String: Int] = [:]
        public var byLevel: [String: Int] = [:]
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        var levels: [String: Int] = [:]
        for item in (parameters[perLevel]?.list ?? []).compactMap(\.record) {
            if let level = item[levelName]?.text, let count = item[levelCount]?.integer { levels[level] = count }
        }
        let close: Configuration.Close? =
            if let deadline = parameters[until]?.dateTime {
                .at(calendar.instant(deadline, endOfDay: true))
            } else if let duration = parameters[window]?.duration {
                .after(duration)
            } else {
                nil
            }
        return Configuration(
            topRanked: parameters[select]?.text == "top-ranked", quota: parameters[quota]?.integer,
            share: parameters[share]?.text.flatMap { try? ShareQuota(parsing: $0) },
            shareScope: parameters[shareScope]?.text.flatMap { $0 == "each-unit" ? nil : UnitReference($0) },
            perLevel: levels,
            close: close, entryKind: parameters[entries]?.text)
    }

    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        if configuration.topRanked { return chooseTopRanked(configuration, context) }
        var memory = Memory(shared: scopeLimit(configuration, context))
        // Nominations submitted before the state was entered count towards the quotas.
        for entry in context.entries where isNomination(entry, configuration) {
            memory.add(entry, context.organisation)
        }
        var reaction = StepReaction(memory: memory)
        switch configuration.close {
        case .at(let instant): reaction.timers = [("close", instant)]
        case .after(let duration):
            reaction.timers = [("close", context.calendar.adding(duration, to: context.enteredAt))]
        case nil: return closing(memory, configuration, context)
        }
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        switch input {
        case .entry(let entry) where isNomination(entry, configuration):
            if let reason = breach(entry, memory: memory, configuration: configuration, context: context) {
                return .refuse(reason, memory: memory)
            }
            var memory = memory
            memory.add(entry, context.organisation)
            if isFull(memory, configuration) { return closing(memory, configuration, context) }
            return StepReaction(memory: memory)
        case .withdrawn(let entry) where isNomination(entry, configuration):
            var memory = memory
            memory.remove(entry, context.organisation)
            return StepReaction(memory: memory)
        case .timer("close"):
            return closing(memory, configuration, context)
        case .timer(let name):
            return .refuse("nominate has no timer '\(name)'", memory: memory)
        case .scores, .vote, .childClosed:
            return .refuse("nominations are entries; this step takes no scores, votes or reports", memory: memory)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        }
    }

    /// Ends the submitted mode: the count, and a notice of it to the level above. Every nomination
    /// is recorded as chosen (it keeps a result it had, or gets one of 0 from 0 reviews), so a
    /// following ballot with `only-nominated` sees it and a cascade's child reports it up.
    static func closing(_ memory: Memory, _ configuration: Configuration, _ context: StepContext) -> StepReaction<
        Memory
    > {
        var reaction = StepReaction.end(
            "nominated", values: ["nominated": .number(Double(memory.total)), "passed-over": .number(0)],
            memory: memory)
        for entry in context.entries where isNomination(entry, configuration) && entry.score == nil {
            reaction.scores.append((entry.id, EntryScore(total: 0, reviews: 0)))
        }
        let units = memory.byUnit.values.count { $0 > 0 }
        reaction.effects = [
            .notify(
                audience: "level-above",
                message: "\(memory.total) nomination(s)"
                    + (units > 0 ? " from \(units) unit(s)" : "") + quotaText(configuration), channels: ["nominations"])
        ]
        return reaction
    }

    static func quotaText(_ configuration: Configuration) -> String {
        var parts: [String] = []
        if let quota = configuration.quota { parts.append("at most \(quota)") }
        if let share = configuration.share {
            parts.append(share.description + (configuration.shareScope.map { " of '\($0.written)'" } ?? " per unit"))
        }
        if !configuration.perLevel.isEmpty {
            parts.append(
                configuration.perLevel.sorted { $0.key < $1.key }.map { "\($0.value) from level \($0.key)" }.joined(
                    separator: ", "))
        }
        return parts.isEmpty ? "" : " (quota: " + parts.joined(separator: "; ") + ")"
    }

    static func isNomination(_ entry: Entry, _ configuration: Configuration) -> Bool {
        configuration.entryKind.map { entry.kind == $0 } ?? true
    }

    /// Whether no further nomination can fit the quotas for all nominations together.
    static func isFull(_ memory: Memory, _ configuration: Configuration) -> Bool {
        if let quota = configuration.quota, memory.total >= quota { return true }
        if let shared = memory.shared, memory.total >= shared.limit { return true }
        return false
    }

    /// With a share of one unit's head count: that limit, the head count it comes from and the
    /// unit (`inputs.NAME` read from the campaign's inputs).
    static func scopeLimit(_ configuration: Configuration, _ context: StepContext) -> SharedLimit? {
        guard let share = configuration.share, let scope = configuration.shareScope?.resolve(context.inputs),
            context.organisation.unit(scope) != nil
        else { return nil }
        let people = context.organisation.count(share.headCount, in: scope)
        return SharedLimit(limit: share.limit(of: people), people: people, unit: scope)
    }

    /// Why one more nomination `entry` breaks a quota, or nil when it fits.
    static func breach(_ entry: Entry, memory: Memory, configuration: Configuration, context: StepContext) -> String? {
        let organisation = context.organisation
        if let quota = configuration.quota, memory.total + 1 > quota {
            return "the quota of \(quota) nomination(s) is full"
        }
        if let share = configuration.share, let reference = configuration.shareScope {
            let scope = memory.shared?.unit ?? reference.resolve(context.inputs) ?? reference.written
            guard let (limit, people) = memory.shared.map({ ($0.limit, $0.people) }) else {
                return
                    "the share is of the unit '\(scope)', which is not in the organisation data; import it with 'laurel org import'"
            }
            if memory.total + 1 > limit {
                return
                    "at most \(limit) nominations may be made in all (\(share.percentage) of the \(people) \(share.headCount) of '\(scope)'), and \(memory.total) have"
            }
            if let unit = entry.unit, !organisation.isWithin(unit, scope) {
                return "the unit '\(unit)' of nomination '\(entry.id)' is not within '\(scope)', whose quota this is"
            }
        }
        let perUnitShare = configuration.shareScope == nil ? configuration.share : nil
        if perUnitShare != nil || !configuration.perLevel.isEmpty {
            guard let unitID = entry.unit else {
                return
                    "nomination '\(entry.id)' names no unit, and the quota is counted per unit: give the entry's unit"
            }
            guard let unit = organisation.unit(unitID) else {
                return
                    "the unit '\(unitID)' of nomination '\(entry.id)' is not in the organisation data; import it with 'laurel org import'"
            }
            if let share = perUnitShare {
                let people = organisation.count(share.headCount, in: unit.id)
                let limit = share.limit(of: people)
                if (memory.byUnit[unit.id] ?? 0) + 1 > limit {
                    return
                        "unit '\(unit.id)' may nominate at most \(limit) (\(share.percentage) of its \(people) \(share.headCount)); it has nominated \(memory.byUnit[unit.id] ?? 0)"
                }
            }
            if let limit = configuration.perLevel[unit.level], (memory.byLevel[unit.level] ?? 0) + 1 > limit {
                return
                    "at most \(limit) nomination(s) may come from units of level '\(unit.level)', and \(memory.byLevel[unit.level] ?? 0) have"
            }
        }
        return nil
    }

    /// The best-scored entries in order (ties: the review's tie-break chain, then the earlier
    /// submitted), each taken while every
    /// quota allows; the others lose their score, so what follows sees only the nominated.
    static func chooseTopRanked(_ configuration: Configuration, _ context: StepContext) -> StepReaction<Memory> {
        var ranked: [(index: Int, entry: Entry, score: EntryScore)] = []
        for (index, entry) in context.entries.enumerated() where isNomination(entry, configuration) {
            if let score = entry.score { ranked.append((index, entry, score)) }
        }
        ranked.sort { $0.score.ranksBefore($1.score) ?? ($0.index < $1.index) }
        var memory = Memory(shared: scopeLimit(configuration, context))
        var reaction = StepReaction<Memory>(memory: memory)
        var passedOver = 0
        var dropped: Set<String> = []
        for candidate in ranked {
            if breach(candidate.entry, memory: memory, configuration: configuration, context: context) == nil {
                memory.add(candidate.entry, context.organisation)
            } else {
                passedOver += 1
                dropped.insert(candidate.entry.id)
            }
        }
        for entry in context.entries where dropped.contains(entry.id) { reaction.scores.append((entry.id, nil)) }
        reaction.memory = memory
        reaction.outcome = (
            "nominated", ["nominated": .number(Double(memory.total)), "passed-over": .number(Double(passedOver))]
        )
        let chosen = ranked.filter { !dropped.contains($0.entry.id) }.map(\.entry.id)
        let list = chosen.count <= 50 ? ": " + chosen.joined(separator: ", ") : ""
        reaction.effects = [
            .notify(
                audience: "level-above",
                message: "\(chosen.count) nominated of \(ranked.count) ranked\(quotaText(configuration))\(list)",
                channels: ["nominations"])
        ]
        return reaction
    }
}

extension Nominate {
    /// Units nominate while the state lasts, each up to the quotas (a few each, so the simulation
    /// stays small): the number is drawn, and a nomination the quotas refuse shows as refused.
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        guard !configuration.topRanked, let kind = configuration.entryKind ?? simulation.acceptedKinds.first else {
            return []
        }
        let now = simulation.context.enteredAt
        let close = simulation.nextDue ?? now + 30 * 86_400
        let count = min(configuration.quota.map { $0 + 1 } ?? 12, 40)
        var events: [TimedEvent] = []
        for _ in 0..<count {
            guard let entry = simulation.makeEntry(kind: kind) else { break }
            events.append(
                TimedEvent(at: now + Instant(simulation.random(upTo: Int(max(1, close - now)))), event: .submit(entry)))
        }
        return events
    }
}

public struct SharedLimit: Codable, Hashable, Sendable {
    public var limit: Int
    public var people: Int
    /// The unit whose head count it is (absent in memories saved before `inputs.NAME` scopes).
    public var unit: String?
}

extension Nominate.Memory {
    mutating func add(_ entry: Entry, _ organisation: Organisation) {
        total += 1
        guard let unit = entry.unit else { return }
        byUnit[unit, default: 0] += 1
        if let level = organisation.unit(unit)?.level { byLevel[level, default: 0] += 1 }
    }

    mutating func remove(_ entry: Entry, _ organisation: Organisation) {
        total = max(0, total - 1)
        guard let unit = entry.unit else { return }
        byUnit[unit] = max(0, (byUnit[unit] ?? 0) - 1)
        if let level = organisation.unit(unit)?.level { byLevel[level] = max(0, (byLevel[level] ?? 0) - 1) }
    }
}
