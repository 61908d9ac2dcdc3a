import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore
import Logging

/// The daemon at scale (issue 5): many running campaigns with armed timers in one SQLite file.
///
/// 1. Setup: starts N campaigns of the lifecycle workflow through `CampaignService` (the code the
///    commands use) and launches each, 14 days in the past, so every campaign has its phase-1
///    deadline armed and already due, spread over the last N seconds.
/// 2. The real daemon process (`laurel serve`) is started on that file: it catches up all N
///    deadlines. The time from its "daemon started" line to an empty due index is the firing
///    figure; its peak resident memory (VmHWM) is read from /proc before it is stopped with SIGTERM.
/// 3. With nothing due any more (the phase-2 deadlines are 14 days ahead), `CampaignDaemon.tick` —
///    the daemon's own tick — is timed in this process, many times.
struct ScaleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Run the daemon on N campaigns with armed timers: memory, an empty tick, firing N due timers."
    )

    @Option(help: "Running campaigns, each with one armed timer.")
    var campaigns = 100_000

    @Option(help: "The database file (default: a new file in the temporary folder, removed afterwards).")
    var database: String?

    @Option(help: "The laurel executable that is run as the daemon (build it with -c release).")
    var laurel = ".build/release/laurel"

    @Option(help: "The workflow file the campaigns run.")
    var workflow = "Benchmarks/workflows/campaign-lifecycle.yaml"

    @Option(help: "Timed empty ticks.")
    var ticks = 2_000

    func validate() throws {
        guard campaigns > 0 else { throw ValidationError("--campaigns must be at least 1") }
        guard ticks > 0 else { throw ValidationError("--ticks must be at least 1") }
        guard FileManager.default.isExecutableFile(atPath: laurel) else {
            throw ValidationError(
                "\(laurel) is not an executable; run `swift build -c release` first or pass --laurel PATH")
        }
    }

    func run() throws {
        try runBlocking { try await self.measure() }
    }

    func measure() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-scale-\(getpid())").path
        let workflows = folder + "/workflows"
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = database ?? folder + "/scale.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

        // 1. Setup.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: workflow)))
        try Data(bytes).write(to: URL(fileURLWithPath: workflows + "/" + (workflow as NSString).lastPathComponent))
        let registry = BuiltInPlugins.registry
        let result = WorkflowValidator(registry: registry).validate(bytes, file: workflow)
        guard let definition = result.workflow else {
            throw ValidationError("\(workflow) is not valid: \(result.diagnostics.map(\.message))")
        }
        let version = SHA256.hex(bytes)
        let now = Instant(Date().timeIntervalSince1970)
        let setupStart = ContinuousClock.now
        do {
            let store = try SQLiteStore(path: path, registry: registry)
            let recorded = WorkflowVersion(
                hash: version, workflowID: definition.id, file: workflow, source: bytes,
                recordedAt: now - 30 * 86_400)
            try await store.write { try $0.record(recorded) }
            let service = CampaignService(store: store, registry: registry)
            let window: Instant = 14 * 86_400
            // On the store's own thread, as the daemon runs: no thread switch per transaction.
            try await withTaskExecutorPreference(store.preferredExecutor) {
                for i in 0..<campaigns {
                    // Launched 14 days and N - i seconds ago: phase 1's deadline fell due N - i seconds ago.
                    let launch = now - window - Instant(campaigns - i)
                    let started = try await service.start(version: version, idempotencyKey: nil, now: launch - 3_600)
                    _ = try await service.apply(
                        .command("launch"), to: started.campaignID, eventID: "launch:\(started.campaignID)",
                        now: launch)
                    if (i + 1) % 10_000 == 0 || i + 1 == campaigns {
                        print("setup: \(i + 1) of \(campaigns) campaigns started and launched", to: &standardError)
                    }
                }
            }
            let due = try await service.dueTimers(at: now, after: nil, limit: campaigns + 1).count
            guard due == campaigns else {
                throw ValidationError("setup armed \(due) due timers, expected \(campaigns)")
            }
        }
        let setupSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - setupStart)
        let databaseMB = Double(Self.size(of: path)) / 1_048_576

        // 2. The daemon process fires every due timer.
        let log = folder + "/serve.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: laurel)
        daemon.arguments = ["serve", "--workflows", workflows, "--database", path]
        daemon.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        daemon.standardError = daemon.standardOutput
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate() } }
        let probe = CampaignService(store: try SQLiteStore(path: path, registry: registry), registry: registry)
        var started: ContinuousClock.Instant?
        var fired: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(600)
        while fired == nil, ContinuousClock.now < deadline, daemon.isRunning {
            if started == nil, (try? String(contentsOfFile: log, encoding: .utf8))?.contains("daemon started") == true {
                started = ContinuousClock.now
            }
            if started != nil, try await probe.dueTimers(at: now, after: nil, limit: 1).isEmpty {
                fired = ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let peakKB = Self.statusField("VmHWM", pid: daemon.processIdentifier)
        let idleKB = Self.statusField("VmRSS", pid: daemon.processIdentifier)
        daemon.terminate()  // SIGTERM: the graceful stop
        daemon.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard let started, let fired else {
            throw ValidationError(
                "the daemon did not fire every due timer within 600 s; its log:\n\(output.suffix(2_000))")
        }
        guard daemon.terminationStatus == 0 else {
            throw ValidationError(
                "the daemon exited with status \(daemon.terminationStatus); its log:\n\(output.suffix(2_000))")
        }
        let fireSeconds = LifecycleBenchmark.seconds(fired - started)
        let reported =
            output.split(separator: "\n").last { $0.contains("tick done") }.map(String.init) ?? "(no tick line)"

        // 3. Empty ticks, timed in this process through the daemon's own tick.
        let store = try SQLiteStore(path: path, registry: registry)
        let loop = CampaignDaemon(
            service: CampaignService(store: store, registry: registry),
            configuration: DaemonConfiguration(workflowsFolder: workflows),
            logger: Logger(label: "laurel-bench"))
        var durations: [Double] = []
        durations.reserveCapacity(ticks)
        // Where the daemon's loop runs: the store's thread.
        try await withTaskExecutorPreference(store.preferredExecutor) {
            for _ in 0..<ticks {
                let start = ContinuousClock.now
                let report = try await loop.tick(now: now)
                durations.append(LifecycleBenchmark.seconds(ContinuousClock.now - start) * 1_000)
                guard report.handled == 0 else { throw ValidationError("an empty tick fired \(report.handled) timers") }
            }
        }
        durations.sort()
        let events = try await loop.service.eventCount()
        guard events == 3 * campaigns else {
            throw ValidationError(
                "the log holds \(events) events, expected \(3 * campaigns) (start, launch, deadline each)")
        }

        print(
            "campaigns=\(campaigns) setup_s=\(LifecycleBenchmark.fixed(setupSeconds, 1))"
                + " database_mb=\(LifecycleBenchmark.fixed(databaseMB, 1))")
        print(
            "daemon: fired=\(campaigns) fire_s=\(LifecycleBenchmark.fixed(fireSeconds, 2))"
                + " timers_per_s=\(Int(Double(campaigns) / fireSeconds))"
                + " peak_rss_mb=\(LifecycleBenchmark.fixed(Double(peakKB) / 1024, 1))"
                + " rss_after_mb=\(LifecycleBenchmark.fixed(Double(idleKB) / 1024, 1))")
        print("daemon log: \(reported)")
        print(
            "empty tick: median_ms=\(LifecycleBenchmark.fixed(durations[durations.count / 2], 4))"
                + " p99_ms=\(LifecycleBenchmark.fixed(durations[durations.count * 99 / 100], 4))"
                + " max_ms=\(LifecycleBenchmark.fixed(durations.last!, 4)) ticks=\(ticks)")
        print("checks: events_logged=\(events) due_after=0")
    }

    static func size(of path: String) -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0)
        }
    }

    /// A "kB" field of /proc/PID/status.
    static func statusField(_ name: String, pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// Progress goes to standard error, so the figures on standard output stay machine-readable.
nonisolated(unsafe) var standardError = FileHandleOutputStream(FileHandle.standardError)

struct FileHandleOutputStream: TextOutputStream {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
    mutating func write(_ string: String) { handle.write(Data(string.utf8)) }
}
