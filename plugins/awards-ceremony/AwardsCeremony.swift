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
