/// A type that a step keeps between events: its own part of the campaign's state.
///
/// It is encoded with the campaign, so it must be a plain value: same inputs, same memory.
public protocol StepMemory: Codable, Hashable, Sendable {}

/// The memory of a step that needs none.
public struct NoMemory: StepMemory {
    public init() {}
}

/// What a step may read when it reacts. It is a copy: a step changes nothing but its memory
/// and says everything else through its reaction.
public struct StepContext: Sendable {
    /// The campaign's id (a child campaign's id is made from it) and its start inputs.
    public var campaignID: String
    public var inputs: [String: Value]
    public var now: Instant
    public var enteredAt: Instant
    public var calendar: ZonedCalendar
    public var metrics: NamedValues<Double>
    /// The entries, each with its review result once a review has closed; `entries.array` gives
    /// them as an array. For a step that does not read entries (``StepPlugin/readsEntries``),
    /// only their `count` and `kinds`.
    public var entries: EntryList
    public var councils: [String: Council]
    /// The organisation data the engine was given (units, people, their roles); empty when none
    /// was imported. A council member's unit, a quota's population and a cascade's units come
    /// from here.
    public var organisation: Organisation
    /// The unit the campaign runs for: its input of type `unit`, when the workflow has one.
    public var unit: String?
}

/// What reaches a step.
public enum StepInput: Sendable, Hashable {
    case entry(Entry)
    case withdrawn(Entry)
    /// A metric changed (by an entry or a report).
    case metricChanged(String)
    case scores(ScoreSheet)
    case vote(Vote)
    /// One of the step's own timers fired.
    case timer(String)
    /// An event a state timer sends with `send:`, or a command the state's `on:` does not handle.
    case signal(String)
    /// A child campaign the step started finished (``ChildReport``).
    case childClosed(ChildReport)
}

/// A side effect the engine records and hands to whoever runs it (the daemon's outbox,
/// `simulate`'s timeline). Plugins never perform them.
public enum Effect: Sendable, Hashable, Codable {
    case notify(audience: String, message: String, channels: [String])
    case award(Award)
    /// Start a campaign of `workflow` as this one's child. `key` names it among this campaign's
    /// children (the unit it runs for): its id is "PARENT--KEY", and its end reports back here.
    case startChild(workflow: String, key: String, unit: String?, inputs: [String: Value])
    /// A winner's certificate, to be written out as a document.
    case certificate(Certificate)
}

/// A step's answer to entering its state or to an input.
public struct StepReaction<Memory: StepMemory>: Sendable {
    public var memory: Memory
    /// The outcome the step ends with, and the values `outcome.NAME` reads.
    public var outcome: (name: String, values: [String: Value])?
    /// Timers to arm, by the step's name for them, at an instant; arming a name again moves it.
    public var timers: [(name: String, due: Instant)] = []
    public var cancelTimers: [String] = []
    public var effects: [Effect] = []
    /// Review results to record with the campaign: entry id and result (nil clears it, as for a
    /// nominee a ballot did not approve), best given in the order of the campaign's entries
    /// (then they are recorded in one pass, without hashing ids).
    public var scores: [(entry: String, score: EntryScore?)] = []
    /// Entries that leave the campaign (a screening's ineligible): removed with their metrics;
    /// their submissions stay in the campaign's log, and the step says why in a notice.
    public var removeEntries: [String] = []
    /// Entries that join the campaign (a cascade's gathered nominees), with their metrics. An id
    /// already in the campaign refuses the input.
    public var addEntries: [Entry] = []
    /// Set when the input is refused: the campaign stays exactly as it was.
    public var refusal: String?
    /// Set by a step that took a secret input (a secret ballot's paper): the event is then kept
    /// only in its sealed form, so no log, history or output links a voter to their choices.
    public var isSecret = false

    public init(memory: Memory) {
        self.memory = memory
    }

    public static func refuse(_ reason: String, memory: Memory) -> StepReaction {
        var reaction = StepReaction(memory: memory)
        reaction.refusal = reason
        return reaction
    }

    public static func end(_ outcome: String, values: [String: Value] = [:], memory: Memory) -> StepReaction {
        var reaction = StepReaction(memory: memory)
        reaction.outcome = (outcome, values)
        return reaction
    }
}

/// The run side of a step plugin. Everything is a pure function of its arguments.
public protocol RunnableStep: StepPlugin {
    /// What the step needs from its `with:` block, built once per workflow version.
    associatedtype Configuration: Sendable
    associatedtype Memory: StepMemory

    static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar) -> Configuration
    static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory>
    static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory>
    /// Plausible inputs for a simulation without a script: what the people this step waits for
    /// would send while its state lasts. None by default.
    static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent]
    /// The target the step works towards, for a state entered at `enteredAt`: what a forecast
    /// watches. Nil (the default) for a step without one.
    static func goal(_ configuration: Configuration, enteredAt: Instant, calendar: ZonedCalendar) -> StepGoal?
    /// The configuration with another target or deadline, for a forecast's what-if; the default
    /// keeps it as it is.
    static func adjusting(_ configuration: Configuration, target: Double?, deadline: Instant?) -> Configuration
    /// What the step asks of `person` while its state lasts (a score sheet, a ballot paper), for
    /// the page they answer on. Nil (the default) when it asks nothing of them.
    static func task(for person: String, _ configuration: Configuration, memory: Memory, context: StepContext)
        -> StepTask?
}

extension RunnableStep {
    public static func simulate(_ configuration: Configuration, _ simulation: inout StepSimulation) -> [TimedEvent] {
        []
    }

    public static func goal(_ configuration: Configuration, enteredAt: Instant, calendar: ZonedCalendar) -> StepGoal? {
        nil
    }

    public static func adjusting(_ configuration: Configuration, target: Double?, deadline: Instant?) -> Configuration {
        configuration
    }

    public static func task(for person: String, _ configuration: Configuration, memory: Memory, context: StepContext)
        -> StepTask?
    {
        nil
    }
}

/// What a step asks of one council member: the entries to score on a rubric, or a ballot paper.
public enum StepTask: Sendable, Hashable {
    case scoring(ScoringTask)
    case ballot(BallotTask)
}

/// A council member's score sheet as the review step sees it.
public struct ScoringTask: Sendable, Hashable {
    public struct Criterion: Sendable, Hashable {
        public var name: String
        public var weight: Double
        public var maximum: Double

        public init(name: String, weight: Double, maximum: Double) {
            self.name = name
            self.weight = weight
            self.maximum = maximum
        }
    }

    public var council: String
    public var criteria: [Criterion]
    /// The entries the member must score, in the review's order (their own unit's left out).
    public var entries: [String]
    /// How many entries under review were left out as the member's own unit's.
    public var excluded: Int
    /// The member's sheet as last sent: each scored entry's values, in rubric order.
    public var sent: [String: [Double]]

    public init(council: String, criteria: [Criterion], entries: [String], excluded: Int, sent: [String: [Double]]) {
        self.council = council
        self.criteria = criteria
        self.entries = entries
        self.excluded = excluded
        self.sent = sent
    }
}

/// A council member's ballot paper. Nothing in it says how anyone voted, only whether they did.
public struct BallotTask: Sendable, Hashable {
    public var council: String
    /// The nominees' entry ids, in the ballot's order.
    public var nominees: [String]
    public var secret: Bool
    public var writtenVotes: Bool
    /// Whether the member has voted (a paper cannot be changed once cast).
    public var voted: Bool

    public init(council: String, nominees: [String], secret: Bool, writtenVotes: Bool, voted: Bool) {
        self.council = council
        self.nominees = nominees
        self.secret = secret
        self.writtenVotes = writtenVotes
        self.voted = voted
    }
}

/// A metric's target and the deadline a step gives it (a phase's 20,000 initiatives by 31 May).
public struct StepGoal: Sendable, Hashable {
    public var metric: String
    public var target: Double
    public var deadline: Instant
    /// The step's own name for the timer that ends it at the deadline, so a forecast that moves
    /// the deadline of a state already entered moves that timer too.
    public var deadlineTimer: String

    public init(metric: String, target: Double, deadline: Instant, deadlineTimer: String) {
        self.metric = metric
        self.target = target
        self.deadline = deadline
        self.deadlineTimer = deadlineTimer
    }
}

/// A step's memory together with its kind, so a campaign can hold any step's memory and decode
/// it again through the plugin registry.
public struct StepMemoryBox: Sendable, Hashable {
    public let kind: String
    public let memory: any StepMemory

    public init(kind: String, memory: any StepMemory) {
        self.kind = kind
        self.memory = memory
    }

    public static func == (lhs: StepMemoryBox, rhs: StepMemoryBox) -> Bool {
        lhs.kind == rhs.kind && AnyHashable(lhs.memory) == AnyHashable(rhs.memory)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(AnyHashable(memory))
    }
}
