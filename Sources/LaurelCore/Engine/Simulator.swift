/// An event at an instant, from a script or generated.
public struct TimedEvent: Sendable, Hashable {
    public var at: Instant
    public var event: CampaignEvent

    public init(at: Instant, event: CampaignEvent) {
        self.at = at
        self.event = event
    }
}

/// One line of a simulation's timeline.
public struct TimelineItem: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case transition(Transition)
        case effect(Effect)
        case refused(CampaignEvent, reason: String)
        /// A report towards a metric (units that count rather than submit), with the metrics after
        /// it, so the counts the timeline shows add up.
        case report(metric: String, amount: Double, metrics: NamedValues<Double>)
    }

    public var at: Instant
    public var state: String
    public var kind: Kind
}

/// What a simulation gave.
public struct SimulationResult: Sendable {
    public var campaign: Campaign
    public var timeline: [TimelineItem]
    /// Events applied, refused ones included.
    public var eventCount: Int
    /// Why the run stopped: "finished", "reached --until", "nothing more happens".
    public var stopReason: String
}

/// Runs a campaign on a virtual clock through the same engine the daemon uses: scripted events
/// in time order, timers fired when due, and, without a script, events generated from a seed so
/// that each run is repeatable and different seeds take different outcome paths.
public struct Simulator: Sendable {
    public let engine: Engine

    public init(engine: Engine) {
        self.engine = engine
    }

    /// Runs from `start` until the campaign finishes, `until` passes, or nothing more can happen.
    /// With `script` nil, events are generated from `seed`.
    public func run(
        start: Instant, until: Instant?, script: [TimedEvent]?, seed: UInt64,
        inputs: [String: Value] = [:]
    ) -> SimulationResult {
        var timeline: [TimelineItem] = []
        var campaign: Campaign
        do {
            let started = try engine.start(id: "simulation", inputs: inputs, at: start)
            campaign = started.campaign
            record(started, before: "", at: start, into: &timeline)
        } catch {
            let empty = Campaign(
                id: "simulation", workflowID: engine.workflow.id, workflowVersion: engine.version,
                status: .finished, state: engine.workflow.initial.value, enteredAt: start, inputs: [:],
                metrics: [:], entries: [], awards: [], step: nil, timers: [], nextTimerID: 1,
                transitions: [], eventCount: 0)
            return SimulationResult(
                campaign: empty,
                timeline: [TimelineItem(at: start, state: "", kind: .refused(.command("start"), reason: error.reason))],
                eventCount: 0, stopReason: "could not start")
        }
        // Events still to come, in time order from `next` (a cursor, so taking one is O(1)).
        var pending = (script ?? []).sorted { $0.at < $1.at }
        var next = 0
        var generator = script == nil ? EventGenerator(engine: engine, seed: seed) : nil
        var eventCount = 0
        var history: [Replayed] = []
        var stopReason = "nothing more happens"
        // Bounded so a workflow that never finishes still ends the simulation.
        for _ in 0..<1_000_000 {
            guard campaign.status == .running else {
                stopReason = "finished"
                break
            }
            if generator != nil, next == pending.count || pending[next].at > (campaign.timers.map(\.due).min() ?? .max)
            {
                pending = generator!.plan(for: campaign) + pending[next...]
                pending.sort { $0.at < $1.at }
                next = 0
            }
            let nextTimer = campaign.timers.min { ($0.due, $0.id) < ($1.due, $1.id) }
            let nextEvent = next < pending.count ? pending[next] : nil
            let timerFirst: Bool
            switch (nextTimer, nextEvent) {
            case (nil, nil): timerFirst = false
            case (let timer?, let event?): timerFirst = timer.due <= event.at
            case (_?, nil): timerFirst = true
            case (nil, _?): timerFirst = false
            }
            let item: TimedEvent
            if timerFirst, let timer = nextTimer {
                item = TimedEvent(at: timer.due, event: .timer(id: timer.id))
            } else if let event = nextEvent {
                item = event
                next += 1
            } else {
                break
            }
            if let until, item.at > until {
                stopReason = "reached --until"
                break
            }
            eventCount += 1
            let state = campaign.state
            let instant = max(item.at, campaign.enteredAt)
            // The campaign is handed over (no copy of its entries on every event); a refused event
            // is rare, and the campaign is then rebuilt from the accepted history, as the engine
            // is deterministic.
            do {
                let applied = try engine.apply(item.event, to: consume campaign, at: instant)
                campaign = applied.campaign
                history.append(.event(item.event, instant))
                if case .report(let metric, let amount) = item.event {
                    timeline.append(
                        TimelineItem(
                            at: instant, state: state,
                            kind: .report(metric: metric, amount: amount, metrics: campaign.metrics)))
                }
                record(applied, before: state, at: instant, into: &timeline)
            } catch {
                do {
                    campaign = try rebuild(start: start, inputs: inputs, history)
                } catch {
                    // Only a non-deterministic plugin gets here: say so and stop, never crash.
                    timeline.append(
                        TimelineItem(at: item.at, state: state, kind: .refused(item.event, reason: error.reason)))
                    stopReason = "could not rebuild the campaign after a refused event: \(error.reason)"
                    return SimulationResult(
                        campaign: Campaign(
                            id: "simulation", workflowID: engine.workflow.id,
                            workflowVersion: engine.version, status: .finished, state: state,
                            enteredAt: instant, inputs: inputs, metrics: [:], entries: [],
                            awards: [], step: nil, timers: [], nextTimerID: 1,
                            transitions: [], eventCount: eventCount),
                        timeline: timeline, eventCount: eventCount, stopReason: stopReason)
                }
                if case .timer(let id) = item.event {
                    // A timer the engine would not fire cannot stay first in line forever.
                    campaign.timers.removeAll { $0.id == id }
                    history.append(.dropTimer(id))
                }
                timeline.append(
                    TimelineItem(at: item.at, state: state, kind: .refused(item.event, reason: error.reason)))
            }
        }
        return SimulationResult(campaign: campaign, timeline: timeline, eventCount: eventCount, stopReason: stopReason)
    }

    /// What changed the campaign, in order, so it can be rebuilt after a refused event.
    private enum Replayed {
        case event(CampaignEvent, Instant)
        case dropTimer(Int)
    }

    /// The campaign again from its start (with the same inputs) and the accepted history.
    private func rebuild(start: Instant, inputs: [String: Value], _ history: [Replayed]) throws(Refusal) -> Campaign {
        var campaign = try engine.start(id: "simulation", inputs: inputs, at: start).campaign
        for step in history {
            switch step {
            case .event(let event, let instant):
                campaign = try engine.apply(event, to: consume campaign, at: instant).campaign
            case .dropTimer(let id): campaign.timers.removeAll { $0.id == id }
            }
        }
        return campaign
    }

    /// The event's transitions and effects in the order they happened.
    private func record(
        _ applied: Applied, before state: String, at instant: Instant, into timeline: inout [TimelineItem]
    ) {
        var effectIndex = 0
        func effects(upTo placement: Int) {
            while effectIndex < applied.effects.count, applied.effectPlacement[effectIndex] <= placement {
                let current = placement == 0 ? state : applied.transitions[placement - 1].to
                timeline.append(TimelineItem(at: instant, state: current, kind: .effect(applied.effects[effectIndex])))
                effectIndex += 1
            }
        }
        for (index, transition) in applied.transitions.enumerated() {
            effects(upTo: index)
            timeline.append(
                TimelineItem(at: transition.at, state: transition.from ?? "", kind: .transition(transition)))
        }
        effects(upTo: applied.transitions.count)
    }
}

/// Generates plausible events for the state a campaign is in, from a seed: an administrator
/// who launches, units that report and submit entries, council members who score or abstain.
/// `laurel simulate` without a script and the daemon's demo mode use it.
public struct EventGenerator: Sendable {
    public let engine: Engine
    var random: SplitMix64
    /// The state and entry time the events were planned for, so each state is planned once.
    private var plannedFor: (state: String, enteredAt: Instant)?
    private var entryNumber = 0

    public init(engine: Engine, seed: UInt64) {
        self.engine = engine
        random = SplitMix64(seed: seed)
    }

    /// The events to come in the state the campaign is in now; empty when that state was
    /// planned already.
    public mutating func plan(for campaign: Campaign) -> [TimedEvent] {
        if let plannedFor, plannedFor.state == campaign.state, plannedFor.enteredAt == campaign.enteredAt { return [] }
        plannedFor = (campaign.state, campaign.enteredAt)
        guard let state = engine.workflow.state(named: campaign.state) else { return [] }
        let now = campaign.enteredAt
        let day: Instant = 86_400
        var events: [TimedEvent] = []
        let nextDue = campaign.timers.map(\.due).min()
        if let planned = engine.simulatedInputs(for: campaign, random: &random, entryNumber: &entryNumber) {
            events = planned
        } else if !state.isFinal {
            // Entries for a state that takes them without a step; then, if it waits for one, an event.
            events = engine.simulatedEntries(for: campaign, random: &random, entryNumber: &entryNumber)
            let latest = events.map(\.at).max() ?? now
            guard let handler = pickHandler(state, isInitial: state.name == engine.workflow.initial.value) else {
                return events
            }
            let delay = Instant(1 + random.next(upTo: 10)) * day
            if nextDue.map({ latest + delay < $0 }) ?? true {
                events.append(TimedEvent(at: latest + delay, event: .command(handler)))
            }
        }
        return events
    }

    /// The initial state is left by its first event (the launch); elsewhere any event may come.
    private mutating func pickHandler(_ state: State, isInitial: Bool) -> String? {
        let events = state.handlers.map(\.key.value)
        guard !events.isEmpty else { return nil }
        return isInitial ? events[0] : events[random.next(upTo: events.count)]
    }
}

/// splitmix64: small, fast and the same on every platform, so a seed means the same run anywhere.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next(upTo bound: Int) -> Int {
        Int(next() % UInt64(max(1, bound)))
    }
}

extension Workflow {
    /// The year of the earliest date written in the file (step deadlines, `at:` timers): where a
    /// simulation or the daemon's demo clock starts by default.
    public var earliestWrittenYear: Int? {
        var years: [Int] = recurrence?.starting.map { [$0.year] } ?? []
        for state in states {
            for (_, value) in state.step?.parameters.values ?? [:] {
                if let spec = value.dateTime { years.append(spec.date.year) }
            }
            for timer in state.timers { if case .at(let spec) = timer.trigger { years.append(spec.date.year) } }
        }
        return years.min()
    }
}
