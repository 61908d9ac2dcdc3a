import ArgumentParser
import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService

extension CampaignCommand {
    struct Forecast: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forecast when a running campaign's phase targets will be reached, and the risk of missing them.",
            discussion: """
                Runs the campaign forward --runs times through the real engine on a virtual clock, \
                each day's entries drawn from the campaign's own history by unit, and prints, for each \
                phase target still ahead, the dates by which 15, 50 and 85 of 100 runs reached it and \
                the probability of missing its deadline. --rate, --deadline and --target ask "what if"; \
                nothing is written. The same --seed gives the same forecast. docs/forecast.md.
                """)

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "id"))
        var id: String

        @Option(help: ArgumentHelp("How many runs (1 to 10,000).", valueName: "n"))
        var runs = 200

        @Option(help: ArgumentHelp("The random seed: the same seed, the same forecast.", valueName: "n"))
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("What if entries arrive this many times as fast (1.2: 20 % more).", valueName: "k"))
        var rate: Double = 1

        @Option(
            name: .customLong("deadline"),
            help: ArgumentHelp(
                "What if a state's deadline moved, STATE=DATE (2023-12-31 or 2023-12-31T17:00, the workflow's zone); repeat for more.",
                valueName: "state=date"))
        var deadlines: [String] = []

        @Option(
            name: .customLong("target"),
            help: ArgumentHelp("What if a state's target changed, STATE=N; repeat for more.", valueName: "state=n"))
        var targets: [String] = []

        @Option(
            help: ArgumentHelp(
                "Forecast as of this instant instead of now (a date-time with offset, 2022-04-15T09:00+07:00).",
                valueName: "date-time"))
        var at: String?

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            var request = ForecastRequest(runs: runs, seed: seed, rate: rate)
            for option in deadlines { try request.add("deadline", value: option) }
            for option in targets { try request.add("target", value: option) }
            let now = try at.map(Self.instant) ?? wallClock()
            let view = try await store.withService(.read) { try await $0.forecast(of: id, request, now: now) }
            if format == .json {
                print(try JSONValue(encoding: view).rendered())
                return
            }
            print(Self.text(view), terminator: "")
        }

        static func instant(_ text: String) throws -> Instant {
            guard case .success(let spec) = DateText.parseDateTime(text), let offset = spec.offsetSeconds,
                let time = spec.time
            else {
                throw ValidationError(
                    "--at \(text): give a date-time with its offset, like 2022-04-15T09:00+07:00 or 2022-04-15T02:00Z")
            }
            return Instant(spec.date.daysSinceEpoch) * 86_400 + Instant(time.secondsSinceMidnight) - Instant(offset)
        }

        /// The forecast as a table, a line per phase target.
        static func text(_ view: ForecastView) -> String {
            var out =
                "Forecast for \(view.campaign) as of \(view.at) (\(view.timeZone)), \(view.runs) runs, seed \(view.seed)\n"
            let history = view.history
            out +=
                history.days > 0
                ? "From \(history.entries.groupedByThousands) entries of \(history.units) units over \(history.days) days since \(history.from)"
                : "No whole day of history yet"
            out += history.priorDays > 0 ? "; \(history.priorDays) days drawn from the pace the target needs\n" : "\n"
            if let scenario = view.scenario {
                var changes: [String] = []
                if scenario.rate != 1 { changes.append("arrivals × \(scenario.rate.formattedForMessage)") }
                for (state, date) in scenario.deadlines.sorted(by: { $0.key < $1.key }) {
                    changes.append("\(state) deadline \(date)")
                }
                for (state, target) in scenario.targets.sorted(by: { $0.key < $1.key }) {
                    changes.append("\(state) target \(target.formattedForMessage)")
                }
                out += "What if: \(changes.joined(separator: ", ")) (nothing is written)\n"
            }
            if !view.waitingFor.isEmpty {
                let events = view.waitingFor.map { "'\($0)'" }.joined(separator: " or ")
                return out
                    + "The campaign waits for the event \(events): nothing moves it until someone sends it, so there is nothing to forecast yet.\n"
            }
            if view.goals.isEmpty {
                return out + "No phase target is ahead of this campaign.\n"
            }
            func date(_ text: String?) -> String { text.map { String($0.prefix(10)) } ?? "not by deadline" }
            let rows: [[String]] =
                [["state", "metric", "now", "target", "deadline", "P15", "P50", "P85", "miss"]]
                + view.goals.map { goal in
                    [
                        goal.state, goal.metric, goal.current.shownGrouped, goal.target.shownGrouped,
                        goal.deadline.map { String($0.prefix(16)) } ?? "-",
                        goal.reachedAlready ? "reached" : date(goal.p15), goal.reachedAlready ? "" : date(goal.p50),
                        goal.reachedAlready ? "" : date(goal.p85), "\(Int((goal.missProbability * 100).rounded())) %",
                    ]
                }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                out +=
                    zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(
                        separator: "  "
                    )
                    .trimmingCharacters(in: .whitespaces) + "\n"
            }
            for goal in view.goals where goal.entered < 1 && !goal.reachedAlready {
                out +=
                    "\(goal.state): entered in \(Int((goal.entered * 100).rounded())) % of runs (the others went elsewhere first)\n"
            }
            let calibration = view.calibration
            out +=
                calibration.backtests > 0
                ? "Calibration: the real date fell inside P15–P85 in \(Int((calibration.coverage * 100).rounded())) % of \(calibration.backtests) backtests on generated campaigns (\(calibration.measured)).\n"
                : ""
            return out
        }
    }
}
