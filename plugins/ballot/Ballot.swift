public import LaurelCore

/// A council votes on nominees (bỏ phiếu): open or secret, with a quorum and an approval rule
/// whose denominator is explicit.
public enum Ballot: StepPlugin {
    public static let kind = "ballot"
    public static let summary =
        "Council members vote for or against each nominee, openly or by secret ballot; the approval rule names its denominator."

    public static let council = ParameterSpec(
        "council", .council, required: true,
        summary:
            "The council, defined under `councils:`, whose members vote; its quorum is the members who must vote in person.",
        example: "council: emulation")
    public static let window = ParameterSpec(
        "window", .duration, required: true,
        summary: "How long the ballot is open, from entering the state; it closes earlier when every member has voted.",
        example: "window: P7D")
    public static let secret = ParameterSpec(
        "secret", .boolean, default: .boolean(true),
        summary:
            "A secret ballot keeps only the count: no log, history or output says how a member voted, only that they did.",
        example: "secret: false")
    public static let approval = ParameterSpec(
        "approval", .text, default: .text("more than half of members"),
        summary:
            "Which nominees are approved: 'at least' or 'more than', a share (90%, 2/3, half, two thirds), 'of', and the denominator: members (of the council, absent ones included), present (members who voted, in person or in writing) or votes-cast (approvals and rejections of that nominee, blanks left out).",
        example: "approval: at least 90% of members")
    public static let writtenVotes = ParameterSpec(
        "written-votes", .boolean, default: .boolean(false),
        summary:
            "Whether an absent member may vote in writing; a written vote counts towards approval, not towards the quorum.",
        example: "written-votes: true")
    public static let nominees = ParameterSpec(
        "nominees", .entryKind,
        summary: "The kind of entry voted on; every entry of the campaign when absent.",
        example: "nominees: nomination")

    public static let onlyNominated = ParameterSpec(
        "only-nominated", .boolean, default: .boolean(false),
        summary:
            "Whether only the entries a previous step kept (those with a review or nomination result) are on the paper; every entry of the kind when false.",
        example: "only-nominated: true")

    public static let parameters = [council, window, secret, approval, writtenVotes, nominees, onlyNominated]
    public static let choosesEntries = true
    public static let outcomes = [
        OutcomeSpec(
            "decided",
            summary:
                "The votes were counted with the quorum voting in person; approved nominees keep their vote count as their score."
        ),
        OutcomeSpec(
            "no-quorum",
            summary:
                "The ballot closed with fewer members voting in person than the council's quorum; nothing is approved."),
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("approved", .number, summary: "How many nominees were approved."),
        OutcomeValueSpec("present", .number, summary: "How many members voted, in person or in writing."),
        OutcomeValueSpec("in-writing", .number, summary: "How many of them voted in writing."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        guard let text = parameters[approval]?.text else { return [] }
        do {
            _ = try ApprovalRule(parsing: text)
            return []
        } catch {
            return [StepProblem(error.description, at: ["approval"])]
        }
    }
}

/// "at least 90% of members": a comparison, a share and a denominator, compared in whole numbers
/// so that 2/3 of 9 is exactly 6.
public struct ApprovalRule: Sendable, Hashable, CustomStringConvertible {
    public enum Denominator: String, Sendable, Hashable, CaseIterable {
        case members, present
        case votesCast = "votes-cast"
    }

    public var strictlyMore: Bool
    public var numerator: Int
    public var denominator: Int
    public var of: Denominator

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        let usage =
            "write it like 'at least 90% of members', 'more than half of present' or 'at least 2/3 of votes-cast'"
        var words = text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        func take(_ phrase: String) -> Bool {
            let parts = phrase.split(separator: " ").map(String.init)
            guard words.starts(with: parts) else { return false }
            words.removeFirst(parts.count)
            return true
        }
        if take("at least") {
            strictlyMore = false
        } else if take("more than") {
            strictlyMore = true
        } else {
            throw ParseError(
                description: "the approval rule '\(text)' must start with 'at least' or 'more than'; \(usage)")
        }
        if take("half") {
            (numerator, denominator) = (1, 2)
        } else if take("two thirds") {
            (numerator, denominator) = (2, 3)
        } else if take("three quarters") {
            (numerator, denominator) = (3, 4)
        } else if let share = words.first {
            words.removeFirst()
            if share.hasSuffix("%"), let percent = Int(share.dropLast()), (1...100).contains(percent) {
                (numerator, denominator) = (percent, 100)
            } else if case let parts = share.split(separator: "/"), parts.count == 2,
                let top = Int(parts[0]), let bottom = Int(parts[1]), top > 0, bottom > 0, top <= bottom
            {
                (numerator, denominator) = (top, bottom)
            } else {
                throw ParseError(
                    description:
                        "'\(share)' in the approval rule is not a share: use a percentage from 1% to 100%, a fraction like 2/3, 'half' or 'two thirds'"
                )
            }
        } else {
            throw ParseError(description: "the approval rule '\(text)' names no share; \(usage)")
        }
        guard take("of"), words.count >= 1 else {
            throw ParseError(
                description: "the approval rule '\(text)' must end with 'of' and what the share is of; \(usage)")
        }
        let name = words.joined(separator: "-")
        guard let of = Denominator(rawValue: name) else {
            throw ParseError(
                description:
                    "the approval rule counts a share of '\(words.joined(separator: " "))', which is not one of members, present or votes-cast\(Suggestions.didYouMean(name, in: Denominator.allCases.map(\.rawValue)))"
            )
        }
        self.of = of
    }

    /// Whether `approvals` meets the rule over `base` (the denominator's count); never over 0.
    public func approves(_ approvals: Int, of base: Int) -> Bool {
        guard base > 0 else { return false }
        let left = approvals * denominator
        let right = numerator * base
        return strictlyMore ? left > right : left >= right
    }

    public var description: String {
        let share =
            switch (numerator, denominator) {
            case (1, 2): "half"
            case (2, 3): "two thirds"
            case (3, 4): "three quarters"
            case (_, 100): "\(numerator)%"
            default: "\(numerator)/\(denominator)"
            }
        return "\(strictlyMore ? "more than" : "at least") \(share) of \(of.rawValue)"
    }
}

extension Ballot: RunnableStep {
    public struct Configuration: Sendable {
        var council: String
        var members: [String]
        var quorum: Int
        var window: ISODuration
        var secret: Bool
        var rule: ApprovalRule
        var writtenVotes: Bool
        var nomineeKind: String?
        var onlyNominated: Bool
    }

    /// The register of who voted and the running count per nominee, in the nominees' order.
    /// No paper is kept: for a secret ballot nothing here says how anyone voted.
    public struct Memory: StepMemory {
        /// Member → voted in writing.
        public var register: [String: Bool] = [:]
        public var approvals: [Int] = []
        public var rejections: [Int] = []
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        let name = parameters[council]?.text ?? ""
        let definition = workflow.councils.first { $0.name == name }
        let members = definition?.members ?? []
        return Configuration(
            council: name, members: members,
            quorum: definition?.quorum?.required(members: members.count) ?? 1,
            window: parameters[window]?.duration ?? ISODuration(days: 7),
            secret: parameters[secret]?.boolean ?? true,
            // Checked at validation; the default is the rule the declaration documents.
            rule: (try? ApprovalRule(parsing: parameters[approval]?.text ?? "")) ?? ApprovalRule.majorityOfMembers,
            writtenVotes: parameters[writtenVotes]?.boolean ?? false,
            nomineeKind: parameters[nominees]?.text, onlyNominated: parameters[onlyNominated]?.boolean ?? false)
    }

    static func nominees(_ configuration: Configuration, _ context: StepContext) -> [Entry] {
        if configuration.onlyNominated {
            return context.entries.filter { entry in
                entry.score != nil && (configuration.nomineeKind.map { entry.kind == $0 } ?? true)
            }
        }
        guard let kind = configuration.nomineeKind, context.entries.kinds != [kind] else {
            return context.entries.array
        }
        return context.entries.filter { $0.kind == kind }
    }

    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        let count = nominees(configuration, context).count
        let memory = Memory(approvals: Array(repeating: 0, count: count), rejections: Array(repeating: 0, count: count))
        if count == 0 {
            return .end(
                "decided", values: ["approved": .number(0), "present": .number(0), "in-writing": .number(0)],
                memory: memory)
        }
        var reaction = StepReaction(memory: memory)
        reaction.timers = [("window", context.calendar.adding(configuration.window, to: context.enteredAt))]
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        switch input {
        case .vote(let vote):
            return cast(vote, memory: memory, configuration: configuration, context: context)
        case .timer("window"):
            return count(memory: memory, configuration: configuration, context: context)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        case .timer(let name):
            return .refuse("ballot has no timer '\(name)'", memory: memory)
        case .scores, .childClosed:
            return .refuse("a ballot takes votes, not scores or reports", memory: memory)
        }
    }

    public static func task(
        for person: String, _ configuration: Configuration, memory: Memory, context: StepContext
    ) -> StepTask? {
        guard configuration.members.contains(person) else { return nil }
        return .ballot(
            BallotTask(
                council: configuration.council, nominees: nominees(configuration, context).map(\.id),
                secret: configuration.secret, writtenVotes: configuration.writtenVotes,
                voted: memory.register[person] != nil))
    }

    private static func cast(
        _ vote: Vote, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        guard !vote.isSealed else {
            return .refuse(
                "the paper of '\(vote.member)' was sealed (a secret ballot keeps no choices), so it cannot be counted again",
                memory: memory)
        }
        guard configuration.members.contains(vote.member) else {
            return .refuse("'\(vote.member)' is not a member of council '\(configuration.council)'", memory: memory)
        }
        guard memory.register[vote.member] == nil else {
            return .refuse(
                "'\(vote.member)' has already voted in this ballot; a paper cannot be changed once cast", memory: memory
            )
        }
        guard !vote.inWriting || configuration.writtenVotes else {
            return .refuse(
                "this ballot takes no written votes: members vote in person (the step's written-votes is false)",
                memory: memory)
        }
        let nominees = nominees(configuration, context)
        var position: [String: Int] = [:]
        for (index, nominee) in nominees.enumerated() { position[nominee.id] = index }
        var memory = memory
        var marked: Set<Int> = []
        for choice in vote.choices {
            guard let index = position[choice.nominee] else {
                return .refuse(
                    "there is no nominee '\(choice.nominee)' in this ballot\(Suggestions.didYouMean(choice.nominee, in: nominees.map(\.id)))",
                    memory: memory)
            }
            guard marked.insert(index).inserted else {
                return .refuse("the paper of '\(vote.member)' marks nominee '\(choice.nominee)' twice", memory: memory)
            }
            if choice.approve { memory.approvals[index] += 1 } else { memory.rejections[index] += 1 }
        }
        memory.register[vote.member] = vote.inWriting
        if memory.register.count == configuration.members.count {
            var reaction = count(memory: memory, configuration: configuration, context: context)
            reaction.isSecret = configuration.secret
            return reaction
        }
        var reaction = StepReaction(memory: memory)
        reaction.isSecret = configuration.secret
        return reaction
    }

    /// Closes the ballot. With the quorum voting in person, each nominee the rule approves keeps
    /// its approvals as its score (so a later step ranks by votes, then by the result it had
    /// before) and the others lose any score; the minutes (the count per nominee) go out as a
    /// notice to the council.
    private static func count(memory: Memory, configuration: Configuration, context: StepContext) -> StepReaction<
        Memory
    > {
        let present = memory.register.count
        let inWriting = memory.register.values.count { $0 }
        let inPerson = present - inWriting
        let values: [String: Value] = ["present": .number(Double(present)), "in-writing": .number(Double(inWriting))]
        let nominees = nominees(configuration, context)
        guard inPerson >= configuration.quorum else {
            var reaction = StepReaction.end(
                "no-quorum", values: values.merging(["approved": .number(0)]) { $1 }, memory: memory)
            reaction.effects = [minutes(memory, nominees, approved: [], configuration: configuration, quorumMet: false)]
            return reaction
        }
        var approved: Set<Int> = []
        var reaction = StepReaction<Memory>(memory: memory)
        for (index, nominee) in nominees.enumerated() {
            let base: Int
            switch configuration.rule.of {
            case .members: base = configuration.members.count
            case .present: base = present
            case .votesCast: base = memory.approvals[index] + memory.rejections[index]
            }
            if configuration.rule.approves(memory.approvals[index], of: base) {
                approved.insert(index)
                // Equal vote counts are decided by what ranked the nominee before the ballot: the
                // review's total, then its tie-break chain (docs/plugins.md, "How the ballot counts").
                let before = nominee.score.map { [$0.total] + $0.tieBreakers } ?? []
                reaction.scores.append(
                    (
                        nominee.id,
                        EntryScore(
                            total: Double(memory.approvals[index]), reviews: present,
                            tieBreakers: before)
                    ))
            } else {
                reaction.scores.append((nominee.id, nil))
            }
        }
        reaction.outcome = ("decided", values.merging(["approved": .number(Double(approved.count))]) { $1 })
        reaction.effects = [
            minutes(memory, nominees, approved: approved, configuration: configuration, quorumMet: true)
        ]
        return reaction
    }

    /// The vote-count minutes (biên bản kiểm phiếu): counts only, never names, even when open.
    static func minutes(
        _ memory: Memory, _ nominees: [Entry], approved: Set<Int>, configuration: Configuration,
        quorumMet: Bool
    ) -> Effect {
        let inWriting = memory.register.values.count { $0 }
        var lines = [
            "Minutes of the \(configuration.secret ? "secret" : "open") ballot of council '\(configuration.council)': "
                + "\(memory.register.count) of \(configuration.members.count) members voted (\(inWriting) in writing); "
                + "quorum \(configuration.quorum) in person \(quorumMet ? "met" : "not met"); rule: \(configuration.rule)."
        ]
        for (index, nominee) in nominees.enumerated() {
            let blank = memory.register.count - memory.approvals[index] - memory.rejections[index]
            lines.append(
                "\(nominee.id): \(memory.approvals[index]) for, \(memory.rejections[index]) against, \(blank) blank — "
                    + (approved.contains(index) ? "approved" : "not approved"))
        }
        return .notify(
            audience: "council:\(configuration.council)", message: lines.joined(separator: "\n"), channels: ["minutes"])
    }

    /// Most members vote at a random moment of the window (up to one in five is absent), a few in
    /// writing where allowed; each approves a nominee nine times in ten, so most are approved and
    /// some are not.
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        let now = simulation.context.enteredAt
        let window = simulation.nextDue ?? now + 7 * 86_400
        let nominees = nominees(configuration, simulation.context)
        let absentChance = simulation.random(upTo: 20)
        var events: [TimedEvent] = []
        for member in configuration.members {
            let absent = simulation.random(upTo: 100) < absentChance
            if absent && !(configuration.writtenVotes && simulation.random(upTo: 2) == 0) { continue }
            let at = now + Instant(simulation.random(upTo: Int(max(1, window - now))))
            var choices: [Vote.Choice] = []
            for nominee in nominees {
                switch simulation.random(upTo: 20) {
                case 0: continue
                case 1: choices.append(Vote.Choice(nominee: nominee.id, approve: false))
                default: choices.append(Vote.Choice(nominee: nominee.id, approve: true))
                }
            }
            events.append(TimedEvent(at: at, event: .vote(Vote(member: member, choices: choices, inWriting: absent))))
        }
        return events
    }
}

extension ApprovalRule {
    /// "more than half of members", the parameter's default.
    static let majorityOfMembers = ApprovalRule(strictlyMore: true, numerator: 1, denominator: 2, of: .members)

    init(strictlyMore: Bool, numerator: Int, denominator: Int, of: Denominator) {
        self.strictlyMore = strictlyMore
        self.numerator = numerator
        self.denominator = denominator
        self.of = of
    }
}
