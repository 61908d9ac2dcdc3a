/// Why the engine refused an event. The campaign is unchanged.
public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    /// Not a refusal of the event: the campaign's entries are not loaded and the event needs them
    /// (a step that reads them, a withdrawal). Nothing changed; apply it again to the campaign
    /// with its entries loaded (``Campaign/loadEntries(_:)``).
    public private(set) var needsEntries = false
    public var description: String { reason }

    public init(_ reason: String) {
        self.reason = reason
    }

    static func needsEntries(_ what: String) -> Refusal {
        var refusal = Refusal("\(what) reads the campaign's entries, which are not loaded")
        refusal.needsEntries = true
        return refusal
    }
}

/// What applying an event gave: the next campaign and the effects to carry out.
public struct Applied: Sendable {
    public var campaign: Campaign
    public var effects: [Effect]
    /// The transitions this event caused, in order (also appended to the campaign).
    public var transitions: [Transition]
    /// For each effect, how many of `transitions` happened before it: a timeline shows an
    /// award or a notice between the moves that surround it.
    public var effectPlacement: [Int]
    /// True when the event was a secret input (a paper of a secret ballot): whoever keeps the
    /// event must keep ``CampaignEvent/sealed`` instead, which says only that it happened.
    public var isSecret: Bool = false
}

/// The campaign state machine: a pure, deterministic function of (workflow, campaign, event,
/// instant). It does no I/O and reads no clock; the same inputs always give the same campaign.
///
/// docs/engine.md describes the semantics: event order, guards, timers, time zones, DST.
public struct Engine: Sendable {
    public let workflow: Workflow
    /// The content hash of the workflow text, stored with every campaign started here.
    public let version: String
    public let calendar: ZonedCalendar
    private var states: [String: CompiledState]
    /// A workflow declares a handful of entry kinds: a scan of short names costs less than a hash.
    private let entryKinds: [EntryKind]
    /// For each entry kind, in the same order, the name of its field of type `unit` (the entry's unit).
    private let unitFields: [String?]
    private let councils: [String: Council]
    private let events: Set<String>
    /// The name of the input of type `unit` (the unit a campaign runs for), looked up once.
    private let unitInput: String?
    /// The organisation data steps see (council members' units, quota populations, a cascade's
    /// units). It is an input like the events: the daemon sets the imported data; a replay with
    /// different data may take a different course.
    public var organisation = Organisation()

    /// A transition chain longer than this without waiting for anything is a loop in the file.
    static let maximumChain = 1_000

    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Prepares a validated workflow to run. `version` is the content hash of its text.
    public init(workflow: Workflow, version: String, registry: PluginRegistry) throws(CompileError) {
        guard let calendar = ZonedCalendar(zoneName: workflow.timeZone) else {
            throw CompileError(description: "unknown time zone '\(workflow.timeZone)'")
        }
        self.workflow = workflow
        self.version = version
        self.calendar = calendar
        entryKinds = workflow.entryKinds
        unitFields = workflow.entryKinds.map { $0.unitField?.name }
        councils = Dictionary(workflow.councils.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        events = Set(workflow.events.map(\.name))
        unitInput = workflow.unitInput?.name
        var states: [String: CompiledState] = [:]
        for state in workflow.states {
            var runner: (any StepRunning)?
            if let step = state.step {
                guard let plugin = registry.plugin(kind: step.kind.value) as? any RunnableStep.Type else {
                    throw CompileError(
                        description: "step '\(step.kind.value)' of state '\(state.name)' cannot run in this build")
                }
                runner = Self.makeRunner(plugin, parameters: step.parameters, workflow: workflow, calendar: calendar)
            }
            states[state.name] = CompiledState(
                state: state, runner: runner,
                accepts: state.accepts.map(\.value))
        }
        self.states = states
    }

    private static func makeRunner<P: RunnableStep>(
        _ plugin: P.Type, parameters: ParameterValues, workflow: Workflow,
        calendar: ZonedCalendar
    ) -> any StepRunning {
        StepRunner<P>(configuration: P.configure(parameters, workflow: workflow, calendar: calendar))
    }

    // MARK: Starting

    /// A new campaign in the initial state, entered at `instant` (its step, if any, starts).
    /// `entries` are submitted at once, in order, exactly as `submit` events at `instant` would
    /// be (an import with the campaign's creation); one refused entry refuses the start.
    public func start(
        id: String, inputs: [String: Value] = [:], entries: [Entry] = [],
        at instant: Instant
    ) throws(Refusal) -> Applied {
        for input in workflow.inputs where input.isRequired && inputs[input.name] == nil {
            throw Refusal("input '\(input.name)' is required to start '\(workflow.id)'")
        }
        for name in inputs.keys.sorted() where !workflow.inputs.contains(where: { $0.name == name }) {
            throw Refusal("'\(workflow.id)' has no input '\(name)'")
        }
        if let input = workflow.unitInput, let unit = inputs[input.name]?.text, !organisation.units.isEmpty,
            organisation.unit(unit) == nil
        {
            throw Refusal(
                "input '\(input.name)': there is no unit '\(unit)' in the organisation data\(Suggestions.didYouMean(unit, in: organisation.units.lazy.map(\.id))); 'laurel org list' shows the units"
            )
        }
        var metrics = NamedValues<Double>()
        for metric in workflow.metrics { metrics[metric.name] = 0 }
        let campaign = Campaign(
            id: id, workflowID: workflow.id, workflowVersion: version, status: .running, state: "",
            enteredAt: instant, inputs: inputs, metrics: metrics, entries: [], awards: [],
            step: nil, timers: [], nextTimerID: 1, transitions: [], eventCount: 0)
        var run = Run(campaign: campaign, now: instant)
        try enter(workflow.initial.value, cause: "start", run: &run)
        // The campaign is new, so nothing else holds its entries: they grow in place as one array.
        run.entriesAreOwn = true
        run.campaign.entries.reserveCapacity(entries.count)
        // Many entries at once: look ids up in a set rather than scanning the entries each time.
        if entries.count > 16 { run.submittedIDs = Set(minimumCapacity: entries.count) }
        // Entries rarely move a campaign on, so the state is looked up again only when one did.
        var current: (name: String, state: CompiledState)?
        for entry in entries {
            if current?.name != run.campaign.state {
                current = states[run.campaign.state].map { (run.campaign.state, $0) }
            }
            guard run.campaign.status == .running, let state = current?.state else {
                throw Refusal(
                    "the campaign finished in state '\(run.campaign.state)' before entry '\(entry.id)' was submitted")
            }
            run.campaign.eventCount += 1
            try submit(entry, state: state, run: &run)
        }
        run.entriesAreOwn = false
        return run.applied
    }

    // MARK: Applying events

    /// Applies one event at `instant`; a refused event leaves the campaign exactly as it was.
    ///
    /// The campaign is taken `consuming`: a caller that hands it over with `consume` lets the
    /// engine change it in place (no copy of its entries); a caller that keeps its copy keeps the
    /// unchanged campaign when the event is refused.
    public func apply(_ event: CampaignEvent, to campaign: consuming Campaign, at instant: Instant) throws(Refusal)
        -> Applied
    {
        guard campaign.workflowVersion == version else {
            throw Refusal("campaign '\(campaign.id)' runs workflow version \(campaign.workflowVersion), not \(version)")
        }
        guard campaign.status == .running else {
            throw Refusal("campaign '\(campaign.id)' has finished in state '\(campaign.state)'")
        }
        guard let state = states[campaign.state] else {
            throw Refusal("state '\(campaign.state)' is not in this workflow")
        }
        var run = Run(campaign: campaign, now: instant)
        run.campaign.eventCount += 1
        switch event {
        case .submit(let entry):
            try submit(entry, state: state, run: &run)
        case .withdraw(let id):
            guard run.campaign.entries.isLoaded else { throw .needsEntries("a withdrawal") }
            guard let index = run.campaign.entries.firstIndex(where: { $0.id == id }) else {
                throw Refusal("there is no entry '\(id)' to withdraw")
            }
            let entry = run.campaign.entries.remove(at: index)
            let changed = updateMetrics(for: entry, sign: -1, in: &run.campaign)
            try deliver(.withdrawn(entry), state: state, run: &run)
            for metric in changed { try deliver(.metricChanged(metric), state: state, run: &run) }
        case .report(let metric, let amount):
            guard run.campaign.metrics[metric] != nil else {
                throw Refusal(
                    "there is no metric '\(metric)'\(Suggestions.didYouMean(metric, in: run.campaign.metrics.names))")
            }
            guard amount.isFinite, abs(amount) <= 1e15 else {
                throw Refusal("a report must be a number of at most 1,000,000,000,000,000 in size")
            }
            run.campaign.metrics[metric, default: 0] += amount
            try deliver(.metricChanged(metric), state: state, run: &run)
        case .scores(let sheet):
            try deliver(.scores(sheet), state: state, run: &run, what: "scores")
        case .vote(let vote):
            try deliver(.vote(vote), state: state, run: &run, what: "votes")
        case .childClosed(let report):
            try deliver(.childClosed(report), state: state, run: &run, what: "reports of child campaigns")
        case .command(let name):
            guard events.contains(name) else {
                throw Refusal(
                    "'\(name)' is not an event of '\(workflow.id)'\(Suggestions.didYouMean(name, in: events.sorted()))")
            }
            if let handler = state.state.handlers.first(where: { $0.key.value == name }) {
                try follow(handler, outcome: [:], cause: "event \(name)", run: &run)
            } else if state.runner != nil, state.reminders.contains(name) {
                // A reminder the state's timers send to its step, sent by hand.
                try deliver(.signal(name), state: state, run: &run, what: "the event '\(name)'")
            } else {
                let taken = state.state.handlers.map(\.key.value).filter(events.contains) + state.reminders
                throw Refusal(
                    "state '\(state.state.name)' does not take the event '\(name)'; "
                        + (taken.isEmpty
                            ? "it takes no events now (it waits for its step or its timers)"
                            : "it takes \(Suggestions.list(taken))"))
            }
        case .timer(let id):
            guard let index = run.campaign.timers.firstIndex(where: { $0.id == id }) else {
                throw Refusal("timer \(id) is not armed: it fired already, or its state was left")
            }
            let timer = run.campaign.timers.remove(at: index)
            guard instant >= timer.due else {
                throw Refusal("timer \(id) is not due until \(calendar.format(timer.due))")
            }
            try fire(timer, state: state, run: &run)
        case .skipTimer(let id):
            guard let index = run.campaign.timers.firstIndex(where: { $0.id == id }) else {
                throw Refusal("timer \(id) is not armed: it fired already, or its state was left")
            }
            guard let next = staleReminderNext(run.campaign.timers[index], in: state, at: instant) else {
                throw Refusal("timer \(id) is not a reminder more than one period late; it fires instead")
            }
            let skipped = run.campaign.timers.remove(at: index)
            arm(due: next, source: skipped.source, in: &run.campaign)
        }
        return run.applied
    }

    /// The armed timers in the order they fall due (ties: the one armed first).
    public func dueTimers(of campaign: Campaign, at instant: Instant) -> [ArmedTimer] {
        campaign.timers.filter { $0.due <= instant }.sorted { ($0.due, $0.id) < ($1.due, $1.id) }
    }

    /// Whether the daemon should pass over this timer instead of firing it, `instant` being when
    /// it is applied: a repeating `send:` reminder whose next occurrence is due too. Deadlines
    /// (`goto:`, a step's own timers) and single reminders always fire, however late.
    public func isStaleReminder(_ timer: ArmedTimer, in campaign: Campaign, at instant: Instant) -> Bool {
        guard let state = states[campaign.state] else { return false }
        return staleReminderNext(timer, in: state, at: instant) != nil
    }

    /// The next occurrence of a stale reminder, nil when the timer is not one.
    private func staleReminderNext(_ timer: ArmedTimer, in state: CompiledState, at instant: Instant) -> Instant? {
        guard case .state(let index) = timer.source, index < state.state.timers.count else { return nil }
        let spec = state.state.timers[index]
        guard case .every(let schedule) = spec.trigger, case .send = spec.action,
            let next = calendar.next(schedule, after: timer.due), next <= instant
        else { return nil }
        return next
    }

    // MARK: Migrating

    /// A campaign moved to this version, and what the move dropped or kept.
    public struct Migration: Sendable {
        public var applied: Applied
        /// True when the mapped state runs the same step plugin as the campaign's state did, so
        /// the step's memory and its own timers were kept; false when the state was entered afresh.
        public var keptStep: Bool
        /// Inputs and metrics the new version does not declare (dropped), and metrics it adds (at 0).
        public var droppedInputs: [String]
        public var droppedMetrics: [String]
        public var addedMetrics: [String]
    }

    /// Moves a running campaign of `previous` (another version of this workflow) to this version,
    /// into `target`, a state a person chose. docs/engine.md, "Migrating a campaign":
    /// - entries, scores, awards, transitions and the event count are kept; inputs and metrics
    ///   are kept by name (new metrics start at 0, ones this version lacks are dropped);
    /// - if `target` runs the same step plugin as the current state (or neither has a step), the
    ///   campaign stays where it is in it: the step's memory, its timers and the time the state
    ///   was entered are kept, and the step reads its new parameters from the next event on. The
    ///   state's own `timers:` are taken from the new text: one declared the same as before keeps
    ///   its armed timer (or stays fired), a new or changed one is armed counting from when the
    ///   state was entered;
    /// - otherwise `target` is entered afresh at `instant`, as any transition enters a state.
    public func migrate(
        _ campaign: Campaign, from previous: Engine, into target: String,
        at instant: Instant
    ) throws(Refusal) -> Migration {
        guard campaign.workflowID == workflow.id, previous.workflow.id == workflow.id else {
            throw Refusal("campaign '\(campaign.id)' runs workflow '\(campaign.workflowID)', not '\(workflow.id)'")
        }
        guard campaign.workflowVersion == previous.version else {
            throw Refusal(
                "campaign '\(campaign.id)' runs version \(campaign.workflowVersion.prefix(12)), not \(previous.version.prefix(12))"
            )
        }
        guard campaign.workflowVersion != version else {
            throw Refusal("campaign '\(campaign.id)' already runs version \(version.prefix(12))")
        }
        guard campaign.status == .running else {
            throw Refusal(
                "campaign '\(campaign.id)' has finished in state '\(campaign.state)'; only a running campaign moves")
        }
        guard let compiled = states[target] else {
            throw Refusal(
                "state '\(target)' is not in version \(version.prefix(12))\(Suggestions.didYouMean(target, in: workflow.states.map(\.name)))"
            )
        }
        let unknownKinds = Set(campaign.entries.kinds).subtracting(entryKinds.map(\.name)).sorted()
        guard unknownKinds.isEmpty else {
            throw Refusal(
                "the campaign holds entries of kind \(Suggestions.list(unknownKinds)), which version \(version.prefix(12)) does not declare; keep them under 'entries:' in the new file"
            )
        }
        for input in workflow.inputs where input.isRequired && campaign.inputs[input.name] == nil {
            throw Refusal(
                "version \(version.prefix(12)) requires the input '\(input.name)', which the campaign was started without"
            )
        }
        var moved = campaign
        moved.workflowVersion = version
        let droppedInputs = campaign.inputs.keys.filter { name in !workflow.inputs.contains { $0.name == name } }
            .sorted()
        for name in droppedInputs { moved.inputs[name] = nil }
        var metrics = NamedValues<Double>()
        for metric in workflow.metrics { metrics[metric.name] = campaign.metrics[metric.name] ?? 0 }
        let droppedMetrics = campaign.metrics.names.filter { metrics[$0] == nil }
        let addedMetrics = metrics.names.filter { campaign.metrics[$0] == nil }
        moved.metrics = metrics
        moved.eventCount += 1

        var run = Run(campaign: moved, now: instant)
        let cause = "migrated from version \(campaign.workflowVersion.prefix(12))"
        let keepStep = !compiled.state.isFinal && compiled.runner?.kind == campaign.step?.kind
        guard keepStep else {
            try enter(target, cause: cause, run: &run)
            return Migration(
                applied: run.applied, keptStep: false, droppedInputs: droppedInputs,
                droppedMetrics: droppedMetrics, addedMetrics: addedMetrics)
        }
        let transition = Transition(
            at: instant, from: campaign.state, to: target, cause: cause, metrics: run.campaign.metrics)
        run.transitions.append(transition)
        run.campaign.transitions.append(transition)
        run.campaign.state = target
        let before = previous.states[campaign.state]?.state.timers ?? []
        let armedBefore = campaign.timers
        run.campaign.timers.removeAll { if case .state = $0.source { return true } else { return false } }
        for (index, spec) in compiled.state.timers.enumerated() {
            if let old = before.firstIndex(where: {
                $0.trigger == spec.trigger && Self.sameAction($0.action, spec.action)
            }) {
                // Declared as before: keep its armed timer under its new position, or nothing if it fired.
                if let armed = armedBefore.first(where: { $0.source == .state(index: old) }) {
                    run.campaign.timers.append(ArmedTimer(id: armed.id, due: armed.due, source: .state(index: index)))
                }
                continue
            }
            let due: Instant?
            switch spec.trigger {
            case .at(let at): due = calendar.instant(at, endOfDay: false)
            case .after(let duration): due = calendar.adding(duration, to: campaign.enteredAt)
            case .every(let schedule): due = calendar.next(schedule, after: max(instant, campaign.enteredAt))
            }
            if let due { arm(due: due, source: .state(index: index), in: &run.campaign) }
        }
        // The step's own timers it still waits for (a phase's deadline) move to what the new
        // version says, counting from when the state was entered: what its start would arm now.
        // A corrected deadline is the usual reason to migrate. Timers that fired stay fired.
        if let runner = compiled.runner {
            if runner.readsEntries == .always, !run.campaign.entries.isLoaded {
                throw .needsEntries("step '\(runner.kind)'")
            }
            for (name, due) in runner.enter(context(run)).timers {
                if let index = run.campaign.timers.firstIndex(where: { $0.source == .step(name: name) }) {
                    run.campaign.timers[index].due = due
                }
            }
        }
        run.campaign.timers.sort { $0.id < $1.id }  // arming order, as everywhere else
        return Migration(
            applied: run.applied, keptStep: true, droppedInputs: droppedInputs,
            droppedMetrics: droppedMetrics, addedMetrics: addedMetrics)
    }

    private static func sameAction(_ a: TimerSpec.Action, _ b: TimerSpec.Action) -> Bool {
        switch (a, b) {
        case (.goto(let x), .goto(let y)), (.send(let x), .send(let y)): return x.value == y.value
        default: return false
        }
    }

    // MARK: Forecasting

    /// The goal of the step of state `name`, were it entered at `enteredAt`; nil for a state
    /// whose step has none.
    public func goal(ofState name: String, enteredAt: Instant) -> StepGoal? {
        states[name]?.runner?.goal(enteredAt: enteredAt, calendar: calendar)
    }

    /// What the current state's step asks of `person` (read with the campaign's entries).
    public func task(for person: String, in campaign: Campaign, at now: Instant) -> StepTask? {
        guard campaign.status == .running, let runner = states[campaign.state]?.runner,
            let memory = campaign.step?.memory
        else { return nil }
        return runner.task(for: person, memory: memory, context: context(campaign, at: now))
    }

    /// The entry kinds state `name` accepts.
    public func acceptedKinds(inState name: String) -> [String] {
        states[name]?.accepts ?? []
    }

    /// The engine with the step of state `name` given another target or deadline (a what-if;
    /// the workflow's text and version are unchanged).
    public func adjusting(state name: String, target: Double?, deadline: Instant?) -> Engine {
        guard let compiled = states[name], let runner = compiled.runner else { return self }
        var adjusted = self
        adjusted.states[name] = CompiledState(
            state: compiled.state, runner: runner.adjusting(target: target, deadline: deadline),
            accepts: compiled.accepts)
        return adjusted
    }

    /// What an entry adds to each metric it counts towards (`count:` 1, `sum:` its field).
    public func metricDeltas(of entry: Entry) -> [(metric: String, amount: Double)] {
        var deltas: [(metric: String, amount: Double)] = []
        forEachMetricDelta(of: entry) { deltas.append(($0, $1)) }
        return deltas
    }

    /// The one definition of what an entry counts towards; a submission calls it without
    /// building an array.
    private func forEachMetricDelta(of entry: Entry, _ body: (String, Double) -> Void) {
        for metric in workflow.metrics {
            switch metric.source {
            case .count(let kind) where kind.value == entry.kind:
                body(metric.name, 1)
            case .sum(let kind, let field) where kind.value == entry.kind:
                if let amount = entry.fields[field.value]?.number { body(metric.name, amount) }
            default:
                break
            }
        }
    }

    // MARK: Simulating

    /// Plausible inputs for the step of the state the campaign is in, asked of its plugin (see
    /// ``RunnableStep/simulate(_:_:)``); nil when the state has no step. `random` and
    /// `entryNumber` carry on from one state to the next.
    public func simulatedInputs(for campaign: Campaign, random: inout SplitMix64, entryNumber: inout Int)
        -> [TimedEvent]?
    {
        guard let compiled = states[campaign.state], let runner = compiled.runner else { return nil }
        var simulation = StepSimulation(
            context: context(campaign, at: campaign.enteredAt), nextDue: campaign.timers.map(\.due).min(),
            acceptedKinds: compiled.state.accepts.map(\.value), random: random,
            entryNumber: entryNumber, entryKinds: workflow.entryKinds)
        let events = runner.simulate(&simulation)
        random = simulation.random
        entryNumber = simulation.entryNumber
        return events
    }

    /// For a state that takes entries without a step (a draft, a collection ended by a timer):
    /// 6 to 15 plausible entries of the kinds it accepts, spread over the time until its first
    /// timer (or a fortnight). Empty for other states.
    public func simulatedEntries(for campaign: Campaign, random: inout SplitMix64, entryNumber: inout Int)
        -> [TimedEvent]
    {
        guard let compiled = states[campaign.state], compiled.runner == nil, !compiled.accepts.isEmpty else {
            return []
        }
        let start = campaign.enteredAt
        let end = campaign.timers.map(\.due).min() ?? start + 14 * 86_400
        var simulation = StepSimulation(
            context: context(campaign, at: start), nextDue: end, acceptedKinds: compiled.accepts,
            random: random, entryNumber: entryNumber, entryKinds: workflow.entryKinds)
        var events: [TimedEvent] = []
        for _ in 0..<(6 + simulation.random(upTo: 10)) {
            let kind = compiled.accepts[simulation.random(upTo: compiled.accepts.count)]
            guard let entry = simulation.makeEntry(kind: kind) else { break }
            events.append(
                TimedEvent(
                    at: start + Instant(simulation.random(upTo: Int(max(1, end - start - 1)))), event: .submit(entry)))
        }
        random = simulation.random
        entryNumber = simulation.entryNumber
        return events
    }

    // MARK: Internals

    /// Sets each entry's review result. Results usually come in the entries' order: walk both
    /// together, and look an id up only when the next result is for another entry.
    private static func record(_ scores: [(entry: String, score: EntryScore?)], on entries: inout EntryList) {
        entries.withSegments { segments in
            // Segment by segment, so only the appended chunks a result lands in are copied.
            var segment = 0
            var position = 0
            for (id, score) in scores {
                if segment >= segments.count || position >= segments[segment].count
                    || segments[segment][position].id != id
                {
                    guard let found = EntryList.find(id, in: segments) else { continue }
                    (segment, position) = found
                }
                segments[segment][position].score = score
                position += 1
                if position == segments[segment].count {
                    segment += 1
                    position = 0
                }
            }
        }
    }

    /// A class: the engine hands a state to each event it delivers, and a struct copy of a
    /// state retains each of its parts.
    private final class CompiledState: Sendable {
        let state: State
        let runner: (any StepRunning)?
        /// The kinds it accepts: a handful at most, so a scan beats hashing each entry's kind.
        let accepts: [String]
        /// The events its timers send to its step (`send:`): the only events, besides those under
        /// `on:`, the state takes.
        let reminders: [String]

        init(state: State, runner: (any StepRunning)?, accepts: [String]) {
            self.state = state
            self.runner = runner
            self.accepts = accepts
            var reminders: [String] = []
            for timer in state.timers {
                if case .send(let event) = timer.action, !reminders.contains(event.value) {
                    reminders.append(event.value)
                }
            }
            self.reminders = reminders
        }
    }

    /// The campaign being changed by one event, and what the change produced.
    private struct Run {
        var campaign: Campaign
        let now: Instant
        var effects: [Effect] = []
        var transitions: [Transition] = []
        var effectPlacement: [Int] = []
        var isSecret = false
        /// The ids of the entries, kept while a start submits many entries.
        var submittedIDs: Set<String>?
        /// While a start submits its entries: the campaign's entries are held by nothing else.
        var entriesAreOwn = false

        var applied: Applied {
            Applied(
                campaign: campaign, effects: effects, transitions: transitions, effectPlacement: effectPlacement,
                isSecret: isSecret)
        }
    }

    private func submit(_ entry: consuming Entry, state: CompiledState, run: inout Run) throws(Refusal) {
        guard state.accepts.contains(entry.kind) else {
            let accepted = state.state.accepts.map(\.value)
            throw Refusal(
                accepted.isEmpty
                    ? "state '\(state.state.name)' accepts no entries"
                    : "state '\(state.state.name)' does not accept entries of kind '\(entry.kind)'; it accepts \(Suggestions.list(accepted))"
            )
        }
        try checkFields(
            of: &entry, campaignID: run.campaign.id,
            campaignUnit: unitInput == nil ? nil : unitInput.flatMap { run.campaign.inputs[$0]?.text })
        // Unloaded entries: the store checks the id (its key), and the service asks it first.
        let isNew =
            run.submittedIDs?.insert(entry.id).inserted
            ?? (!run.campaign.entries.isLoaded || !run.campaign.entries.contains { $0.id == entry.id })
        guard isNew else { throw Refusal("an entry with id '\(entry.id)' was already submitted") }
        entry.submittedAt = run.now
        let changed = updateMetrics(for: entry, sign: 1, in: &run.campaign)
        // Moved into the list, not copied (a start submits thousands); the step reads it there.
        let position = run.campaign.entries.count
        if run.entriesAreOwn {
            run.campaign.entries.appendInPlace(consume entry)
        } else {
            run.campaign.entries.append(consume entry)
        }
        // A state without a step (a draft taking its entries) is not handed a copy of each.
        if state.runner != nil { try deliver(.entry(run.campaign.entries[position]), state: state, run: &run) }
        for metric in changed { try deliver(.metricChanged(metric), state: state, run: &run) }
    }

    /// Checks an entry against its kind and settles its unit: the kind's field of type `unit` is
    /// the entry's unit (an entry given a unit without that field has it filled in); in a campaign
    /// that runs for a unit, an entry without one comes from that unit, and one from elsewhere is
    /// refused. Units and people are checked against the organisation data when there is some.
    private func checkFields(of entry: inout Entry, campaignID: @autoclosure () -> String, campaignUnit: String?)
        throws(Refusal)
    {
        guard let index = entryKinds.firstIndex(where: { $0.name == entry.kind }) else {
            throw Refusal("there is no entry kind '\(entry.kind)'")
        }
        let kind = entryKinds[index]
        try EntryIdentifier.check(entry.id)
        if let name = entry.fields.pairs.first(where: { pair in !kind.fields.contains { $0.name == pair.name } })?.name
        {
            throw Refusal(
                "entries of kind '\(entry.kind)' have no field '\(name)'\(Suggestions.didYouMean(name, in: kind.fields.map(\.name)))"
            )
        }
        if let unitField = unitFields[index] {
            let field = entry.fields[unitField]?.text
            switch (entry.unit, field) {
            case (let given?, let field?) where given != field:
                throw Refusal(
                    "entry '\(entry.id)' is given the unit '\(given)' and its field '\(unitField)' says '\(field)'; they are one thing, the unit it comes from: give it once"
                )
            case (let given?, nil):
                entry.fields[unitField] = .text(given)
            case (nil, nil):
                if let campaignUnit { entry.fields[unitField] = .text(campaignUnit) }
            default:
                break
            }
            entry.unit = entry.fields[unitField]?.text
        } else if let given = entry.unit {
            guard campaignUnit != nil else {
                throw Refusal(
                    "entries of kind '\(entry.kind)' have no field of type unit, so they carry no unit, but entry '\(entry.id)' is given '\(given)'; declare a field like 'unit: { type: unit }' or leave the unit out"
                )
            }
        } else {
            entry.unit = campaignUnit
        }
        if let campaignUnit, let unit = entry.unit, unit != campaignUnit,
            organisation.units.isEmpty || !organisation.isWithin(unit, campaignUnit)
        {
            throw Refusal(
                "campaign '\(campaignID())' runs for the unit '\(campaignUnit)', and entry '\(entry.id)' comes from '\(unit)', which is not that unit or one under it; submit it to the campaign of its own unit"
            )
        }
        for field in kind.fields {
            guard let value = entry.fields[field.name] else {
                if field.isRequired { throw Refusal("field '\(field.name)' is required") }
                continue
            }
            switch (field.type, value) {
            case (.number, .number(let number)) where number.isFinite && abs(number) <= 1e15:
                break
            case (.boolean, .boolean), (.date, .instant):
                break
            case (.integer, .number(let number))
            where number.rounded() == number && abs(number) <= 9_007_199_254_740_992:
                break
            case (.number, .number), (.integer, .number):
                throw Refusal(
                    "field '\(field.name)' must be \(field.type == .integer ? "a whole number of at most 9,007,199,254,740,992" : "a number of at most 1,000,000,000,000,000") in size, not \(value)"
                )
            case (.choice, .text(let text)):
                guard field.options.contains(text) else {
                    throw Refusal(
                        "field '\(field.name)' must be one of \(Suggestions.list(field.options)), not '\(text)'")
                }
            case (.text, .text(let text)):
                if field.isRequired, text.isBlank {
                    throw Refusal("field '\(field.name)' is required, so it may not be empty")
                }
            case (.unit, .text(let text)):
                if !organisation.units.isEmpty, organisation.unit(text) == nil {
                    throw Refusal(
                        "field '\(field.name)': there is no unit '\(text)' in the organisation data\(Suggestions.didYouMean(text, in: organisation.units.lazy.map(\.id))); 'laurel org list' shows the units"
                    )
                }
            case (.person, .text(let text)):
                if !organisation.people.isEmpty, organisation.person(text) == nil {
                    throw Refusal(
                        "field '\(field.name)': there is no person '\(text)' in the organisation data\(Suggestions.didYouMean(text, in: organisation.people.lazy.map(\.id))); 'laurel org list --people' shows them"
                    )
                }
            case (.url, .text(let text)):
                guard WebAddress.isValid(text) else {
                    throw Refusal(
                        "field '\(field.name)' must be a web address starting with http:// or https://, not '\(text)'")
                }
            default:
                throw Refusal("field '\(field.name)' must be \(field.type.rawValue), not '\(value)'")
            }
        }
    }

    /// Counts and sums the entry into its metrics; returns the metrics that changed.
    private func updateMetrics(for entry: Entry, sign: Double, in campaign: inout Campaign) -> [String] {
        var changed: [String] = []
        forEachMetricDelta(of: entry) { metric, amount in
            campaign.metrics[metric, default: 0] += sign * amount
            changed.append(metric)
        }
        return changed
    }

    private func context(_ run: Run) -> StepContext {
        context(run.campaign, at: run.now)
    }

    private func context(_ campaign: Campaign, at now: Instant) -> StepContext {
        StepContext(
            campaignID: campaign.id, inputs: campaign.inputs, now: now, enteredAt: campaign.enteredAt,
            calendar: calendar, metrics: campaign.metrics,
            entries: campaign.entries, councils: councils, organisation: organisation,
            unit: unitInput.flatMap { campaign.inputs[$0]?.text })
    }

    /// Hands an input to the current state's step and carries out its reaction. Without a step,
    /// inputs other than entries and metric changes are refused.
    private func deliver(_ input: StepInput, state: CompiledState, run: inout Run, what: String? = nil) throws(Refusal)
    {
        // An earlier input of the same event may have ended the step and moved the campaign on;
        // the rest of the event is not for the new state's step.
        guard run.campaign.state == state.state.name else { return }
        guard let runner = state.runner, let memory = run.campaign.step?.memory else {
            if let what { throw Refusal("state '\(run.campaign.state)' takes no \(what)") }
            return
        }
        if runner.readsEntries != .never, !run.campaign.entries.isLoaded {
            throw .needsEntries("step '\(runner.kind)'")
        }
        let reaction = runner.handle(input, memory: memory, context: context(run))
        if let refusal = reaction.refusal { throw Refusal(refusal) }
        try carryOut(reaction, runner: runner, run: &run)
    }

    private func carryOut(_ reaction: ErasedReaction, runner: any StepRunning, run: inout Run) throws(Refusal) {
        run.campaign.step = StepMemoryBox(kind: runner.kind, memory: reaction.memory)
        if reaction.isSecret { run.isSecret = true }
        run.effects += reaction.effects
        run.effectPlacement += repeatElement(run.transitions.count, count: reaction.effects.count)
        if !reaction.scores.isEmpty || !reaction.removeEntries.isEmpty, !run.campaign.entries.isLoaded {
            throw .needsEntries("step '\(runner.kind)'")
        }
        if !reaction.scores.isEmpty { Self.record(reaction.scores, on: &run.campaign.entries) }
        if !reaction.removeEntries.isEmpty {
            let leaving = Set(reaction.removeEntries)
            for entry in run.campaign.entries where leaving.contains(entry.id) {
                _ = updateMetrics(for: entry, sign: -1, in: &run.campaign)
            }
            run.campaign.entries.withArray { $0.removeAll { leaving.contains($0.id) } }
        }
        if !reaction.addEntries.isEmpty {
            for entry in reaction.addEntries {
                // Unloaded entries: the store's key refuses a duplicate id.
                if run.campaign.entries.isLoaded, !run.campaign.entries.isEmpty,
                    run.campaign.entries.contains(where: { $0.id == entry.id })
                {
                    throw Refusal("entry '\(entry.id)' is already in the campaign")
                }
                run.campaign.entries.append(entry)
                _ = updateMetrics(for: entry, sign: 1, in: &run.campaign)
            }
        }
        for effect in reaction.effects { if case .award(let award) = effect { run.campaign.awards.append(award) } }
        for name in reaction.cancelTimers { run.campaign.timers.removeAll { $0.source == .step(name: name) } }
        for (name, due) in reaction.timers {
            run.campaign.timers.removeAll { $0.source == .step(name: name) }
            arm(due: due, source: .step(name: name), in: &run.campaign)
        }
        guard let outcome = reaction.outcome else { return }
        let state = run.campaign.state
        guard let compiled = states[state] else { return }
        if let handler = compiled.state.handlers.first(where: { $0.key.value == outcome.name }) {
            try follow(
                handler, outcome: outcome.values.merging(["name": .text(outcome.name)]) { own, _ in own },
                cause: "outcome \(outcome.name)", run: &run)
        } else if let next = compiled.state.next {
            try enter(next.value, cause: "outcome \(outcome.name)", run: &run)
        } else {
            throw Refusal("state '\(state)' does not say where outcome '\(outcome.name)' leads")
        }
    }

    private func arm(due: Instant, source: ArmedTimer.Source, in campaign: inout Campaign) {
        campaign.timers.append(ArmedTimer(id: campaign.nextTimerID, due: due, source: source))
        campaign.nextTimerID += 1
    }

    private func fire(_ timer: ArmedTimer, state: CompiledState, run: inout Run) throws(Refusal) {
        switch timer.source {
        case .step(let name):
            try deliver(.timer(name), state: state, run: &run)
        case .state(let index):
            let spec = state.state.timers[index]
            // A repeating timer is armed again for its next occurrence before it acts, so a
            // `send:` reminder keeps coming while the state lasts.
            if case .every(let schedule) = spec.trigger, let next = calendar.next(schedule, after: timer.due) {
                arm(due: next, source: .state(index: index), in: &run.campaign)
            }
            switch spec.action {
            case .goto(let target): try enter(target.value, cause: "timer", run: &run)
            case .send(let event): try deliver(.signal(event.value), state: state, run: &run)
            }
        }
    }

    /// Takes the first branch whose condition holds.
    private func follow(_ handler: Handler, outcome: [String: Value], cause: String, run: inout Run) throws(Refusal) {
        let evaluator = ExpressionEvaluator(
            metrics: run.campaign.metrics, inputs: run.campaign.inputs, outcome: outcome,
            now: run.now, calendar: calendar)
        for branch in handler.branches {
            if let condition = branch.condition {
                let value: Value
                do {
                    value = try evaluator.evaluate(condition.expression)
                } catch {
                    throw Refusal("the condition '\(condition.source)' cannot be evaluated: \(error)")
                }
                guard value == .boolean(true) else { continue }
            }
            try enter(branch.target.value, cause: cause, run: &run)
            return
        }
        throw Refusal("no branch of '\(handler.key.value)' applies")
    }

    /// Leaves the current state (disarming all its timers) and enters `target`: arms its timers
    /// and starts its step, following at once any outcome the step ends with on entering.
    private func enter(_ target: String, cause: String, run: inout Run) throws(Refusal) {
        guard run.transitions.count < Self.maximumChain else {
            throw Refusal("the workflow moved \(Self.maximumChain) times without waiting for anything; it loops")
        }
        guard let compiled = states[target] else { throw Refusal("state '\(target)' is not in this workflow") }
        let transition = Transition(
            at: run.now, from: run.campaign.state.isEmpty ? nil : run.campaign.state, to: target,
            cause: cause, metrics: run.campaign.metrics)
        run.transitions.append(transition)
        run.campaign.transitions.append(transition)
        run.campaign.timers.removeAll()
        run.campaign.step = nil
        run.campaign.state = target
        run.campaign.enteredAt = run.now
        if compiled.state.isFinal {
            run.campaign.status = .finished
            return
        }
        for (index, timer) in compiled.state.timers.enumerated() {
            let due: Instant?
            switch timer.trigger {
            case .at(let spec): due = calendar.instant(spec, endOfDay: false)
            case .after(let duration): due = calendar.adding(duration, to: run.now)
            case .every(let schedule): due = calendar.next(schedule, after: run.now)
            }
            if let due { arm(due: due, source: .state(index: index), in: &run.campaign) }
        }
        if let runner = compiled.runner {
            if runner.readsEntries == .always, !run.campaign.entries.isLoaded {
                throw .needsEntries("step '\(runner.kind)'")
            }
            let reaction = runner.enter(context(run))
            try carryOut(reaction, runner: runner, run: &run)
        }
    }
}

// MARK: Type erasure of the step plugins

/// A step's reaction with its memory type erased, so the engine can hold any plugin.
struct ErasedReaction {
    var memory: any StepMemory
    var outcome: (name: String, values: [String: Value])?
    var timers: [(name: String, due: Instant)]
    var cancelTimers: [String]
    var effects: [Effect]
    var scores: [(entry: String, score: EntryScore?)]
    var refusal: String?
    var isSecret: Bool
    var removeEntries: [String]
    var addEntries: [Entry]

    init<M: StepMemory>(_ reaction: StepReaction<M>) {
        memory = reaction.memory
        outcome = reaction.outcome
        timers = reaction.timers
        cancelTimers = reaction.cancelTimers
        effects = reaction.effects
        scores = reaction.scores
        refusal = reaction.refusal
        isSecret = reaction.isSecret
        removeEntries = reaction.removeEntries
        addEntries = reaction.addEntries
    }
}

protocol StepRunning: Sendable {
    var kind: String { get }
    var readsEntries: EntryReading { get }
    func enter(_ context: StepContext) -> ErasedReaction
    func handle(_ input: StepInput, memory: any StepMemory, context: StepContext) -> ErasedReaction
    func simulate(_ simulation: inout StepSimulation) -> [TimedEvent]
    func goal(enteredAt: Instant, calendar: ZonedCalendar) -> StepGoal?
    func adjusting(target: Double?, deadline: Instant?) -> any StepRunning
    func task(for person: String, memory: any StepMemory, context: StepContext) -> StepTask?
}

struct StepRunner<P: RunnableStep>: StepRunning {
    let configuration: P.Configuration

    var kind: String { P.kind }
    var readsEntries: EntryReading { P.readsEntries }

    func enter(_ context: StepContext) -> ErasedReaction {
        ErasedReaction(P.enter(configuration, context: context))
    }

    func handle(_ input: StepInput, memory: any StepMemory, context: StepContext) -> ErasedReaction {
        guard let memory = memory as? P.Memory else {
            return ErasedReaction(
                StepReaction<NoMemory>.refuse("the step's memory is not a \(P.kind) memory", memory: NoMemory()))
        }
        return ErasedReaction(P.handle(input, memory: memory, configuration: configuration, context: context))
    }

    func simulate(_ simulation: inout StepSimulation) -> [TimedEvent] {
        P.simulate(configuration, &simulation)
    }

    func goal(enteredAt: Instant, calendar: ZonedCalendar) -> StepGoal? {
        P.goal(configuration, enteredAt: enteredAt, calendar: calendar)
    }

    func adjusting(target: Double?, deadline: Instant?) -> any StepRunning {
        StepRunner(configuration: P.adjusting(configuration, target: target, deadline: deadline))
    }

    func task(for person: String, memory: any StepMemory, context: StepContext) -> StepTask? {
        guard let memory = memory as? P.Memory else { return nil }
        return P.task(for: person, configuration, memory: memory, context: context)
    }
}
