import Foundation

/// The forecaster checked against campaigns whose future is known: each backtest generates a
/// phase's arrivals day by day, unit by unit (units of uneven size, a weekly rhythm, a pace that
/// drifts up or down over the phase, days busier or quieter for everyone), sets its target to
/// what was reached on a day drawn around the deadline, forecasts from a point part of the way
/// in, and asks whether the real date fell inside the forecast's P15–P85 band. A 70 % band that
/// holds the real date in about 70 % of backtests is calibrated. A phase that missed its deadline
/// has no real date: it counts apart, with whether the forecast thought a miss more likely.
public struct ForecastBacktest: Sendable {
    /// The backtests' workflow: one phase of 120 days towards a target that each backtest sets.
    public static let workflowText = """
        laurel: 1
        id: forecast-backtest
        title: Backtest phase
        timezone: Asia/Ho_Chi_Minh
        entries:
          item:
            fields:
              unit: { type: unit }
        metrics:
          items: { count: item }
        initial: phase
        states:
          phase:
            accepts: [item]
            step: phase-target
            with: { metric: items, target: 1000, window: P120D }
            on: { target-reached: done, deadline: done }
          done: { final: true }
        """

    public struct Result: Sendable, Hashable {
        public var backtests: Int
        /// Backtests whose target was reached by its deadline: those with a real date.
        public var reached: Int
        /// Of those, the real date inside the band, before P15, after P85.
        public var inside: Int
        public var early: Int
        public var late: Int
        /// Backtests whose phase missed its deadline, and of those the ones the forecast gave a
        /// miss probability of at least one half.
        public var missed: Int
        public var missedForeseen: Int

        /// The share of real dates inside the P15–P85 band.
        public var coverage: Double { reached == 0 ? 0 : Double(inside) / Double(reached) }
    }

    public let engine: Engine
    public var wander: Double
    static let phaseDays = 120
    static let start: Instant = 1_704_067_200  // 2024-01-01T00:00Z

    /// `engine` runs ``workflowText``.
    public init(engine: Engine, wander: Double = Forecaster.calibratedWander) {
        self.engine = engine
        self.wander = wander
    }

    /// Runs `backtests` backtests of `runs` runs each; the same seed, the same result.
    public func run(backtests: Int, runs: Int, seed: UInt64) -> Result {
        var result = Result(backtests: 0, reached: 0, inside: 0, early: 0, late: 0, missed: 0, missedForeseen: 0)
        var random = SplitMix64(seed: seed)
        for _ in 0..<backtests {
            var generator = SplitMix64(seed: random.next())
            guard let outcome = backtest(runs: runs, random: &generator) else { continue }
            result.backtests += 1
            if outcome.real == .max {
                result.missed += 1
                if outcome.missProbability >= 0.5 { result.missedForeseen += 1 }
            } else {
                result.reached += 1
                if outcome.real < outcome.p15 {
                    result.early += 1
                } else if outcome.real > outcome.p85 {
                    result.late += 1
                } else {
                    result.inside += 1
                }
            }
        }
        return result
    }

    /// One backtest: the real date and the band (`.max`: not by the deadline), and the forecast's
    /// probability of a miss.
    func backtest(runs: Int, random: inout SplitMix64) -> (
        real: Instant, p15: Instant, p85: Instant, missProbability: Double
    )? {
        let day = Forecaster.day
        let days = Self.phaseDays
        let units = 10 + random.next(upTo: 60)
        let perDay = 20 + Double(random.next(upTo: 180))
        var weights = (0..<units).map { _ in -log(max(random.unit(), 1e-12)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let drift = (random.unit() - 0.5) * 1.2
        // The whole phase, generated day by day: the entries of each unit.
        var arrivals: [[Int]] = []
        for dayIndex in 0..<days {
            let weekday = (Int(Self.start / day) + dayIndex + 3) % 7  // 0: Monday
            let weekly = weekday == 5 ? 0.6 : weekday == 6 ? 0.3 : 1.0
            let shock = exp(0.25 * random.normal() - 0.03)
            let pace = perDay * weekly * shock * exp(drift * Double(dayIndex) / Double(days))
            arrivals.append(weights.map { random.poisson(pace * $0) })
        }
        var cumulative: [Int] = []
        var sum = 0
        for counts in arrivals {
            sum += counts.reduce(0, +)
            cumulative.append(sum)
        }
        // The target: what was reached on a day drawn from 50 % to 115 % of the phase.
        let targetDay = 0.5 + random.unit() * 0.65
        let target: Double
        let realDay: Int?
        if targetDay < 1 {
            let index = Int(targetDay * Double(days))
            target = Double(cumulative[index])
            realDay = cumulative.firstIndex { Double($0) >= target }
        } else {
            target = (Double(sum) * targetDay).rounded(.up)
            realDay = nil
        }
        guard target > 0 else { return nil }
        let cutDays = max(3.0, (0.15 + random.unit() * 0.45) * Double(realDay ?? days))
        let cut = Self.start + Instant(cutDays * Double(day))
        let adjusted = engine.adjusting(state: "phase", target: target, deadline: nil)
        // The campaign as it stood at the cut: every entry submitted at its instant.
        guard var campaign = try? adjusted.start(id: "backtest", at: Self.start).campaign else { return nil }
        var realInstant: Instant = .max
        var number = 0
        for (dayIndex, counts) in arrivals.enumerated() {
            var instants: [(Instant, Int)] = []
            for (unit, count) in counts.enumerated() {
                for _ in 0..<count {
                    instants.append((Self.start + Instant(dayIndex) * day + Instant(random.next(upTo: Int(day))), unit))
                }
            }
            instants.sort { $0.0 < $1.0 }
            for (instant, unit) in instants {
                number += 1
                if realInstant == .max, dayIndex == realDay, Double(number) >= target { realInstant = instant }
                guard instant < cut else { continue }
                let entry = Entry(id: "e\(number)", kind: "item", unit: "unit-\(unit)")
                guard let applied = try? adjusted.apply(.submit(entry), to: consume campaign, at: instant) else {
                    return nil
                }
                campaign = applied.campaign
            }
        }
        guard campaign.status == .running else { return nil }
        let forecast = Forecaster(engine: adjusted, wander: wander).forecast(
            campaign, at: cut, runs: runs, seed: random.next())
        guard let goal = forecast.goals.first else { return nil }
        return (realInstant, goal.p15 ?? .max, goal.p85 ?? .max, goal.missProbability)
    }
}

extension SplitMix64 {
    /// A standard normal number (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * unit())
    }
}
