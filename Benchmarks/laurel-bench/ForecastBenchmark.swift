import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore

/// `laurel campaign forecast`'s work on a large running campaign: the campaign read with its
/// entries from SQLite, then --runs runs forward (docs/performance.md, "Forecasting a campaign").
struct ForecastBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Time a forecast of a running campaign of --entries entries from --units units.",
        discussion: """
            The campaign (Benchmarks/workflows/forecast.yaml) is filled by one CSV import a day over \
            --days days, each unit's share uneven; then the forecast is timed --repeat times as \
            `laurel campaign forecast` runs it (read with entries, --runs runs). Prints \
            `forecast entries=... units=... runs=... read_s=... forecast_s=... total_s=...` per repeat.
            """
    )

    @Option(help: "The campaign's entries.")
    var entries = 100_000

    @Option(help: "The units they come from.")
    var units = 300

    @Option(help: "The days of history they were submitted over.")
    var days = 60

    @Option(help: "Runs per forecast.")
    var runs = 200

    @Option(help: "How many times the forecast is timed.")
    var `repeat` = 3

    @Option(help: "The database file (default: a new file in the temporary folder, removed afterwards).")
    var database: String?

    @Option(
        help:
            "Start the campaign this many days before now (a campaign still running for the pages' benchmark); default: on 2026-01-01."
    )
    var startDaysAgo: Int?

    func run() throws {
        try runBlocking {
            try await withBenchmarkDatabase(database, name: "forecast") { path in try await measure(at: path) }
        }
    }

    /// 2026-01-01T00:00Z, or `--start-days-ago` before now, at the start of that day.
    var start: Instant {
        guard let startDaysAgo else { return 1_767_225_600 }
        let today = Instant(Date().timeIntervalSince1970) / 86_400 * 86_400
        return today - Instant(startDaysAgo) * 86_400
    }

    func measure(at path: String) async throws {
        let registry = BuiltInPlugins.registry
        let file = "Benchmarks/workflows/forecast.yaml"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let store = try SQLiteStore(path: path, registry: registry)
        let version = WorkflowVersion(
            hash: SHA256.hex(bytes), workflowID: "forecast", file: file, source: bytes, recordedAt: start)
        try await store.write { try $0.record(version) }
        let service = CampaignService(store: store, registry: registry)
        let campaign = try await service.start(version: version.hash, idempotencyKey: nil, now: start).campaignID
        _ = try await service.apply(.command("launch"), to: campaign, eventID: "launch", now: start)
        // Units of uneven size: unit u's share is proportional to 1 / (1 + u % 17).
        let weights = (0..<units).map { 1.0 / Double(1 + $0 % 17) }
        let total = weights.reduce(0, +)
        var number = 0
        for day in 0..<days {
            var rows: [String] = []
            let today = entries * (day + 1) / days - entries * day / days
            for (unit, weight) in weights.enumerated() {
                let count = Int((Double(today) * weight / total).rounded())
                for _ in 0..<count where number < entries {
                    rows.append("F-\(number),Sáng kiến \(number),u\(unit),\(number % 997 * 1_000)")
                    number += 1
                }
            }
            let csv = Array(("id,title,unit,savings\n" + rows.joined(separator: "\n") + "\n").utf8)
            _ = try await service.importEntries(
                csv: csv, file: "day-\(day).csv", into: campaign, kind: "initiative",
                now: start + Instant(day) * 86_400 + 36_000)
        }
        print("setup: \(number) entries from \(units) units over \(days) days", to: &standardError)
        let now = start + Instant(days) * 86_400
        for _ in 0..<max(1, `repeat`) {
            let started = ContinuousClock.now
            let (read, engine) = try await service.campaignAndEngine(campaign, withEntries: true)
            let readSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - started)
            let forecastStarted = ContinuousClock.now
            let forecast = Forecaster(engine: engine).forecast(read, at: now, runs: runs, seed: 1)
            let forecastSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - forecastStarted)
            let viewStarted = ContinuousClock.now
            _ = try await service.forecast(of: campaign, ForecastRequest(runs: runs), now: now)
            let totalSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - viewStarted)
            let goal = forecast.goals.first
            print(
                "forecast entries=\(read.entries.count) units=\(units) runs=\(runs)"
                    + " read_s=\(LifecycleBenchmark.fixed(readSeconds, 3))"
                    + " forecast_s=\(LifecycleBenchmark.fixed(forecastSeconds, 3))"
                    + " total_s=\(LifecycleBenchmark.fixed(totalSeconds, 3))"
                    + " first_goal_p50=\(goal?.p50.map(engine.calendar.format) ?? "none")")
        }
    }
}

/// The forecaster's calibration (``ForecastBacktest``): how often the real date fell inside the
/// P15–P85 band. ``ForecastCalibration`` quotes its figure.
struct ForecastBacktestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast-backtest",
        abstract: "Backtest the forecaster on generated campaigns: the share of real dates inside P15–P85.")

    @Option(help: "Backtests (generated campaigns).")
    var backtests = 400

    @Option(help: "Runs per forecast.")
    var runs = 200

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    @Option(help: "The pace's wander to try (default: the one the forecaster uses).")
    var wander = Forecaster.calibratedWander

    func run() throws {
        let validation = WorkflowValidator(registry: BuiltInPlugins.registry).validate(
            ForecastBacktest.workflowText, file: "forecast-backtest.yaml")
        guard let workflow = validation.workflow else {
            throw ValidationError("the backtest workflow does not validate")
        }
        let engine = try Engine(workflow: workflow, version: "backtest", registry: BuiltInPlugins.registry)
        let started = ContinuousClock.now
        let result = ForecastBacktest(engine: engine, wander: wander).run(backtests: backtests, runs: runs, seed: seed)
        let seconds = LifecycleBenchmark.seconds(ContinuousClock.now - started)
        print(
            "forecast_backtest backtests=\(result.backtests) reached=\(result.reached) runs=\(runs) seed=\(seed) wander=\(wander)"
                + " coverage=\(LifecycleBenchmark.fixed(result.coverage, 3)) early=\(result.early) late=\(result.late)"
                + " missed=\(result.missed) missed_foreseen=\(result.missedForeseen) seconds=\(LifecycleBenchmark.fixed(seconds, 1))"
        )
    }
}
