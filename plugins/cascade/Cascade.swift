public import LaurelCore

/// Nomination up the levels: one child campaign per unit of a level, their choices gathered here.
public enum Cascade: StepPlugin {
    public static let kind = "cascade"
    /// Reads at most how many entries there are (``StepContext/entries``), never the entries.
    public static let readsEntries = EntryReading.never
    public static let summary =
        "Starts one child campaign per unit of a level, waits until all finish or the deadline passes, and gathers what each chose as entries."

    public static let workflow = ParameterSpec(
        "workflow", .text, required: true,
        summary: "The id of the children's workflow; its file must be in the same workflows folder.",
        example: "workflow: good-worker-grassroots-2023")
    public static let level = ParameterSpec(
        "level", .text, required: true,
        summary: "The level of the units that each get a child campaign, from the organisation data.",
        example: "level: grassroots")
    public static let under = ParameterSpec(
        "under", .text,
        summary:
            "Only the units of the level below this unit, by its id or as inputs.NAME (the unit the campaign runs for: a cascade in a child campaign); every unit of the level when absent.",
        example: "under: nam-tu-liem")
    public static let entries = ParameterSpec(
        "entries", .entryKind, required: true,
        summary:
            "The kind the gathered entries take here. A child's chosen entries (those with a result when it finished) come up with their fields and unit; their ids become UNIT/ID.",
        example: "entries: nomination")
    public static let unitInput = ParameterSpec(
        "unit-input", .text, default: .text("unit"),
        summary: "The child's input that is given the unit id.",
        example: "unit-input: unit")
    public static let until = ParameterSpec(
        "until", .deadline, summary: "When the children must have finished; instead of window.",
        example: "until: 2023-10-31")
    public static let window = ParameterSpec(
        "window", .duration, summary: "How long the children have, from entering the state; instead of until.",
        example: "window: P60D")

    public static let parameters = [workflow, level, under, entries, unitInput, until, window]
    public static let outcomes = [
        OutcomeSpec(
            "gathered", summary: "Every child campaign finished and reported (at once when the level has no units)."),
        OutcomeSpec("deadline", summary: "The deadline passed before every child finished; what had come up is kept."),
    ]
    public static let outcomeValues = [
        OutcomeValueSpec("children", .number, summary: "How many child campaigns were started."),
        OutcomeValueSpec("reported", .number, summary: "How many finished and reported in time."),
        OutcomeValueSpec("gathered", .number, summary: "How many entries came up from them."),
    ]

    public static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        var problems: [StepProblem] = []
        switch (parameters[until], parameters[window]) {
        case (nil, nil):
            problems.append(StepProblem("a cascade needs a deadline: give 'until' (a date) or 'window' (a duration)"))
        case (.some, .some): problems.append(StepProblem("give either 'until' or 'window', not both", at: ["window"]))
        default: break
        }
        if let text = parameters[under]?.text, let problem = UnitReference(text).problem(in: context) {
            problems.append(StepProblem(problem, at: ["under"]))
        }
        return problems
    }

    /// The children's workflow must be in the folder, take the unit as its input of type `unit`
    /// (so each child takes entries from its own unit only), and choose something to report.
    public static func check(_ parameters: ParameterValues, beside workflows: WorkflowCatalog) -> [StepProblem] {
        guard let id = parameters[workflow]?.text else { return [] }
        guard let child = workflows.workflows[id] else {
            return [
                StepProblem(
                    "the children's workflow '\(id)' is not in this folder\(Suggestions.didYouMean(id, in: workflows.workflows.keys.sorted())); add its file beside this one, or correct the id",
                    at: ["workflow"])
            ]
        }
        var problems: [StepProblem] = []
        let inputName = parameters[unitInput]?.text ?? "unit"
        if let input = child.inputs.first(where: { $0.name == inputName }) {
            if !input.isUnit {
                problems.append(
                    StepProblem(
                        "each child is given its unit in input '\(inputName)', but '\(id)' declares it as \(input.type.rawValue); declare it 'type: unit', so a child takes entries only from its own unit and the units under it",
                        at: ["unit-input"]))
            }
        } else {
            problems.append(
                StepProblem(
                    "each child is given its unit in input '\(inputName)', which '\(id)' does not declare; add '\(inputName): { type: unit, required: true }' under its 'inputs:'",
                    at: [parameters[unitInput] == nil ? "workflow" : "unit-input"]))
        }
        if !workflows.choosesEntries(child) {
            problems.append(
                StepProblem(
                    "the children's workflow '\(id)' has no step that chooses entries (council-review, nominate, ballot or awards-ceremony), so every child reports nothing up and nothing is gathered",
                    at: ["workflow"], severity: .warning))
        }
        return problems
    }
}

extension Cascade: RunnableStep {
    public struct Configuration: Sendable {
        var workflow: String
        var level: String
        var under: UnitReference?
        var entryKind: String
        var unitInput: String
        var until: Instant?
        var window: ISODuration?
    }

    /// The units that got a child, sorted by id, and which of them reported; parallel arrays,
    /// so the memory is small and encodes the same way every time.
    public struct Memory: StepMemory {
        public var units: [String] = []
        public var reported: [Bool] = []
        public var reportedCount = 0
        public var gathered = 0

        public init() {}

        private enum CodingKeys: String, CodingKey { case units, reported, reportedCount, gathered }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let units = try? container.decode(String.self, forKey: .units) {
                // As builds before 25 November saved it, in JSON (format LCB 4): each list packed
                // into one string. SQLite's migration v9 reads it once to write it as it is now.
                self.units =
                    units.isEmpty ? [] : units.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                reported = try container.decode(String.self, forKey: .reported).utf8.map { $0 == UInt8(ascii: "1") }
            } else {
                units = try container.decode([String].self, forKey: .units)
                reported = try container.decode([Bool].self, forKey: .reported)
            }
            reportedCount = try container.decode(Int.self, forKey: .reportedCount)
            gathered = try container.decode(Int.self, forKey: .gathered)
            guard reported.count == self.units.count else {
                throw DecodingError.dataCorruptedError(
                    forKey: .reported, in: container,
                    debugDescription: "\(reported.count) reports for \(self.units.count) units")
            }
        }
    }

    public static func configure(_ parameters: ParameterValues, workflow: Workflow, calendar: ZonedCalendar)
        -> Configuration
    {
        Configuration(
            workflow: parameters[self.workflow]?.text ?? "", level: parameters[level]?.text ?? "",
            under: parameters[under]?.text.map(UnitReference.init), entryKind: parameters[entries]?.text ?? "",
            unitInput: parameters[unitInput]?.text ?? "unit",
            until: parameters[until]?.dateTime.map { calendar.instant($0, endOfDay: true) },
            window: parameters[window]?.duration)
    }

    /// Starts a child per unit of the level (under `under`) and arms the deadline; with no such
    /// unit the step ends at once, and says so.
    public static func enter(_ configuration: Configuration, context: StepContext) -> StepReaction<Memory> {
        // An input the campaign was not given names no unit, so no child starts (and the notice says so).
        let under = configuration.under.map { $0.resolve(context.inputs) ?? $0.written }
        let units = context.organisation.units(atLevel: configuration.level, under: under).map(\.id).sorted()
        var memory = Memory()
        memory.units = units
        memory.reported = Array(repeating: false, count: units.count)
        guard !units.isEmpty else {
            var reaction = StepReaction.end("gathered", values: values(memory), memory: memory)
            reaction.effects = [
                .notify(
                    audience: "organisers",
                    message:
                        "No child campaigns: the organisation data has no unit of level '\(configuration.level)'\(under.map { " under '\($0)'" } ?? "")",
                    channels: ["cascade"])
            ]
            return reaction
        }
        var reaction = StepReaction(memory: memory)
        reaction.effects = units.map { unit in
            .startChild(
                workflow: configuration.workflow, key: unit, unit: unit, inputs: [configuration.unitInput: .text(unit)])
        }
        let deadline =
            configuration.until
            ?? context.calendar.adding(configuration.window ?? ISODuration(days: 30), to: context.enteredAt)
        reaction.timers = [("deadline", deadline)]
        return reaction
    }

    public static func handle(
        _ input: StepInput, memory: Memory, configuration: Configuration,
        context: StepContext
    ) -> StepReaction<Memory> {
        switch input {
        case .childClosed(let report):
            return gather(report, memory: memory, configuration: configuration)
        case .timer("deadline"):
            var reaction = StepReaction.end("deadline", values: values(memory), memory: memory)
            let missing = zip(memory.units, memory.reported).filter { !$0.1 }.map(\.0)
            reaction.effects = [
                .notify(
                    audience: "organisers",
                    message:
                        "The deadline passed with \(missing.count) of \(memory.units.count) child campaigns unfinished"
                        + (missing.count <= 20 ? ": " + missing.joined(separator: ", ") : ""),
                    channels: ["cascade"])
            ]
            return reaction
        case .timer(let name):
            return .refuse("cascade has no timer '\(name)'", memory: memory)
        case .entry, .withdrawn, .metricChanged, .signal:
            return StepReaction(memory: memory)
        case .scores, .vote:
            return .refuse("a cascade waits for its child campaigns; it takes no scores or votes", memory: memory)
        }
    }

    /// Takes a child's chosen entries as entries of this campaign (kind `entries`, id UNIT/ID);
    /// ends when the last child has reported.
    static func gather(_ report: ChildReport, memory: Memory, configuration: Configuration) -> StepReaction<Memory> {
        guard let unit = report.unit, let position = binarySearch(memory.units, unit) else {
            return .refuse("'\(report.campaign)' is not a child campaign of this cascade", memory: memory)
        }
        guard !memory.reported[position] else {
            return .refuse("the child campaign for unit '\(unit)' has already reported", memory: memory)
        }
        var memory = memory
        memory.reported[position] = true
        memory.reportedCount += 1
        memory.gathered += report.entries.count
        var reaction = StepReaction(memory: memory)
        reaction.addEntries = report.entries.map { entry in
            Entry(
                id: "\(unit)/\(entry.id)", kind: configuration.entryKind, unit: entry.unit ?? unit,
                submittedBy: entry.submittedBy, fields: entry.fields, submittedAt: entry.submittedAt, score: entry.score
            )
        }
        if memory.reportedCount == memory.units.count {
            reaction.outcome = ("gathered", values(memory))
            reaction.cancelTimers = ["deadline"]
        }
        return reaction
    }

    static func values(_ memory: Memory) -> [String: Value] {
        [
            "children": .number(Double(memory.units.count)), "reported": .number(Double(memory.reportedCount)),
            "gathered": .number(Double(memory.gathered)),
        ]
    }

    static func binarySearch(_ sorted: [String], _ value: String) -> Int? {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }
}
