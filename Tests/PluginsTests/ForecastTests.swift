import Foundation
import LaurelTesting
import PhaseTargetPlugin
import Testing

@testable import LaurelCore

/// The forecaster with the real phase-target step: a steady campaign's date, what-ifs, the
/// prior of a campaign without history, two phases in a row, determinism, the backtest.
@Suite struct ForecastTests {
    static let workflowText = """
        laurel: 1
        id: phases
        title: Phases
        timezone: Asia/Ho_Chi_Minh
        entries:
          initiative: { fields: { unit: { type: unit } } }
        metrics:
          initiatives: { count: initiative }
        events:
          launch: {}
        initial: draft
        states:
          draft:
            on: { launch: phase-1 }
          phase-1:
            step: phase-target
            accepts: [initiative]
            with: { metric: initiatives, target: 9000, window: P60D }
            on: { target-reached: phase-2, deadline: phase-2 }
          phase-2:
            step: phase-target
            accepts: [initiative]
            with: { metric: initiatives, target: 20000, window: P60D, end-early: false }
            on: { target-reached: closed, deadline: closed }
          closed: { final: true }
        """

    static func engine() throws -> Engine {
        let result = WorkflowValidator(registry: TestWorkflows.registry).validate(workflowText, file: "phases.yaml")
        let workflow = try #require(result.workflow, "\(result.diagnostics.map(\.message))")
        return try Engine(workflow: workflow, version: "v1", registry: TestWorkflows.registry)
    }

    static let start: Instant = 1_735_664_400  // 2025-01-01T00:00+07:00
    static let day: Instant = 86_400

    /// Launched at `start`, then `perDay` entries a day from 10 units (unit u sends u + 1 parts
    /// in 55) for `days` days, spread over each day.
    static func campaign(_ engine: Engine, days: Int, perDay: Int) throws -> Campaign {
        var campaign = try engine.start(id: "c", at: start).campaign
        campaign = try engine.apply(.command("launch"), to: consume campaign, at: start).campaign
        var number = 0
        for dayIndex in 0..<days {
            for unit in 0..<10 {
                let count = perDay * (unit + 1) / 55
                for index in 0..<count {
                    number += 1
                    let at = start + Instant(dayIndex) * day + Instant(index) * day / Instant(count + 1)
                    let entry = Entry(id: "e\(number)", kind: "initiative", unit: "u\(unit)")
                    campaign = try engine.apply(.submit(entry), to: consume campaign, at: at).campaign
                }
            }
        }
        return campaign
    }

    @Test(
        "a steady campaign's target is forecast when its pace reaches it, with a narrow band, and the same seed gives the same forecast"
    )
    func steadyPace() throws {
        let engine = try Self.engine()
        // 14 days of 95 a day (100 by the units' shares, rounded down): 1,330 of 9,000, 81 days
        // more needed; two weeks of history, so no day is drawn from the prior.
        let campaign = try Self.campaign(engine, days: 14, perDay: 100)
        let now = Self.start + 14 * Self.day
        let forecast = Forecaster(engine: engine).forecast(campaign, at: now, runs: 100, seed: 7)
        let phase1 = try #require(forecast.goals.first { $0.state == "phase-1" })
        #expect(phase1.current == 1330 && phase1.target == 9000 && phase1.entered == 1)
        // The deadline (day 60) comes before day 95: nearly every run misses.
        #expect(phase1.deadline == Self.start + 60 * Self.day)
        #expect(phase1.missProbability > 0.9, "\(phase1)")
        #expect(forecast.history.days == 14 && forecast.history.entries == 1330 && forecast.history.units == 10)
        #expect(forecast.history.priorDays == 0)

        // With arrivals twice as fast the target comes at about day 14 + 7,670 / 190 = day 54.
        let faster = Forecaster(engine: engine).forecast(
            campaign, at: now, runs: 100, seed: 7, scenario: ForecastScenario(rate: 2))
        let fast1 = try #require(faster.goals.first { $0.state == "phase-1" })
        let p50 = try #require(fast1.p50)
        #expect(abs(Double(p50 - (Self.start + 54 * Self.day))) < 4 * Double(Self.day), "P50 \(p50)")
        #expect(try #require(fast1.p15) <= p50 && p50 <= (fast1.p85 ?? .max))
        #expect(fast1.missProbability < 0.5)

        let again = Forecaster(engine: engine).forecast(
            campaign, at: now, runs: 100, seed: 7, scenario: ForecastScenario(rate: 2))
        #expect(again == faster, "the same seed, the same forecast")
    }

    @Test("what-ifs move the answer and change nothing: a later deadline, a smaller target")
    func whatIfs() throws {
        let engine = try Self.engine()
        let campaign = try Self.campaign(engine, days: 10, perDay: 100)
        let now = Self.start + 10 * Self.day
        let forecaster = Forecaster(engine: engine)
        let later = forecaster.forecast(
            campaign, at: now, runs: 60, seed: 1,
            scenario: ForecastScenario(deadlines: ["phase-1": Self.start + 120 * Self.day]))
        let goal = try #require(later.goals.first)
        #expect(goal.deadline == Self.start + 120 * Self.day)
        #expect(goal.missProbability < 0.5, "95 days needed, 120 given: \(goal)")
        let smaller = forecaster.forecast(
            campaign, at: now, runs: 60, seed: 1, scenario: ForecastScenario(targets: ["phase-1": 3000]))
        let small = try #require(smaller.goals.first)
        #expect(small.target == 3000 && small.missProbability < 0.1)
        // 2,050 more at 95 a day: about day 10 + 21.6.
        let smallP50 = try #require(small.p50)
        #expect(abs(Double(smallP50 - (Self.start + 32 * Self.day))) < 4 * Double(Self.day), "P50 \(smallP50)")
        // Phase 2 follows phase 1 in every run, from where phase 1 left the count.
        let phase2 = try #require(smaller.goals.first { $0.state == "phase-2" })
        #expect(phase2.entered == 1)
        #expect(campaign.timers.first?.due == Self.start + 60 * Self.day, "the campaign itself is unchanged")
    }

    @Test("a campaign without a day of history is forecast from the pace its target needs")
    func prior() throws {
        let engine = try Self.engine()
        var campaign = try engine.start(id: "c", at: Self.start).campaign
        campaign = try engine.apply(.command("launch"), to: consume campaign, at: Self.start).campaign
        let forecast = Forecaster(engine: engine).forecast(campaign, at: Self.start + 3_600, runs: 100, seed: 3)
        #expect(forecast.history.days == 0 && forecast.history.priorDays == Forecaster.priorDays)
        let goal = try #require(forecast.goals.first)
        // The prior's pace reaches 9,000 about at the deadline: neither certain nor hopeless.
        #expect(goal.missProbability > 0.05 && goal.missProbability < 0.95, "\(goal)")
    }

    @Test("a draft before its launch waits for a person: the forecast says which event, not a 100 % miss")
    func waiting() throws {
        let engine = try Self.engine()
        let draft = try engine.start(id: "c", at: Self.start).campaign
        let forecast = Forecaster(engine: engine).forecast(draft, at: Self.start + Self.day, runs: 10, seed: 1)
        #expect(forecast.waitingFor == ["launch"])
        let launched = try engine.apply(.command("launch"), to: draft, at: Self.start).campaign
        #expect(Forecaster(engine: engine).forecast(launched, at: Self.start, runs: 10, seed: 1).waitingFor.isEmpty)
    }

    @Test("the backtest is repeatable and accounts for every backtest")
    func backtest() throws {
        let result = WorkflowValidator(registry: TestWorkflows.registry).validate(
            ForecastBacktest.workflowText, file: "backtest.yaml")
        let workflow = try #require(result.workflow)
        let engine = try Engine(workflow: workflow, version: "backtest", registry: TestWorkflows.registry)
        let first = ForecastBacktest(engine: engine).run(backtests: 2, runs: 10, seed: 5)
        let second = ForecastBacktest(engine: engine).run(backtests: 2, runs: 10, seed: 5)
        #expect(first == second)
        #expect(first.backtests == 2 && first.inside + first.early + first.late + first.missed == 2)
    }
}
