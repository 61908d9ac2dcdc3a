import Foundation
public import LaurelCore
import LaurelStore
import LaurelYAML

/// What-if changes asked of a forecast, as a person writes them: a state's deadline as a date
/// or date-time in the workflow's zone, a state's target, arrivals × a rate.
public struct ForecastRequest: Sendable, Hashable {
    public var runs: Int
    public var seed: UInt64
    public var rate: Double
    public var deadlines: [String: String]
    public var targets: [String: Double]

    public static let maximumRuns = 10_000

    /// Adds a what-if as a person writes it: `deadline`, `STATE=DATE`, or `target`, `STATE=N`.
    public mutating func add(_ option: String, value: String) throws {
        let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
        let example = option == "deadline" ? "phase-2=2023-12-31" : "phase-2=45000"
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw LaurelError(
                .invalidRequest, "\(option) \(value.truncatedForMessage): write it as STATE=VALUE, like \(example)")
        }
        switch option {
        case "deadline":
            deadlines[parts[0]] = parts[1]
        default:
            guard let target = Double(parts[1].replacingOccurrences(of: "_", with: "")) else {
                throw LaurelError(
                    .invalidRequest,
                    "\(option) \(value.truncatedForMessage): '\(parts[1].truncatedForMessage)' is not a number; write it like \(example)"
                )
            }
            targets[parts[0]] = target
        }
    }

    public init(
        runs: Int = 200, seed: UInt64 = 1, rate: Double = 1, deadlines: [String: String] = [:],
        targets: [String: Double] = [:]
    ) {
        self.runs = runs
        self.seed = seed
        self.rate = rate
        self.deadlines = deadlines
        self.targets = targets
    }
}

/// A forecast as people and programs read it: instants in the campaign's zone, shares as
/// fractions of the runs.
public struct ForecastView: Encodable, Sendable, Hashable {
    public struct Goal: Encodable, Sendable, Hashable {
        public var state: String
        public var metric: String
        public var target: Double
        public var current: Double
        public var deadline: String?
        /// The share of runs that entered the state.
        public var entered: Double
        public var reachedAlready: Bool
        /// When 15, 50 and 85 of 100 runs had reached the target; nil: fewer had by the deadline.
        public var p15: String?
        public var p50: String?
        public var p85: String?
        public var missProbability: Double

        enum CodingKeys: String, CodingKey {
            case state, metric, target, current, deadline, entered
            case reachedAlready = "reached_already"
            case p15, p50, p85
            case missProbability = "miss_probability"
        }
    }

    public struct History: Encodable, Sendable, Hashable {
        public var from: String
        public var days: Int
        public var entries: Int
        public var units: Int
        public var priorDays: Int

        enum CodingKeys: String, CodingKey {
            case from, days, entries, units
            case priorDays = "prior_days"
        }
    }

    public struct Scenario: Encodable, Sendable, Hashable {
        public var rate: Double
        public var deadlines: [String: String]
        public var targets: [String: Double]
    }

    /// How often the real date fell inside the P15–P85 band in the backtest on generated
    /// campaigns (``ForecastCalibration``).
    public struct Calibration: Encodable, Sendable, Hashable {
        public var coverage: Double
        public var backtests: Int
        public var measured: String
    }

    public var campaign: String
    public var at: String
    public var timeZone: String
    public var runs: Int
    public var seed: UInt64
    public var scenario: Scenario?
    public var history: History
    public var goals: [Goal]
    /// The events the campaign waits for before anything can be forecast (a draft's launch).
    public var waitingFor: [String]
    public var calibration: Calibration

    enum CodingKeys: String, CodingKey {
        case campaign, at
        case timeZone = "time_zone"
        case runs, seed, scenario, history, goals
        case waitingFor = "waiting_for"
        case calibration
    }

    init(_ forecast: Forecast, request: ForecastRequest, calendar: ZonedCalendar, timeZone: String) {
        campaign = forecast.campaignID
        at = calendar.format(forecast.at)
        self.timeZone = timeZone
        runs = forecast.runs
        seed = forecast.seed
        scenario =
            forecast.scenario.isChanged
            ? Scenario(rate: request.rate, deadlines: request.deadlines, targets: request.targets) : nil
        history = History(
            from: calendar.format(forecast.history.from), days: forecast.history.days,
            entries: forecast.history.entries, units: forecast.history.units, priorDays: forecast.history.priorDays)
        goals = forecast.goals.map { goal in
            Goal(
                state: goal.state, metric: goal.metric, target: goal.target, current: goal.current,
                deadline: goal.deadline.map(calendar.format), entered: goal.entered,
                reachedAlready: goal.reachedAlready, p15: goal.p15.map(calendar.format),
                p50: goal.p50.map(calendar.format), p85: goal.p85.map(calendar.format),
                missProbability: goal.missProbability)
        }
        waitingFor = forecast.waitingFor
        calibration = Calibration(
            coverage: ForecastCalibration.coverage, backtests: ForecastCalibration.backtests,
            measured: ForecastCalibration.measured)
    }
}

extension CampaignService {
    /// Runs the campaign forward from `now` (docs/forecast.md): reads it, changes nothing.
    public func forecast(of id: String, _ request: ForecastRequest, now: Instant) async throws -> ForecastView {
        guard (1...ForecastRequest.maximumRuns).contains(request.runs) else {
            throw LaurelError(
                .invalidRequest,
                "runs must be between 1 and \(ForecastRequest.maximumRuns.groupedByThousands), got \(request.runs)")
        }
        guard request.rate.isFinite, request.rate > 0, request.rate <= 100 else {
            throw LaurelError(
                .invalidRequest,
                "the rate multiplies arrivals: give a number above 0 and at most 100 (1.2 is 20 % more), got \(request.rate)"
            )
        }
        let (campaign, engine) = try await campaignAndEngine(id, withEntries: true)
        guard campaign.status == .running else {
            throw LaurelError(
                .refused,
                "campaign '\(id)' has finished in state '\(campaign.state)': there is nothing left to forecast")
        }
        let goalStates = engine.workflow.states.map(\.name).filter {
            engine.goal(ofState: $0, enteredAt: campaign.enteredAt) != nil
        }
        func goalState(_ name: String, _ option: String) throws -> String {
            guard goalStates.contains(name) else {
                let known = engine.workflow.states.map(\.name)
                throw LaurelError(
                    .invalidRequest,
                    known.contains(name)
                        ? "\(option): state '\(name)' has no target to forecast; those with one: \(goalStates.joined(separator: ", "))"
                        : "\(option): there is no state '\(name)'\(Suggestions.didYouMean(name, in: goalStates))")
            }
            return name
        }
        var deadlines: [String: Instant] = [:]
        for (state, text) in request.deadlines {
            let name = try goalState(state, "deadline")
            switch DateText.parseDateTime(text) {
            case .success(let spec): deadlines[name] = engine.calendar.instant(spec, endOfDay: true)
            case .failure(let failure): throw LaurelError(.invalidRequest, "deadline of '\(state)': \(failure.message)")
            }
        }
        var targets: [String: Double] = [:]
        for (state, target) in request.targets {
            let name = try goalState(state, "target")
            guard target.isFinite, target > 0 else {
                throw LaurelError(.invalidRequest, "target of '\(state)' must be a number above 0, got \(target)")
            }
            targets[name] = target
        }
        let forecast = Forecaster(engine: engine).forecast(
            campaign, at: now, runs: request.runs, seed: request.seed,
            scenario: ForecastScenario(rate: request.rate, deadlines: deadlines, targets: targets))
        return ForecastView(
            forecast, request: request, calendar: engine.calendar, timeZone: engine.workflow.timeZone)
    }
}

/// The forecaster's calibration, as the backtest measured it (docs/performance.md, "Forecasting a
/// campaign"): `laurel-bench forecast-backtest` forecasts generated campaigns from a point in
/// their history and counts how often the date their target was really reached fell inside the
/// P15–P85 band, a 70 % band. Measured again, and these figures changed, whenever the forecaster
/// changes (`Forecaster`, its prior, its wander).
public enum ForecastCalibration {
    public static let coverage = 0.785
    /// The backtests with a real date (their target reached by the deadline).
    public static let backtests = 763
    public static let measured =
        "laurel-bench forecast-backtest --backtests 1000 --runs 200 --seed 2, 5 December 2026: 599 of the 763 whose target was reached by the deadline"
}
