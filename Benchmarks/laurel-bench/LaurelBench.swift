import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelSQLite
import LaurelYAML
import Synchronization

/// Benchmarks of Laurel's real parts, run from a release build:
///   swift run -c release laurel-bench validate
@main
struct LaurelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laurel-bench",
        abstract: "Benchmarks of Laurel's real parts; build with -c release.",
        subcommands: [
            ValidateBenchmark.self, LifecycleBenchmark.self, ScaleBenchmark.self, BallotBenchmark.self,
            RankBenchmark.self,
            CascadeBenchmark.self, SubmitBenchmark.self, BurstSetup.self, BurstEnqueue.self, HTTPLoadSetup.self,
            ForecastBenchmark.self, ForecastBacktestBenchmark.self, LSPBenchmark.self,
        ]
    )
}

struct ValidateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Time validating the shipped workflows, a generated large workflow, and hostile inputs."
    )

    @Option(help: "States in the generated workflow.")
    var states = 2_000

    @Option(help: "Timed repetitions of each input; the median and the fastest are printed.")
    var iterations = 20

    @Option(help: "The folder of shipped workflows.")
    var workflows = "workflows"

    func run() throws {
        let validator = WorkflowValidator(registry: BuiltInPlugins.registry)
        var inputs: [(name: String, bytes: [UInt8], expectErrors: Bool)] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: workflows)) ?? []
        for file in files.filter({ $0.hasSuffix(".yaml") }).sorted() {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: workflows).appendingPathComponent(file)))
            inputs.append(("shipped \(file)", bytes, false))
        }
        inputs.append(
            ("workflows/generated-\(states)-states.yaml", Array(Self.generatedWorkflow(states: states).utf8), false))
        inputs.append(
            (
                "hostile: 10,000-deep nesting",
                Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8), true
            ))
        var bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        inputs.append(("hostile: alias bomb (9^9 nodes)", Array(bomb.utf8), true))
        inputs.append(
            ("hostile: 20 MB scalar", Array("laurel: 1\ntitle: ".utf8) + [UInt8](repeating: 120, count: 20 << 20), true)
        )

        print("laurel-bench validate: \(iterations) runs each (median, fastest); build with -c release")
        for input in inputs {
            var diagnostics: [Diagnostic] = []
            let whole = Self.measure(iterations) {
                diagnostics = validator.validate(input.bytes, file: input.name).diagnostics
            }
            let yaml = Self.measure(iterations) { _ = YAMLLoader.load(input.bytes, file: input.name) }
            guard diagnostics.hasErrors == input.expectErrors else {
                throw ValidationError("\(input.name): unexpected diagnostics \(diagnostics.map(\.message))")
            }
            let size = input.bytes.count >= 1 << 20 ? "\(input.bytes.count >> 20) MB" : "\(input.bytes.count >> 10) KB"
            print(
                "\(input.name) (\(size)): validate \(Self.format(whole.median)) ms (fastest \(Self.format(whole.fastest))),"
                    + " of which YAML loading \(Self.format(yaml.median)) ms; \(diagnostics.count) diagnostic(s)")
        }
    }

    /// Runs `body` `count` times and returns the median and fastest wall time in milliseconds.
    static func measure(_ count: Int, _ body: () -> Void) -> (median: Double, fastest: Double) {
        var times: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }

    static func format(_ milliseconds: Double) -> String {
        String(format: "%.3f", milliseconds)
    }

    /// A long campaign: a chain of phases with targets, guards and reminders, a council review
    /// every fiftieth state, and awards at the end; valid, so every check runs in full.
    static func generatedWorkflow(states: Int) -> String {
        var text = """
            laurel: 1
            id: generated
            title: "Generated campaign"
            timezone: Asia/Ho_Chi_Minh
            entries:
              initiative:
                fields:
                  title: { type: text, required: true }
                  unit: { type: unit, required: true }
                  savings: { type: integer }
            metrics:
              initiatives: { count: initiative }
              savings: { sum: initiative.savings }
            events:
              launch: { by: admin }
              remind: { by: system }
              cancel: { by: admin }
            councils:
              scientific: { members: [a, b, c, d, e], quorum: 3/5 }
            initial: draft
            states:
              draft:
                on: { launch: s0, cancel: cancelled }

            """
        let phases = max(1, states - 4)
        for index in 0..<phases {
            let next = index + 1 < phases ? "s\(index + 1)" : "awards"
            let date = LocalDate(days: 20_000 + index)!
            if index % 50 == 49 {
                text += """
                      s\(index):
                        step: council-review
                        with: { council: scientific, window: P14D, rubric: [{ name: novelty, weight: 2, max: 10 }] }
                        on:
                          reviewed: \(next)
                          no-quorum: \(next)
                          cancel: cancelled

                    """
            } else {
                text += """
                      s\(index):
                        step: phase-target
                        accepts: [initiative]
                        with: { metric: initiatives, target: \(100 * (index + 1)), until: \(date) }
                        timers:
                          - every: "0 8 * * MON"
                            send: remind
                        on:
                          target-reached: \(next)
                          deadline:
                            - if: outcome.reached and metrics.savings >= \(index * 1000)
                              goto: \(next)
                            - goto: \(next)
                          cancel: cancelled

                    """
            }
        }
        text += """
              awards:
                step: awards-ceremony
                with:
                  tiers:
                    - { name: first, count: 10, amount: 5000000 }
                    - { name: second, count: 15, amount: 3000000 }
                next: closed
              closed: { final: true }
              cancelled: { final: true }

            """
        return text
    }
}

/// Runs an async benchmark from the synchronous main, on a thread of its own, the main thread
/// waiting. valgrind 3.19 stops at the first thread libdispatch starts for Swift's cooperative
/// pool, and instruction counts are how changes are compared here (docs/performance.md).
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let finished = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<Void, any Error>?>(nil)
    Task(executorPreference: ThreadExecutor(name: "laurel-bench")) {
        let result: Result<Void, any Error>
        do {
            try await body()
            result = .success(())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        finished.signal()
    }
    finished.wait()
    try outcome.withLock { $0! }.get()
}

/// The database a benchmark runs on: the file given, kept afterwards, or a new one in the
/// temporary folder, removed with its log and lock file when `body` is done.
func withBenchmarkDatabase<T>(_ given: String?, name: String, _ body: (String) async throws -> T) async rethrows -> T {
    let path =
        given
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(name)-\(UUID().uuidString).sqlite")
        .path
    defer {
        if given == nil {
            for suffix in ["", "-wal", "-shm", "-migration.lock"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
    }
    return try await body(path)
}
