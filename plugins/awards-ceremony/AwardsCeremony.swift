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
        "amount", .integer(minimum: 0, maximum: nil),
        summary: "The prize for each entry of the tier, in VND; 0 when neither it nor a coefficient is given.",
        example: "amount: 5000000")
    public static let tierCoefficient = ParameterSpec(
        "coefficient", .number(minimum: 0),
        summary:
            "The prize as a multiple of the step's base-amount (at most three decimals), rounded up to round-up-to, as the commendation rules count it; instead of amount.",
        example: "coefficient: 0.3")

    public static let tiers = ParameterSpec(
        "tiers", .list(.record([tierName, tierCount, tierAmount, tierCoefficient]), minimumCount: 1), required: true,
        summary: "The prize tiers from the highest down; the best-ranked entries fill the first tier.",
        example: "tiers: [{ name: special, count: 2 }, { name: first, count: 10, amount: 5000000 }]")
    public static let tieBreak = ParameterSpec(
        "tie-break", .choice(["submitted-first", "entry-order"]), default: .text("submitted-first"),
        summary:
            "How entries level on their total and on the review's own tie-break chain are ordered: the earlier submission, or the order of entry ids.",
        example: "tie-break: submitted-first")
    public static let minimumScore = ParameterSpec(
        "pass-mark", .number(minimum: 0),
        summary: "The lowest total that can win a prize; every reviewed entry can when absent.",
        example: "pass-mark: 50")

    public static let baseAmount = ParameterSpec(
        "base-amount", .integer(minimum: 1, maximum: nil),
        summary: "The amount tiers' coefficients multiply, in VND (the base salary, lương cơ sở).",
        example: "base-amount: 1800000")
    public static let roundUpTo = ParameterSpec(
        "round-up-to", .integer(minimum: 1, maximum: nil), default: .integer(10_000),
        summary:
            "A coefficient's prize is rounded up to a multiple of this, in VND (the rules round up to the next 10,000).",
        example: "round-up-to: 10000")
    public static let budget = ParameterSpec(
        "budget", .integer(minimum: 0, maximum: nil),
        summary:
            "The most the prizes may add up to, in VND: tiers that could exceed it are a validation error, and a prize that would exceed it is not given.",
        example: "budget: 100000000")

    public static let certificateHeading = ParameterSpec(
        "heading", .text, default: .text("GIẤY KHEN"),
        summary: "The certificate's heading.", example: "heading: GIẤY CHỨNG NHẬN")
    public static let certificateText = ParameterSpec(
        "text", .text, required: true,
        summary:
            "The certificate's text; `{recipient}`, `{tier}`, `{rank}`, `{amount}` (VND, grouped by thousands), `{total}` and `{title}` (the campaign's) are filled in.",
        example: "text: \"Đã đạt giải {tier} cuộc thi {title}\"")
    public static let certificateIssuer = ParameterSpec(
        "issuer", .text, summary: "Who issues it, printed at the foot.",
        example: "issuer: \"Ban Thường vụ Liên đoàn Lao động quận\"")
    public static let certificateRecipient = ParameterSpec(
        "recipient-field", .text, default: .text("name"),
        summary:
            "The entry field naming the recipient; the entry's title, then its id, when the entry has no such field.",
        example: "recipient-field: name")
    public static let certificate = ParameterSpec(
        "certificate", .record([certificateHeading, certificateText, certificateIssuer, certificateRecipient]),
        summary:
            "A certificate for each winner, written out as Markdown and HTML by the daemon (`--certificates DIR`) and by `laurel simulate --certificates DIR`.",
        example: "certificate: { text: \"Đã đạt giải {tier}\", issuer: \"Công đoàn cơ quan\" }")

    static let certificatePlaces = ["recipient", "tier", "rank", "amount", "total", "title"]

    public static let parameters = [tiers, tieBreak, minimumScore, baseAmount, roundUpTo, budget, certificate]
    public static let choosesEntries = true
    public static let outcomes = [OutcomeSpec("awarded", summary: "The prizes were allocated and recorded.")]
    public static let outcomeValues = [
        OutcomeValueSpec("winners", .number, summary: "How many entries received a prize."),
        OutcomeValueSpec("total-amount", .number, summary: "The sum of the prizes in VND."),
        OutcomeValueSpec(
            "over-budget", .number,
            summary: "How many ranked entries got no prize because it would have exceeded the budget."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        var seen: Set<String> = []
        for (index, tier) in (parameters[tiers]?.list ?? []).enumerated() {
            guard let name = tier.record?["name"]?.text else { continue }
            if !seen.insert(name).inserted {
                problems.append(
                    StepProblem(
                        "two prize tiers are named '\(name)'; each tier needs its own name",
                        at: ["tiers", String(index), "name"]))
            }
            guard let record = tier.record else { continue }
            if record[tierAmount] != nil, record[tierCoefficient] != nil {
                problems.append(
                    StepProblem(
                        "tier '\(name)' gives both an amount and a coefficient; keep one",
                        at: ["tiers", String(index), "coefficient"]))
            } else if let coefficient = record[tierCoefficient]?.number {
                if parameters[baseAmount] == nil {
                    problems.append(
                        StepProblem(
                            "tier '\(name)' has a coefficient, so the step needs 'base-amount' (the amount it multiplies)",
                            at: ["tiers", String(index), "coefficient"]))
                }
                if (coefficient * 1000).rounded() != coefficient * 1000 {
                    problems.append(
                        StepProblem(
                            "the coefficient \(coefficient.formattedForMessage) has more than three decimals",
                            at: ["tiers", String(index), "coefficient"]))
                }
            }
        }
        if let text = parameters[certificate]?.record?[certificateText]?.text {
            switch TextTemplate.parse(text, what: "the certificate's text") {
            case .failure(let problem):
                problems.append(StepProblem(problem.message, at: ["certificate", "text"]))
            case .success(let template):
                for place in template.places where !certificatePlaces.contains(place) {
                    problems.append(
                        StepProblem(
                            "the certificate's text reads '{\(place)}'\(Suggestions.didYouMean(place, in: certificatePlaces)); a certificate can fill in \(certificatePlaces.map { "{\($0)}" }.joined(separator: ", "))",
                            at: ["certificate", "text"]))
                }
            }
        }
        if let budget = parameters[budget]?.integer {
            let configuration = configure(parameters)
            let most = configuration.tiers.reduce(0) { $0 + $1.count * $1.amount }
            if most > budget {
                let detail = configuration.tiers.map { "\($0.count) x \($0.amount.groupedByThousands)" }.joined(
                    separator: " + ")
                problems.append(
                    StepProblem(
                        "the tiers can give \(most.groupedByThousands) VND (\(detail)), more than the budget of \(budget.groupedByThousands) VND; lower the counts or amounts, or raise the budget",
                        at: ["budget"]))
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

    public struct CertificateForm: Sendable {
        var heading: String
        var text: TextTemplate
        var issuer: String?
        var recipientField: String
        var campaignTitle: String
    }

    public struct Configuration: Sendable {
        var tiers: [Tier]
        var byEntryOrder: Bool
        var passMark: Double?
        var budget: Int?
        var certificate: CertificateForm?
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        var configuration = configure(parameters)
        if let record = parameters[certificate]?.record {
            configuration.certificate = CertificateForm(
                heading: record[certificateHeading]?.text ?? "GIẤY KHEN",
                text: (try? TextTemplate.parse(record[certificateText]?.text ?? "").get()) ?? TextTemplate(parts: []),
                issuer: record[certificateIssuer]?.text, recipientField: record[certificateRecipient]?.text ?? "name",
                campaignTitle: workflow.title)
        }
        return configuration
    }

    /// The certificate of one award: the recipient from the entry's recipient field, its title
    /// or its id; the places of the text filled in.
    static func certificate(_ form: CertificateForm, _ award: Award, _ entry: Entry, on date: String) -> Certificate {
        let recipient = entry.fields[form.recipientField]?.text ?? entry.fields["title"]?.text ?? entry.id
        let text = form.text.render { place in
            switch place {
            case "recipient": return recipient
            case "tier": return award.tier
            case "rank": return String(award.rank)
            case "amount": return TextTemplate.number(Double(award.amount))
            case "total": return award.total.formattedForMessage
            case "title": return form.campaignTitle
            default: return "{\(place)}"
            }
        }
        return Certificate(
            entry: award.entry, recipient: recipient, heading: form.heading, text: text, tier: award.tier,
            amount: award.amount, issuer: form.issuer, campaignTitle: form.campaignTitle, issuedOn: date)
    }

    /// The tiers with their amounts worked out: a coefficient times the base, rounded up.
    static func configure(_ parameters: ParameterValues) -> Configuration {
        let base = parameters[baseAmount]?.integer ?? 0
        let step = max(1, parameters[roundUpTo]?.integer ?? 10_000)
        let tiers = (parameters[tiers]?.list ?? []).compactMap(\.record).map { record in
            let amount =
                record[tierCoefficient]?.number.map { prize(coefficient: $0, base: base, roundUpTo: step) }
                ?? record[tierAmount]?.integer ?? 0
            return Tier(name: record[tierName]?.text ?? "", count: record[tierCount]?.integer ?? 0, amount: amount)
        }
        return Configuration(
            tiers: tiers, byEntryOrder: parameters[tieBreak]?.text == "entry-order",
            passMark: parameters[minimumScore]?.number, budget: parameters[budget]?.integer)
    }

    /// coefficient x base, rounded up to a multiple of `roundUpTo`, in whole numbers (the
    /// coefficient in thousandths), so 0.3 x 1,490,000 is 447,000 and 1.5 x 1,490,000 is 2,240,000.
    public static func prize(coefficient: Double, base: Int, roundUpTo step: Int) -> Int {
        let thousandths = Int((coefficient * 1000).rounded())
        let exact = thousandths * base  // in thousandths of a dong
        let unit = step * 1000
        return (exact + unit - 1) / unit * step
    }

    /// Ranks the reviewed entries by total, highest first; equal totals are decided by the
    /// review's tie-break chain, then go to the entry submitted first (or with the smaller id,
    /// for `tie-break: entry-order`). Tiers are filled in order.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<NoMemory> {
        // Totals and positions only: plain numbers swap without reference counting, and the
        // entries themselves are read only to break a tie.
        let entries = context.entries.array
        let passMark = configuration.passMark ?? -.infinity
        var ranked: [(total: Double, index: Int)] = []
        ranked.reserveCapacity(entries.count)
        for index in entries.indices {
            guard let total = entries[index].score?.total, total >= passMark else { continue }
            ranked.append((total, index))
        }
        ranked.sort { lhs, rhs in
            if lhs.total != rhs.total { return lhs.total > rhs.total }
            return entries[lhs.index].score!.ranksBefore(entries[rhs.index].score!)
                ?? (configuration.byEntryOrder ? entries[lhs.index].id < entries[rhs.index].id : lhs.index < rhs.index)
        }
        var effects: [Effect] = []
        effects.reserveCapacity(min(ranked.count, configuration.tiers.reduce(0) { $0 + $1.count }))
        var position = 0
        var totalAmount = 0
        var overBudget = 0
        for (tierIndex, tier) in configuration.tiers.enumerated() {
            for _ in 0..<tier.count where position < ranked.count {
                let index = ranked[position].index
                let score = entries[index].score!
                position += 1
                if let budget = configuration.budget, totalAmount + tier.amount > budget {
                    overBudget += 1
                    continue
                }
                totalAmount += tier.amount
                let award = Award(
                    entry: entries[index].id, rank: position, tier: tier.name, tierNumber: tierIndex + 1,
                    amount: tier.amount, total: score.total, reviews: score.reviews)
                effects.append(.award(award))
                if let form = configuration.certificate {
                    let date = "\(context.calendar.local(context.now).date)"
                    effects.append(.certificate(certificate(form, award, entries[index], on: date)))
                }
            }
        }
        var reaction = StepReaction.end(
            "awarded",
            values: [
                "winners": .number(Double(position - overBudget)),
                "total-amount": .number(Double(totalAmount)),
                "over-budget": .number(Double(overBudget)),
            ],
            memory: NoMemory())
        if overBudget > 0, let budget = configuration.budget {
            effects.append(
                .notify(
                    audience: "organisers",
                    message:
                        "\(overBudget) ranked entr\(overBudget == 1 ? "y gets" : "ies get") no prize: the budget of \(budget.groupedByThousands) VND is spent",
                    channels: ["budget"]))
        }
        reaction.effects = effects
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: NoMemory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<NoMemory> {
        .refuse("the prizes have already been allocated", memory: memory)
    }
}
