import Foundation

/// What-if changes a forecast makes to a campaign's future; never written back.
public struct ForecastScenario: Sendable, Hashable {
    /// Arrivals multiplied by this (1: as the history shows).
    public var rate: Double
    /// A state's goal with another deadline.
    public var deadlines: [String: Instant]
    /// A state's goal with another target.
    public var targets: [String: Double]

    public init(rate: Double = 1, deadlines: [String: Instant] = [:], targets: [String: Double] = [:]) {
        self.rate = rate
        self.deadlines = deadlines
        self.targets = targets
    }

    public var isChanged: Bool { rate != 1 || !deadlines.isEmpty || !targets.isEmpty }
}

/// The history a forecast resamples: whole days of the campaign's entries, by unit.
public struct ForecastHistory: Sendable, Hashable {
    /// The start of the first whole day resampled (days end at the forecast's instant).
    public var from: Instant
    public var days: Int
    public var entries: Int
    public var units: Int
    /// Days drawn from the prior (the pace the first goal needs) while the history is shorter
    /// than ``Forecaster/priorDays``.
    public var priorDays: Int
}

/// When one goal's target is reached, over the runs.
public struct GoalForecast: Sendable, Hashable {
    public var state: String
    public var metric: String
    public var target: Double
    /// The metric now.
    public var current: Double
    /// The deadline (the median over the runs that entered the state, for a `window` phase not
    /// entered yet); nil when no run entered it.
    public var deadline: Instant?
    /// The share of runs that entered the state.
    public var entered: Double
    /// The target was reached before the forecast began.
    public var reachedAlready: Bool
    /// The dates by which 15 %, 50 % and 85 % of the runs reached the target; nil when fewer
    /// than that share reached it by the deadline.
    public var p15: Instant?
    public var p50: Instant?
    public var p85: Instant?
    /// The share of runs that did not reach the target by its deadline (or never entered).
    public var missProbability: Double
}

/// A campaign's goals run forward from now.
public struct Forecast: Sendable, Hashable {
    public var campaignID: String
    public var at: Instant
    public var runs: Int
    public var seed: UInt64
    public var scenario: ForecastScenario
    public var history: ForecastHistory
    public var goals: [GoalForecast]
    /// The events the campaign waits for, when it takes no entries and no timer is armed (a
    /// draft before its launch): nothing moves it but a person, so the runs say nothing.
    public var waitingFor: [String]
}

/// Runs a live campaign forward on a virtual clock, many times, through the real engine and
/// plugins: the campaign's timers fire when due, and each day's arrivals are a day of each
/// unit's own history drawn at random (a bootstrap by unit and day), reported as the metrics
/// they move, so a phase ends by its target or its deadline exactly as the daemon would end it.
/// It reads no clock and writes nothing: the campaign is a copy, the same seed the same answer.
public struct Forecaster: Sendable {
    public let engine: Engine
    /// How far a run's pace may wander from the history's trend, in log units per square root
    /// of a day ahead: what the history cannot show (a campaign speeding up or flagging).
    /// ``ForecastBacktest`` calibrates it.
    public var wander: Double
    public static let calibratedWander = 0.02

    /// While the history is shorter than this many days, the missing days are drawn from a
    /// prior: the pace the first goal needs, as a Poisson count of the history's average entry.
    public static let priorDays = 7
    /// Arrivals of a day are reported in this many parts, so a deadline late in a day still
    /// sees most of that day's entries.
    static let partsOfDay = 4
    /// A run stops this long after the forecast's instant at the latest.
    static let horizon: Instant = 3 * 366 * 86_400
    static let day: Instant = 86_400

    public init(engine: Engine, wander: Double = Forecaster.calibratedWander) {
        self.engine = engine
        self.wander = wander
    }

    /// Forecasts `campaign` (with its entries loaded) from `now`, `runs` times.
    public func forecast(
        _ campaign: Campaign, at now: Instant, runs: Int, seed: UInt64, scenario: ForecastScenario = ForecastScenario()
    ) -> Forecast {
        var engine = engine
        for state in Set(scenario.deadlines.keys).union(scenario.targets.keys) {
            engine = engine.adjusting(
                state: state, target: scenario.targets[state], deadline: scenario.deadlines[state])
        }
        var base = campaign
        // A deadline moved for the state the campaign is in: its armed timer moves too.
        if let deadline = scenario.deadlines[base.state],
            let goal = engine.goal(ofState: base.state, enteredAt: base.enteredAt),
            let index = base.timers.firstIndex(where: { $0.source == .step(name: goal.deadlineTimer) })
        {
            base.timers[index].due = deadline
        }
        let goalStates = trackedStates(base)
        let history = Arrivals(engine: engine, campaign: base, now: now, goalStates: goalStates)
        var master = SplitMix64(seed: seed)
        var outcomes: [[RunOutcome]] = Array(repeating: [], count: goalStates.count)
        for _ in 0..<max(1, runs) {
            var random = SplitMix64(seed: master.next())
            let run = self.run(
                base, engine: engine, from: now, goalStates: goalStates, arrivals: history, rate: scenario.rate,
                random: &random)
            for index in goalStates.indices { outcomes[index].append(run[index]) }
        }
        let goals = goalStates.indices.map { index in
            summarise(goalStates[index], outcomes[index], engine: engine, campaign: base, now: now)
        }
        let waiting =
            base.status == .running && base.timers.isEmpty && engine.acceptedKinds(inState: base.state).isEmpty
            ? engine.workflow.state(named: base.state)?.handlers.map(\.key.value) ?? [] : []
        return Forecast(
            campaignID: campaign.id, at: now, runs: max(1, runs), seed: seed, scenario: scenario,
            history: history.summary, goals: goals, waitingFor: waiting)
    }

    /// The states with a goal the campaign is in or has not entered yet, in the workflow's order.
    private func trackedStates(_ campaign: Campaign) -> [String] {
        let entered = Set(campaign.transitions.map(\.to))
        return engine.workflow.states.map(\.name).filter { name in
            engine.goal(ofState: name, enteredAt: campaign.enteredAt) != nil
                && (name == campaign.state || !entered.contains(name))
        }
    }

    /// One goal in one run.
    struct RunOutcome {
        var entered = false
        var deadline: Instant?
        var reachedAt: Instant?
        var done = false
    }

    private func run(
        _ base: Campaign, engine: Engine, from now: Instant, goalStates: [String], arrivals: Arrivals, rate: Double,
        random: inout SplitMix64
    ) -> [RunOutcome] {
        var outcomes = Array(repeating: RunOutcome(), count: goalStates.count)
        var campaign = base
        func enter(_ state: String, at instant: Instant, metrics: NamedValues<Double>) {
            guard let index = goalStates.firstIndex(of: state), !outcomes[index].entered,
                let goal = engine.goal(ofState: state, enteredAt: instant)
            else { return }
            outcomes[index].entered = true
            outcomes[index].deadline = goal.deadline
            if (metrics[goal.metric] ?? 0) >= goal.target { outcomes[index].reachedAt = instant }
        }
        func leave(_ state: String, at instant: Instant, metrics: NamedValues<Double>) {
            guard let index = goalStates.firstIndex(of: state), outcomes[index].entered, !outcomes[index].done,
                let goal = engine.goal(ofState: state, enteredAt: 0)
            else { return }
            if outcomes[index].reachedAt == nil, (metrics[goal.metric] ?? 0) >= goal.target {
                outcomes[index].reachedAt = instant
            }
            outcomes[index].done = true
        }
        func observe(_ applied: Applied, at instant: Instant) {
            for transition in applied.transitions {
                if let from = transition.from { leave(from, at: transition.at, metrics: transition.metrics) }
                enter(transition.to, at: transition.at, metrics: transition.metrics)
            }
            if let index = goalStates.firstIndex(of: campaign.state), outcomes[index].reachedAt == nil,
                let goal = engine.goal(ofState: campaign.state, enteredAt: 0),
                (campaign.metrics[goal.metric] ?? 0) >= goal.target
            {
                outcomes[index].reachedAt = instant
            }
        }
        if campaign.status == .running {
            enter(campaign.state, at: campaign.enteredAt, metrics: campaign.metrics)
        }
        if let index = goalStates.firstIndex(of: campaign.state) { outcomes[index].deadline = deadline(of: campaign) }

        var day = arrivals.emptyDay
        let pace = arrivals.pace(wander: wander, random: &random)
        var part = 0
        let partLength = Self.day / Instant(Self.partsOfDay)
        while campaign.status == .running, outcomes.contains(where: { !$0.done }) {
            let arrival = now + Instant(part + 1) * partLength
            let timer = campaign.timers.min { ($0.due, $0.id) < ($1.due, $1.id) }
            let accepted = engine.acceptedKinds(inState: campaign.state)
            if let timer, timer.due <= arrival || accepted.isEmpty {
                guard timer.due <= now + Self.horizon else { break }
                let instant = max(timer.due, now)
                do {
                    let applied = try engine.apply(.timer(id: timer.id), to: campaign, at: instant)
                    campaign = applied.campaign
                    observe(applied, at: instant)
                } catch {
                    // A timer the engine would not fire cannot stay first in line forever.
                    campaign.timers.removeAll { $0.id == timer.id }
                }
                continue
            }
            // Nothing more will come: the state takes no entries and no timer is armed.
            guard !accepted.isEmpty, arrival <= now + Self.horizon else { break }
            if part % Self.partsOfDay == 0 {
                arrivals.draw(into: &day, scale: pace.scale(afterDays: part / Self.partsOfDay), random: &random)
            }
            part += 1
            let state = campaign.state
            for (metric, amount) in arrivals.metricAmounts(day, kinds: accepted) where amount != 0 {
                let share = amount * rate / Double(Self.partsOfDay)
                do {
                    let applied = try engine.apply(.report(metric: metric, amount: share), to: campaign, at: arrival)
                    campaign = applied.campaign
                    observe(applied, at: arrival)
                } catch {
                    break
                }
                // The rest of the part went to a state that may not take it.
                guard campaign.state == state, campaign.status == .running else { break }
            }
        }
        return outcomes
    }

    /// The deadline of the goal of the state the campaign is in: its armed deadline timer when
    /// there is one (it may have been moved), otherwise the goal's.
    private func deadline(of campaign: Campaign) -> Instant? {
        guard let goal = engine.goal(ofState: campaign.state, enteredAt: campaign.enteredAt) else { return nil }
        return campaign.timers.first { $0.source == .step(name: goal.deadlineTimer) }?.due ?? goal.deadline
    }

    private func summarise(
        _ state: String, _ outcomes: [RunOutcome], engine: Engine, campaign: Campaign, now: Instant
    ) -> GoalForecast {
        let goal = engine.goal(ofState: state, enteredAt: campaign.enteredAt)!
        let reachedAlready =
            campaign.state == state && (campaign.metrics[goal.metric] ?? 0) >= goal.target
        let dates = outcomes.map { $0.reachedAt ?? .max }.sorted()
        func quantile(_ share: Double) -> Instant? {
            let index = min(dates.count - 1, max(0, Int((share * Double(dates.count)).rounded(.up)) - 1))
            return dates[index] == .max ? nil : dates[index]
        }
        let deadlines = outcomes.compactMap(\.deadline).sorted()
        return GoalForecast(
            state: state, metric: goal.metric, target: goal.target, current: campaign.metrics[goal.metric] ?? 0,
            deadline: deadlines.isEmpty ? nil : deadlines[deadlines.count / 2],
            entered: Double(outcomes.filter(\.entered).count) / Double(outcomes.count),
            reachedAlready: reachedAlready, p15: quantile(0.15), p50: quantile(0.50), p85: quantile(0.85),
            missProbability: Double(outcomes.filter { $0.reachedAt == nil }.count) / Double(outcomes.count))
    }
}

/// The campaign's history as whole days of metric amounts by entry kind and unit, and the
/// draw of one future day from it.
struct Arrivals: Sendable {
    let kinds: [String]
    let metrics: [String]
    let units: Int
    let days: Int
    let priorDays: Int
    /// `amounts[((unit * days) + day) * width + kind * metrics.count + metric]`.
    let amounts: [Double]
    /// The prior's average entry, by kind and metric, and its expected entries a day by unit.
    let priorEntry: [Double]
    let priorRates: [Double]
    /// Each history day's weight in the draw, running sums (recent days weigh more: the pace
    /// a campaign has now says more of its next days than its first days do).
    let cumulativeWeights: [Double]
    /// The pace's trend, in log entries a day per day, its standard error, and how many days the
    /// weighted history lies behind now on average.
    let trend: Double
    let trendError: Double
    let historyAge: Double
    let summary: ForecastHistory

    /// The half-life of a history day's weight: a third of the history, at least a week.
    static func halfLife(days: Int) -> Double { max(7, Double(days) / 3) }

    var width: Int { kinds.count * metrics.count }
    var emptyDay: [Double] { Array(repeating: 0, count: width) }

    init(engine: Engine, campaign: Campaign, now: Instant, goalStates: [String]) {
        kinds = engine.workflow.entryKinds.map(\.name)
        metrics = engine.workflow.metrics.map(\.name)
        let width = kinds.count * metrics.count
        let day = Forecaster.day
        // The history starts when the campaign first took entries.
        let accepting = campaign.transitions.first { !engine.acceptedKinds(inState: $0.to).isEmpty }?.at
        let start = accepting ?? campaign.entries.lazy.map(\.submittedAt).min() ?? now
        let days = max(0, Int((now - start) / day))
        let from = now - Instant(days) * day
        var unitIndex: [String: Int] = [:]
        var perUnit: [[Double]] = []
        var entryCount = 0
        var totals = Array(repeating: 0.0, count: width)
        var unitEntries: [Double] = []
        var dailyEntries = Array(repeating: 0.0, count: days)
        if days > 0 {
            for entry in campaign.entries where entry.submittedAt >= from && entry.submittedAt < now {
                guard let kind = kinds.firstIndex(of: entry.kind) else { continue }
                let unit =
                    unitIndex[entry.unit ?? ""]
                    ?? {
                        unitIndex[entry.unit ?? ""] = perUnit.count
                        perUnit.append(Array(repeating: 0, count: days * width))
                        unitEntries.append(0)
                        return perUnit.count - 1
                    }()
                let dayIndex = Int((entry.submittedAt - from) / day)
                entryCount += 1
                dailyEntries[dayIndex] += 1
                unitEntries[unit] += 1
                for (metric, amount) in engine.metricDeltas(of: entry) {
                    guard let metricIndex = metrics.firstIndex(of: metric) else { continue }
                    perUnit[unit][dayIndex * width + kind * metrics.count + metricIndex] += amount
                    totals[kind * metrics.count + metricIndex] += amount
                }
            }
        }
        if perUnit.isEmpty {
            perUnit = [Array(repeating: 0, count: days * width)]
            unitEntries = [0]
        }
        units = perUnit.count
        self.days = days
        amounts = perUnit.flatMap { $0 }
        priorDays = max(0, Forecaster.priorDays - days)

        // The prior: the history's average entry (a bare entry of the goal's kind without one),
        // arriving at the pace the first goal still needs, shared by the units as their history is.
        var priorEntry = Array(repeating: 0.0, count: width)
        var priorRate = 0.0
        if priorDays > 0, let goalState = goalStates.first,
            let goal = engine.goal(ofState: goalState, enteredAt: campaign.enteredAt),
            let goalMetric = metrics.firstIndex(of: goal.metric)
        {
            let goalKinds = engine.acceptedKinds(inState: goalState)
            if entryCount > 0 {
                for index in 0..<width { priorEntry[index] = totals[index] / Double(entryCount) }
            } else if let kind = goalKinds.first, let kindIndex = kinds.firstIndex(of: kind) {
                for (metric, amount) in engine.metricDeltas(of: Entry(id: "", kind: kind)) {
                    if let metricIndex = metrics.firstIndex(of: metric) {
                        priorEntry[kindIndex * metrics.count + metricIndex] = amount
                    }
                }
            }
            var perEntry = 0.0
            for kindIndex in kinds.indices { perEntry += priorEntry[kindIndex * metrics.count + goalMetric] }
            let deadline =
                goalState == campaign.state
                ? (campaign.timers.first { $0.source == .step(name: goal.deadlineTimer) }?.due ?? goal.deadline)
                : goal.deadline
            let needed = max(0, goal.target - (campaign.metrics[goal.metric] ?? 0))
            let daysLeft = max(1, Double(deadline - now) / Double(day))
            if perEntry > 0 { priorRate = needed / daysLeft / perEntry }
        }
        self.priorEntry = priorEntry
        let entriesSeen = unitEntries.reduce(0, +)
        let unitCount = Double(perUnit.count)
        priorRates = unitEntries.map { entriesSeen > 0 ? priorRate * $0 / entriesSeen : priorRate / unitCount }
        summary = ForecastHistory(
            from: from, days: days, entries: entryCount, units: unitIndex.count, priorDays: priorDays)

        let halfLife = Self.halfLife(days: days)
        let weights = (0..<days).map { exp2(-Double(days - 1 - $0) / halfLife) }
        var running = 0.0
        cumulativeWeights = weights.map {
            running += $0
            return running
        }
        // A weighted least-squares line through the log of each day's entries.
        let weightSum = weights.reduce(0, +)
        if days >= 7, weightSum > 0 {
            let meanX = zip(weights, 0..<days).reduce(0.0) { $0 + $1.0 * Double($1.1) } / weightSum
            let ys = dailyEntries.map { log($0 + 1) }
            let meanY = zip(weights, ys).reduce(0.0) { $0 + $1.0 * $1.1 } / weightSum
            var sxx = 0.0
            var sxy = 0.0
            for index in 0..<days {
                let dx = Double(index) - meanX
                sxx += weights[index] * dx * dx
                sxy += weights[index] * dx * (ys[index] - meanY)
            }
            let slope = sxx > 0 ? sxy / sxx : 0
            var residual = 0.0
            for index in 0..<days {
                let error = ys[index] - meanY - slope * (Double(index) - meanX)
                residual += weights[index] * error * error
            }
            // The weights' effective count of days, for the residual's degrees of freedom.
            let effective = weightSum * weightSum / weights.reduce(0.0) { $0 + $1 * $1 }
            let variance = residual / weightSum * effective / max(1, effective - 2)
            trend = slope
            trendError = sxx > 0 ? (variance / sxx * weightSum / effective).squareRoot() : 0
            historyAge = Double(days - 1) - meanX
        } else {
            trend = 0
            trendError = 0
            historyAge = 0
        }
    }

    /// One run's pace: the history's trend with its uncertainty, and a wander that grows with
    /// the days ahead, as a factor on the drawn days.
    struct Pace {
        var slope: Double
        var age: Double
        var wander: Double

        func scale(afterDays days: Int) -> Double {
            let logFactor = slope * (age + Double(days)) + wander * Double(days + 1).squareRoot()
            return exp(min(log(5), max(log(0.2), logFactor)))
        }
    }

    func pace(wander: Double, random: inout SplitMix64) -> Pace {
        Pace(slope: trend + trendError * random.normal(), age: historyAge, wander: wander * random.normal())
    }

    /// One future day: for each unit, one of its past days (or a prior day) at random.
    func draw(into day: inout [Double], scale: Double, random: inout SplitMix64) {
        for index in day.indices { day[index] = 0 }
        let historyWeight = cumulativeWeights.last ?? 0
        // A prior day weighs as much as an average history day.
        let priorWeight = Double(priorDays) * (days > 0 ? historyWeight / Double(days) : 1)
        guard historyWeight + priorWeight > 0 else { return }
        amounts.withUnsafeBufferPointer { amounts in
            for unit in 0..<units {
                let pick = random.unit() * (historyWeight + priorWeight)
                if pick < historyWeight {
                    let chosen = min(days - 1, firstIndex(above: pick))
                    let offset = (unit * days + chosen) * width
                    for index in 0..<width { day[index] += scale * amounts[offset + index] }
                } else {
                    let count = Double(random.poisson(priorRates[unit] * scale))
                    if count > 0 { for index in 0..<width { day[index] += count * priorEntry[index] } }
                }
            }
        }
    }

    /// The first day whose running weight exceeds `value` (a binary search).
    private func firstIndex(above value: Double) -> Int {
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] > value { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// A day's amounts of each metric, from the kinds a state accepts.
    func metricAmounts(_ day: [Double], kinds accepted: [String]) -> [(String, Double)] {
        var result: [(String, Double)] = []
        for (metricIndex, metric) in metrics.enumerated() {
            var amount = 0.0
            for (kindIndex, kind) in kinds.enumerated() where accepted.contains(kind) {
                amount += day[kindIndex * metrics.count + metricIndex]
            }
            result.append((metric, amount))
        }
        return result
    }
}

extension SplitMix64 {
    /// A uniform number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A Poisson count with this mean: Knuth's product for small means, a rounded normal above 30.
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = exp(-mean)
        var count = 0
        var product = unit()
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }
}
