/// A value carried by a campaign: an input, an entry field, an outcome value.
public enum Value: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case boolean(Bool)
    case instant(Instant)
    case duration(ISODuration)

    public var number: Double? { if case .number(let value) = self { return value } else { return nil } }
    public var text: String? { if case .text(let value) = self { return value } else { return nil } }
    public var boolean: Bool? { if case .boolean(let value) = self { return value } else { return nil } }

    public var description: String {
        switch self {
        case .number(let value): return value.formattedForMessage
        case .text(let value): return value
        case .boolean(let value): return value ? "true" : "false"
        case .instant(let value): return "@\(value)"
        case .duration(let value): return value.description
        }
    }
}

/// Something submitted to a campaign: an initiative, a clip, a nomination.
public struct Entry: Sendable, Hashable, Codable {
    public var id: String
    public var kind: String
    /// The unit it comes from, used to keep council members off entries of their own unit.
    public var unit: String?
    public var submittedBy: String?
    public var fields: NamedValues<Value>
    /// Set by the engine when the entry is accepted.
    public var submittedAt: Instant
    /// The review result, set by the engine when a council review closes; nil until then, and
    /// for entries no member scored.
    public var score: EntryScore?

    public init(
        id: String, kind: String, unit: String? = nil, submittedBy: String? = nil, fields: NamedValues<Value> = [:],
        submittedAt: Instant = 0, score: EntryScore? = nil
    ) {
        self.id = id
        self.kind = kind
        self.unit = unit
        self.submittedBy = submittedBy
        self.fields = fields
        self.submittedAt = submittedAt
        self.score = score
    }
}

/// One council member's scores: for each entry, a value per rubric criterion in rubric order.
public struct ScoreSheet: Sendable, Hashable, Codable {
    public struct Line: Sendable, Hashable, Codable {
        public var entry: String
        public var values: ScoreValues

        public init(entry: String, values: [Double]) {
            self.entry = entry
            self.values = ScoreValues(values)
        }

        /// A line of a one-criterion rubric.
        public init(entry: String, score: Double) {
            self.entry = entry
            self.values = ScoreValues(score)
        }
    }

    public var member: String
    public var lines: [Line]

    public init(member: String, lines: [Line]) {
        self.member = member
        self.lines = lines
    }
}

/// A score sheet line's values, one per rubric criterion, coded as a JSON array.
///
/// Most rubrics have one criterion, and a sheet has a line per entry (54 in the lifecycle
/// benchmark, thousands in a national review), so one value is kept inline: an array per line
/// was an allocation and a release per line, 8% of the lifecycle benchmark (docs/performance.md).
public struct ScoreValues: Sendable, Hashable, Codable, RandomAccessCollection {
    // Inlinable: the council review reads every value of every line of every sheet, from
    // another module.
    @usableFromInline
    enum Storage: Sendable {
        case one(Double)
        /// Never exactly one value.
        case many([Double])
    }

    @usableFromInline
    let storage: Storage

    public init(_ value: Double) { storage = .one(value) }

    public init(_ values: [Double]) { storage = values.count == 1 ? .one(values[0]) : .many(values) }

    @inlinable
    public var startIndex: Int { 0 }
    @inlinable
    public var endIndex: Int {
        switch storage {
        case .one: return 1
        case .many(let values): return values.count
        }
    }

    @inlinable
    public subscript(position: Int) -> Double {
        switch storage {
        case .one(let value):
            precondition(position == 0, "index out of range")
            return value
        case .many(let values):
            return values[position]
        }
    }

    public static func == (lhs: ScoreValues, rhs: ScoreValues) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for value in self { hasher.combine(value) }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [Double](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}

/// A council member's ballot paper: approve or reject for each nominee marked on it (a nominee
/// left unmarked is a blank for that nominee).
public struct Vote: Sendable, Hashable, Codable {
    public struct Choice: Sendable, Hashable, Codable {
        public var nominee: String
        public var approve: Bool

        public init(nominee: String, approve: Bool) {
            self.nominee = nominee
            self.approve = approve
        }
    }

    public var member: String
    public var choices: [Choice]
    /// Sent in writing by a member absent from the meeting, where the ballot allows it.
    public var inWriting: Bool
    /// True for the logged form of a secret ballot's paper: the choices were removed, so the log
    /// keeps only that the member voted (see ``sealed``).
    public var isSealed: Bool

    public init(member: String, choices: [Choice], inWriting: Bool = false, isSealed: Bool = false) {
        self.member = member
        self.choices = choices
        self.inWriting = inWriting
        self.isSealed = isSealed
    }

    /// The paper without its choices: what is kept of a secret vote.
    public var sealed: Vote { Vote(member: member, choices: [], inWriting: inWriting, isSealed: true) }

    private enum CodingKeys: String, CodingKey { case member, choices, inWriting, isSealed, nominee, approve }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(member, forKey: .member)
        try container.encode(choices, forKey: .choices)
        if inWriting { try container.encode(true, forKey: .inWriting) }
        if isSealed { try container.encode(true, forKey: .isSealed) }
    }

    /// Also reads the one-nominee form logged before papers (`nominee`, `approve`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        member = try container.decode(String.self, forKey: .member)
        if let nominee = try container.decodeIfPresent(String.self, forKey: .nominee) {
            choices = [Choice(nominee: nominee, approve: try container.decode(Bool.self, forKey: .approve))]
        } else {
            choices = try container.decode([Choice].self, forKey: .choices)
        }
        inWriting = try container.decodeIfPresent(Bool.self, forKey: .inWriting) ?? false
        isSealed = try container.decodeIfPresent(Bool.self, forKey: .isSealed) ?? false
    }
}

/// What can happen to a campaign from outside. The engine applies one at a time, at an instant.
public enum CampaignEvent: Sendable, Hashable, Codable {
    /// An entry is submitted; the current state must accept its kind.
    case submit(Entry)
    /// An entry is withdrawn.
    case withdraw(entry: String)
    /// A unit reports a number towards a metric (units often report counts, not each entry).
    case report(metric: String, amount: Double)
    /// A council member's scores.
    case scores(ScoreSheet)
    /// A council member's vote.
    case vote(Vote)
    /// An event declared under `events:`, sent by a person.
    case command(String)
    /// An armed timer fires; the id is the one the campaign armed it with.
    case timer(id: Int)
    /// A repeating reminder that fell due more than one period ago (the daemon was down) is passed
    /// over: it is armed again for its next occurrence and sends nothing.
    case skipTimer(id: Int)
    /// A child campaign this one started (a cascade) finished: what it chose comes up.
    case childClosed(ChildReport)
}

/// What a finished child campaign reports to its parent: its id, the unit it ran for, the state
/// it finished in, and its chosen entries (those with a review result when it finished).
public struct ChildReport: Sendable, Hashable, Codable {
    public var campaign: String
    public var unit: String?
    public var finalState: String
    public var entries: [Entry]

    public init(campaign: String, unit: String?, finalState: String, entries: [Entry]) {
        self.campaign = campaign
        self.unit = unit
        self.finalState = finalState
        self.entries = entries
    }

    /// The report of a finished campaign. The entries it chose: those given an award when it gave
    /// awards, otherwise those with a result (what its review passed, its nomination took or its
    /// ballot approved).
    public init(of child: Campaign, unit: String?) {
        let chosen: [Entry]
        if child.awards.isEmpty {
            chosen = child.entries.filter { $0.score != nil }
        } else {
            let awarded = Set(child.awards.map(\.entry))
            chosen = child.entries.filter { awarded.contains($0.id) }
        }
        self.init(campaign: child.id, unit: unit, finalState: child.state, entries: chosen)
    }
}

extension CampaignEvent {
    /// The form kept of a secret input: a vote without its choices; other events are unchanged.
    public var sealed: CampaignEvent {
        if case .vote(let vote) = self { return .vote(vote.sealed) }
        return self
    }

    /// A few words for logs and timelines: "entry SK-1", "event launch", "timer 3".
    public var summary: String {
        switch self {
        case .submit(let entry): return "entry \(entry.id)"
        case .withdraw(let id): return "withdrawal of \(id)"
        case .report(let metric, let amount): return "report \(metric) +\(amount.formattedForMessage)"
        case .scores(let sheet): return "scores of \(sheet.member)"
        case .vote(let vote):
            // An open paper says how the member voted; a sealed one only that they did.
            let who = vote.inWriting ? "written vote of \(vote.member)" : "vote of \(vote.member)"
            guard !vote.isSealed, !vote.choices.isEmpty else { return who }
            let approved = vote.choices.filter(\.approve).map(\.nominee)
            let rejected = vote.choices.filter { !$0.approve }.map(\.nominee)
            return who + ": "
                + [
                    approved.isEmpty ? nil : "for " + approved.joined(separator: ", "),
                    rejected.isEmpty ? nil : "against " + rejected.joined(separator: ", "),
                ]
                .compactMap { $0 }.joined(separator: "; ")
        case .command(let name): return "event \(name)"
        case .timer(let id): return "timer \(id)"
        case .skipTimer(let id): return "late reminder \(id) passed over"
        case .childClosed(let report): return "report of \(report.campaign) (\(report.entries.count) chosen)"
        }
    }
}

/// A timer the campaign is waiting for. Leaving the state disarms every timer of the state.
public struct ArmedTimer: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// The state's `timers:` entry at this index.
        case state(index: Int)
        /// A timer the step asked for, by the step's own name for it.
        case step(name: String)
    }

    public var id: Int
    public var due: Instant
    public var source: Source

    public init(id: Int, due: Instant, source: Source) {
        self.id = id
        self.due = due
        self.source = source
    }
}

/// A move from one state to another, and why.
public struct Transition: Sendable, Hashable, Codable {
    public var at: Instant
    public var from: String?
    public var to: String
    /// "start", "event launch", "outcome deadline", "timer", ...
    public var cause: String
    /// The metrics when the move happened, for timelines.
    public var metrics: NamedValues<Double>
}

/// A prize given to an entry.
public struct Award: Sendable, Hashable, Codable {
    public var entry: String
    public var rank: Int
    public var tier: String
    /// 1 for the first tier listed, 2 for the next, ...
    public var tierNumber: Int
    public var amount: Int
    public var total: Double
    public var reviews: Int

    public init(entry: String, rank: Int, tier: String, tierNumber: Int, amount: Int, total: Double, reviews: Int) {
        self.entry = entry
        self.rank = rank
        self.tier = tier
        self.tierNumber = tierNumber
        self.amount = amount
        self.total = total
        self.reviews = reviews
    }
}

/// An entry's review result: the weighted total over the members who scored it.
public struct EntryScore: Sendable, Hashable, Codable {
    public var total: Double
    public var reviews: Int
    /// What decides between equal totals, in the order the review declared (its `tie-break:`
    /// chain): the higher value ranks first. Empty when the review declared none.
    public var tieBreakers: [Double]

    public init(total: Double, reviews: Int, tieBreakers: [Double] = []) {
        self.total = total
        self.reviews = reviews
        self.tieBreakers = tieBreakers
    }

    /// Whether this result ranks before `other` (the higher total, then the higher value of each
    /// tie-breaker in turn), after it, or level with it (nil): the ranking steps then apply their
    /// own last rule, which always decides.
    public func ranksBefore(_ other: EntryScore) -> Bool? {
        if total != other.total { return total > other.total }
        for (mine, theirs) in zip(tieBreakers, other.tieBreakers) where mine != theirs {
            return mine > theirs
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case total, reviews
        case tieBreakers = "tie-breakers"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        total = try container.decode(Double.self, forKey: .total)
        reviews = try container.decode(Int.self, forKey: .reviews)
        tieBreakers = try container.decodeIfPresent([Double].self, forKey: .tieBreakers) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(total, forKey: .total)
        try container.encode(reviews, forKey: .reviews)
        if !tieBreakers.isEmpty { try container.encode(tieBreakers, forKey: .tieBreakers) }
    }
}

/// One running (or finished) instance of a workflow version. The whole state lives here, so a
/// fresh process can resume from it: the engine keeps nothing else.
public struct Campaign: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        case running, finished
    }

    public var id: String
    public var workflowID: String
    /// The content hash of the exact workflow text the campaign started on.
    public var workflowVersion: String
    public var status: Status
    public var state: String
    public var enteredAt: Instant
    public var inputs: [String: Value]
    public var metrics: NamedValues<Double>
    /// As read from a store, only their count and kinds until loaded (``EntryList``).
    public var entries: EntryList
    public var awards: [Award]
    public var step: StepMemoryBox?
    public var timers: [ArmedTimer]
    public var nextTimerID: Int
    public var transitions: [Transition]
    /// How many events have been applied.
    public var eventCount: Int

    public init(
        id: String, workflowID: String, workflowVersion: String, status: Status, state: String, enteredAt: Instant,
        inputs: [String: Value], metrics: NamedValues<Double>, entries: EntryList, awards: [Award],
        step: StepMemoryBox?, timers: [ArmedTimer], nextTimerID: Int, transitions: [Transition], eventCount: Int
    ) {
        self.id = id
        self.workflowID = workflowID
        self.workflowVersion = workflowVersion
        self.status = status
        self.state = state
        self.enteredAt = enteredAt
        self.inputs = inputs
        self.metrics = metrics
        self.entries = entries
        self.awards = awards
        self.step = step
        self.timers = timers
        self.nextTimerID = nextTimerID
        self.transitions = transitions
        self.eventCount = eventCount
    }

    /// Gives an unloaded campaign its entries: the store's rows of it, in order, read in the
    /// transaction the campaign was read in. Entries appended since it was read stay after them.
    /// A store that holds another number of entries than the campaign counts is damaged.
    public mutating func loadEntries(_ stored: [Entry]) throws(CampaignCodec.CorruptData) {
        try entries.load(stored)
    }
}
