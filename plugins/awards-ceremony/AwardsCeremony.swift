public import LaurelCore

/// The awards ceremony (lễ tổng kết, trao giải): ranks the reviewed entries and gives prize tiers.
public enum AwardsCeremony: StepPlugin {
    public static let kind = "awards-ceremony"
    public static let summary =
        "Ranks the reviewed entries by total score and gives the prize tiers in order, by count."

    public static let tierName = ParameterSpec(
        "name", .text, required: true, summary: "The tier's name.", example: "name: first")
    public static let tierCount = ParameterSpec(
        "count", .integer(minimum: 1, maximum: nil), required: true,
        summary: "How many entries receive the tier.", example: "count: 10")
    public static let tierAmount = ParameterSpec(
        "amount", .integer(minimum: 0, maximum: nil), default: .integer(0),
        summary: "The prize for each entry of the tier, in VND.", example: "amount: 5000000")

    public static let tiers = ParameterSpec(
        "tiers", .list(.record([tierName, tierCount, tierAmount]), minimumCount: 1), required: true,
        summary: "The prize tiers from the highest down; the best-ranked entries fill the first tier.",
        example: "tiers: [{ name: special, count: 2 }, { name: first, count: 10, amount: 5000000 }]")
    public static let tieBreak = ParameterSpec(
        "tie-break", .choice(["submitted-first", "entry-order"]), default: .text("submitted-first"),
        summary: "How entries with equal totals are ordered: the earlier submission, or the order of entry ids.",
        example: "tie-break: submitted-first")
    public static let minimumScore = ParameterSpec(
        "pass-mark", .number(minimum: 0),
        summary: "The lowest total that can win a prize; every reviewed entry can when absent.",
        example: "pass-mark: 50")

    public static let parameters = [tiers, tieBreak, minimumScore]
    public static let outcomes = [OutcomeSpec("awarded", summary: "The prizes were allocated and recorded.")]
    public static let outcomeValues = [
        OutcomeValueSpec("winners", .number, summary: "How many entries received a prize."),
        OutcomeValueSpec("total-amount", .number, summary: "The sum of the prizes in VND."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        var seen: Set<String> = []
        for (index, tier) in (parameters[tiers]?.list ?? []).enumerated() {
            guard let name = tier.record?["name"]?.text else { continue }
            if !seen.insert(name).inserted {
                problems.append(StepProblem("two prize tiers are named '\(name)'; each tier needs its own name",
                                            at: ["tiers", String(index), "name"]))
            }
        }
        return problems
    }
}

extension AwardsCeremony: RunnableStep {
    public struct Tier: Sendable {
        var name: String
        var count: Int
        var amount: Int
    }

    public struct Configuration: Sendable {
        var tiers: [Tier]
        var byEntryOrder: Bool
        var passMark: Double?
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar) -> Configuration {
        let tiers = (parameters[tiers]?.list ?? []).compactMap(\.record).map {
            Tier(name: $0[tierName]?.text ?? "", count: $0[tierCount]?.integer ?? 0, amount: $0[tierAmount]?.integer ?? 0)
        }
        return Configuration(tiers: tiers, byEntryOrder: parameters[tieBreak]?.text == "entry-order",
                             passMark: parameters[minimumScore]?.number)
    }

    /// Ranks the reviewed entries by total, highest first; equal totals go to the entry submitted
    /// first (or with the smaller id, for `tie-break: entry-order`). Tiers are filled in order.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        // Ids and results only: sorting whole entries would copy their fields on every swap.
        var ranked: [(index: Int, id: String, score: EntryScore)] = []
        for (index, entry) in context.entries.array.enumerated() {
            guard let score = entry.score, score.total >= (configuration.passMark ?? -.infinity) else { continue }
            ranked.append((index, entry.id, score))
        }
        ranked.sort { lhs, rhs in
            if lhs.score.total != rhs.score.total { return lhs.score.total > rhs.score.total }
            return configuration.byEntryOrder ? lhs.id < rhs.id : lhs.index < rhs.index
        }
        var effects: [Effect] = []
        var position = 0
        var totalAmount = 0
        for (tierIndex, tier) in configuration.tiers.enumerated() {
            for _ in 0..<tier.count where position < ranked.count {
                let candidate = ranked[position]
                position += 1
                totalAmount += tier.amount
                effects.append(.award(Award(entry: candidate.id, rank: position, tier: tier.name, tierNumber: tierIndex + 1,
                                            amount: tier.amount, total: candidate.score.total, reviews: candidate.score.reviews)))
            }
        }
        var reaction = StepReaction.end("awarded", values: ["winners": .number(Double(position)),
                                                            "total-amount": .number(Double(totalAmount))],
                                        memory: NoMemory())
        reaction.effects = effects
        return reaction
    }

    public static func handle(_ input: StepInput, memory: NoMemory, configuration: Configuration,
                              context: StepContext) -> StepReaction<NoMemory> {
        .refuse("the prizes have already been allocated", memory: memory)
    }
}
