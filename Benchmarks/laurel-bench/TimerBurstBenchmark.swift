import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelPostgres
import LaurelStore
import Logging
import PostgresNIO

/// Laurel's side of the timer-burst benchmark against the PostgreSQL job queues
/// (shared/bench/pg-peers, run by Benchmarks/pg-peers.sh). The driver runs `pg-burst-setup`, then
/// `pg-burst-enqueue`, then the real daemons (`laurel serve --database DSN --name A`).
///
/// The benchmark's visible effect, one row in `effect` per fired timer, is written by a trigger
/// on Laurel's event log: the row commits in the same transaction as the timer's firing (the
/// campaign's new state, its due-index rows and its event), so it exists exactly when the fire
/// committed, and names the daemon by its session's `application_name` ('laurel A').
struct BurstSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-burst-setup",
        abstract: "Create Laurel's tables and the effect trigger in a benchmark database, and record the workflow."
    )

    @Argument(help: "The database: a libpq URL (postgresql://USER@/DB?host=/socket/folder&port=N).")
    var dsn: String

    @Option(help: "The benchmark's workflow file.")
    var workflow = "Benchmarks/workflows/timer-burst.yaml"

    func run() throws {
        try runBlocking { try await self.setUp() }
    }

    func setUp() async throws {
        try await BurstDatabase.with(dsn) { store in
            try await store.migrate()
            let version = try BurstDatabase.version(of: workflow)
            try await store.write { try $0.record(version) }
            try await BurstDatabase.execute(
                dsn,
                """
                CREATE OR REPLACE FUNCTION laurel_bench_effect() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO effect (job_id, worker) VALUES (
                        substring(NEW.campaign_id FROM '-([0-9]+)$')::bigint - 1,
                        regexp_replace(current_setting('application_name'), '^laurel ', ''));
                    RETURN NULL;
                END $$
                """)
            try await BurstDatabase.execute(
                dsn,
                """
                CREATE TRIGGER laurel_bench_effect AFTER INSERT ON event FOR EACH ROW
                WHEN (NEW.kind = 'timer' AND NEW.disposition = 'applied') EXECUTE FUNCTION laurel_bench_effect()
                """)
        }
    }
}

struct BurstEnqueue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-burst-enqueue",
        abstract: "Start N campaigns whose phase deadline falls due at one instant (or at a steady rate from it)."
    )

    @Argument(help: "The database, as for pg-burst-setup.")
    var dsn: String

    @Option(help: "Campaigns to start, each with one timer: ids timer-burst-1 … N (job ids 0 … N-1).")
    var count: Int

    @Option(
        help:
            "When the timers fall due, in seconds since 1970 (a fraction is rounded up: Laurel's instants are whole seconds)."
    )
    var dueEpoch: Double

    @Option(help: "Timers due per second from that instant (0: all at once).")
    var rate = 0

    @Option(help: "The benchmark's workflow file.")
    var workflow = "Benchmarks/workflows/timer-burst.yaml"

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 or more") }
    }

    func run() throws {
        try runBlocking { try await self.enqueue() }
    }

    func enqueue() async throws {
        let started = ContinuousClock.now
        let due = Instant(dueEpoch.rounded(.up))
        try await BurstDatabase.with(dsn) { store in
            let version = try BurstDatabase.version(of: workflow)
            let registry = BuiltInPlugins.registry
            guard
                let definition = WorkflowValidator(registry: registry).validate(version.source, file: workflow).workflow
            else { throw ValidationError("\(workflow) is not valid") }
            let engine = try Engine(workflow: definition, version: version.hash, registry: registry)
            try await TimerCampaigns.start(count, engine: engine, workflowID: definition.id, in: store) { index in
                due + (rate > 0 ? Instant(index / rate) : 0)
            }
        }
        let seconds =
            Double((ContinuousClock.now - started).components.attoseconds) * 1e-18
            + Double((ContinuousClock.now - started).components.seconds)
        print("ENQUEUED n=\(count) seconds=\(String(format: "%.2f", seconds))")
    }
}

/// Campaigns with one timer each, for the benchmarks whose subject is firing them.
enum TimerCampaigns {
    /// Starts `WORKFLOW-1 … WORKFLOW-count`, the i-th (from 0) 14 days before its deadline `due(i)`.
    /// Written as a copy writes (two statements a campaign, one for a batch's log): this is setup,
    /// not measured, and a save would first look for each new campaign.
    static func start(
        _ count: Int, engine: Engine, workflowID: String, in store: any CampaignStore,
        due: @escaping @Sendable (Int) -> Instant
    ) async throws {
        let window: Instant = 14 * 86_400
        var next = 0
        while next < count {
            let batch = next..<min(next + 1_000, count)
            try await store.write { transaction in
                var events: [LoggedEvent] = []
                for index in batch {
                    let id = "\(workflowID)-\(index + 1)"
                    let at = due(index) - window
                    let applied = try engine.start(id: id, at: at)
                    events.append(
                        LoggedEvent(
                            id: "start:\(id)", campaignID: id, at: at, recordedAt: at,
                            action: .start(inputs: [:], entries: []), summary: "started for the benchmark"))
                    try transaction.restore(.campaign(applied.campaign, entries: [], startedAt: at, updatedAt: at))
                }
                try transaction.log(events)
            }
            next = batch.upperBound
        }
    }
}

enum BurstDatabase {
    static func with(_ dsn: String, _ body: (PostgresStore) async throws -> Void) async throws {
        let store = PostgresStore(
            location: try PostgresLocation(url: dsn), registry: BuiltInPlugins.registry,
            logger: Logger(label: "laurel-bench") { _ in SwiftLogNoOpLogHandler() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await body(store)
        }
    }

    /// A statement of the benchmark's own (the effect trigger), on a connection of its own.
    static func execute(_ dsn: String, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try PostgresLocation(url: dsn).connectionConfiguration, id: 1,
            logger: Logger(label: "laurel-bench"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "laurel-bench"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    static func version(of file: String) throws -> WorkflowVersion {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        return WorkflowVersion(
            hash: SHA256.hex(bytes), workflowID: "timer-burst", file: file, source: bytes,
            recordedAt: Instant(Date().timeIntervalSince1970))
    }
}
