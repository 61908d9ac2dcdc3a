import Foundation
public import LaurelCore
public import LaurelStore
public import Logging
import NIOPosix
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// Laurel's data in a PostgreSQL database, for several daemons on one database
/// (docs/architecture.md, "The store boundary"; docs/operations.md, "Several daemons on PostgreSQL").
///
/// Its connection pool runs as a `Service` (``run()``): first in the daemon's group, so it stops
/// last. Every transaction leases a connection, runs its synchronous body on NIO's blocking pool
/// and ends with `COMMIT` or `ROLLBACK`: a daemon killed mid-transaction leaves nothing of it,
/// and its locks go with its connection.
public final class PostgresStore: SharedStore, Service {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let codec: CampaignCodec
    /// Whether ``run()`` also listens for commits that arm a timer due soon (a daemon does).
    let listensForTimers: Bool

    /// `logger` receives the pool's own messages (a connection that failed, and why); a command
    /// that reports its errors itself passes one that discards them.
    /// `listensForTimers`: ``run()`` keeps a connection listening for commits that arm a timer
    /// due soon, which end ``waitForTimers(timeout:)`` early (a daemon; a command need not).
    ///
    /// `sessionTimeout`: the server ends a session that stays this long inside a transaction
    /// without a word (`idle_in_transaction_session_timeout`): a daemon stopped or cut off
    /// mid-transaction loses its locks then, and its late commit fails. TCP keepalives find a
    /// peer that vanished within about 25 s.
    public init(
        location: PostgresLocation, registry: PluginRegistry, listensForTimers: Bool = false,
        sessionTimeout: Duration = .seconds(30), applicationName: String = "laurel",
        logger: Logger = Logger(label: "laurel.postgres")
    ) {
        self.location = location
        self.logger = logger
        self.listensForTimers = listensForTimers
        codec = CampaignCodec(registry: registry)
        var configuration = location.clientConfiguration
        configuration.options.additionalStartupParameters = Self.sessionSettings(
            timeout: sessionTimeout, applicationName: applicationName)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Settings of every session, sent when it connects. `applicationName` names the sessions in
    /// `pg_stat_activity` (and is readable as `current_setting('application_name')`).
    static func sessionSettings(timeout: Duration, applicationName: String) -> [(String, String)] {
        let milliseconds = max(
            1, timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return [
            ("application_name", applicationName),
            ("idle_in_transaction_session_timeout", String(milliseconds)),
            ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
        ]
    }

    /// Whether ``run()`` has begun, and the transactions waiting for it.
    private let running = Mutex<(isRunning: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    /// Runs the connection pool until the task is cancelled or a graceful shutdown.
    public func run() async throws {
        let waiting = running.withLock { state in
            state.isRunning = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for transaction in waiting { transaction.resume() }
        guard listensForTimers else {
            await client.run()
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask { await cancelWhenGracefulShutdown { await self.listenForTimers() } }
        }
    }

    // MARK: Waking the daemons

    /// The channel a commit that arms a timer due soon notifies (``PostgresTransaction/save``).
    static let timersChannel = "laurel_timers"

    /// Daemons waiting in ``waitForTimers(timeout:)``, and whether a notification came while none was.
    private let wakeUps = Mutex<(waiting: [UUID: CheckedContinuation<Void, Never>], missed: Bool)>(([:], false))

    /// Listens on ``timersChannel`` on a connection of its own until cancelled; a lost connection
    /// is listened on again after a second (meanwhile the daemons poll, as they always may).
    private func listenForTimers() async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.timersChannel) { notifications in
                        for try await _ in notifications { self.wakeUp() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "not listening for new timers; the daemon polls until it listens again",
                    metadata: ["error": .string(PostgresStoreError(error, location: location).descriptionForPeople)])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func wakeUp() {
        let waiting = wakeUps.withLock { state in
            defer { state.waiting = [:] }
            state.missed = state.waiting.isEmpty
            return state.waiting.values
        }
        for daemon in waiting { daemon.resume() }
    }

    public func waitForTimers(timeout: Duration) async {
        if wakeUps.withLock({ state in
            defer { state.missed = false }
            return state.missed
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.nextWakeUp() }
            await group.next()
            group.cancelAll()
        }
    }

    private func nextWakeUp() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { daemon in
                let cancelled = wakeUps.withLock { state in
                    if !Task.isCancelled { state.waiting[id] = daemon }
                    return Task.isCancelled
                }
                if cancelled { daemon.resume() }
            }
        } onCancel: {
            wakeUps.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
        }
    }

    /// The server's clock, with its fraction of a second.
    public func serverNow() async throws -> Double {
        await untilRunning()
        do {
            let rows = try await client.query(
                "SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger)
            for try await seconds in rows.decode(Double.self) { return seconds }
            throw PostgresStoreError.inconsistent("the server did not say the time")
        } catch let error as PSQLError {
            throw PostgresStoreError(error, location: location)
        }
    }

    /// Returns once the pool runs: a transaction started with it (the daemon's first, in the same
    /// service group) waits for it rather than asking a pool that is not running yet.
    private func untilRunning() async {
        if running.withLock({ $0.isRunning }) { return }
        await withCheckedContinuation { transaction in
            let isRunning = running.withLock { state in
                if !state.isRunning { state.waiting.append(transaction) }
                return state.isRunning
            }
            if isRunning { transaction.resume() }
        }
        // ``run()`` resumes the waiters just before it calls the pool's own `run()`, which marks
        // the pool running at once; a waiter resumed on another thread could otherwise ask first
        // (and the pool would log a warning about it). Paid once, by transactions that waited.
        try? await Task.sleep(for: .milliseconds(5))
    }

    // MARK: The store's entry points

    public func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let handed = HandedWork<any StoreReader, T>(body)
            return try await transaction(readOnly: true) { try handed.runOnce($0) }
        }
    }

    @discardableResult
    public func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T)
        async throws -> T
    {
        try await withoutActuallyEscaping(body) { body in
            let handed = HandedWork<any StoreTransaction, T>(body)
            return try await transaction(end: end) { try handed.runOnce($0) }
        }
    }

    /// `body` in one transaction on a leased connection: on a thread of NIO's blocking pool,
    /// `BEGIN` (read only, on one snapshot, when `readOnly`) and the body; then `COMMIT`, or
    /// `ROLLBACK` when the body throws or `end` is `.rollBack`. Errors come out as
    /// ``PostgresStoreError``.
    func transaction<Result: Sendable>(
        readOnly: Bool = false, end: TransactionEnd = .commit,
        _ body: @escaping @Sendable (PostgresTransaction) throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        let codec = self.codec
        await untilRunning()
        do {
            return try await client.withConnection { connection in
                let result: Result
                do {
                    result = try await NIOThreadPool.singleton.runIfActive {
                        // BEGIN once the body has its thread: a body waiting for one is not
                        // idle inside a transaction, which the session timeout would end.
                        let transaction = PostgresTransaction(
                            connection: connection, logger: logger, codec: codec, locks: !readOnly)
                        try transaction.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
                        let result = try body(transaction)
                        try transaction.flush()  // the saves it held back, before it ends
                        return result
                    }
                } catch {
                    _ = try? await PostgresTransaction.answer(to: "ROLLBACK", on: connection, logger: logger).get()
                    throw error
                }
                // A session the server ended meanwhile (the session timeout) has lost the
                // transaction: said, never waited on (``PostgresTransaction/answer(to:on:logger:)``).
                _ = try await PostgresTransaction.answer(
                    to: end == .rollBack ? "ROLLBACK" : "COMMIT", on: connection, logger: logger
                ).get()
                return result
            }
        } catch let error as PSQLError {
            throw PostgresStoreError(error, location: location)
        }
    }

    /// Connects once, directly, and closes: a server that cannot be reached, a refused sign-in
    /// or a missing database is said at once and in words, where the pool would retry for a
    /// minute and then report only that it gave up.
    public func probe() async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: location.connectionConfiguration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresStoreError(error, location: location)
        }
    }

    // MARK: Schema

    /// Applies the migrations this build has and the database lacks, in order, each in its own
    /// transaction under an advisory lock; returns the names applied now.
    @discardableResult
    public func migrate() async throws -> [String] {
        var applied: [String] = []
        await untilRunning()
        do {
            for migration in PostgresSchema.migrations {
                let done = try await client.withTransaction(logger: logger) { connection -> Bool in
                    // The lock first: two `CREATE TABLE IF NOT EXISTS` at once can both try to create it.
                    try await connection.query(
                        "SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
                    try await connection.query(
                        "CREATE TABLE IF NOT EXISTS laurel_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                        logger: logger)
                    let rows = try await connection.query(
                        "SELECT 1 FROM laurel_migration WHERE name = \(migration.name)", logger: logger)
                    for try await _ in rows { return false }
                    for statement in migration.sql {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO laurel_migration (name) VALUES (\(migration.name))", logger: logger)
                    return true
                }
                if done { applied.append(migration.name) }
            }
        } catch let error as PostgresTransactionError {
            throw PostgresStoreError(
                error.closureError ?? error.beginError ?? error.commitError ?? error, location: location)
        } catch let error as PSQLError {
            throw PostgresStoreError(error, location: location)
        }
        // A database a newer laurel migrated has tables this one does not know how to keep.
        let known = PostgresSchema.migrations.map(\.name)
        if let unknown = try await appliedMigrations().first(where: { !known.contains($0) }) {
            throw Self.newerSchema(location, unknown)
        }
        return applied
    }

    static func newerSchema(_ location: PostgresLocation, _ migration: String) -> PostgresStoreError {
        PostgresStoreError(
            sqlState: nil,
            descriptionForPeople:
                "\(location) was brought up to date by a newer laurel (it has the migration '\(migration)'); run that version"
        )
    }

    /// Checks that the database has this build's schema, for a process that only reads: one
    /// without Laurel's tables, or with an older or newer schema, is refused with what to do.
    public func checkSchema() async throws {
        let applied: [String]
        do {
            applied = try await appliedMigrations()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            throw PostgresStoreError(
                sqlState: "42P01",
                descriptionForPeople:
                    "\(location) has no Laurel data yet; 'laurel serve' or a command that writes (org import, campaign start) creates its tables"
            )
        } catch let error as PSQLError {
            throw PostgresStoreError(error, location: location)
        }
        let known = PostgresSchema.migrations.map(\.name)
        if let unknown = applied.first(where: { !known.contains($0) }) { throw Self.newerSchema(location, unknown) }
        if applied.count < known.count {
            throw PostgresStoreError(
                sqlState: nil,
                descriptionForPeople:
                    "\(location) was written by an older laurel; a command that writes (or 'laurel serve') brings it up to date first"
            )
        }
    }

    /// The names of the migrations the database has, in the order applied.
    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        await untilRunning()
        let rows = try await client.query("SELECT name FROM laurel_migration ORDER BY applied_at, name", logger: logger)
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }
}

/// A PostgreSQL error in words for the person who runs the command: what went wrong, where
/// (never with the password), and what to do (``StoreMessages``).
public struct PostgresStoreError: Error, StoreErrorDescribing, CustomStringConvertible {
    /// The SQLSTATE code the server sent, when it sent one ("40P01", "23505", ...).
    public var sqlState: String?
    public var descriptionForPeople: String

    public var description: String { descriptionForPeople }

    static let sessionEnded = PostgresStoreError(
        sqlState: "25P03",
        descriptionForPeople:
            "PostgreSQL ended the session while it was inside a transaction (it stayed idle past the session timeout, or the connection was lost); nothing of the transaction was written, try again"
    )

    static func inconsistent(_ message: String) -> PostgresStoreError {
        PostgresStoreError(sqlState: nil, descriptionForPeople: message)
    }

    init(sqlState: String?, descriptionForPeople: String) {
        self.sqlState = sqlState
        self.descriptionForPeople = descriptionForPeople
    }

    init(_ error: any Error, location: PostgresLocation) {
        // The pool's own error type is in a module of postgres-nio's that is not for use.
        if String(describing: error).contains("connectionCreationCircuitBreakerTripped") {
            self.init(
                sqlState: nil,
                descriptionForPeople:
                    "cannot reach PostgreSQL at \(location): no connection could be made for a minute; check that the server runs"
            )
            return
        }
        guard let error = error as? PSQLError else {
            self.init(sqlState: nil, descriptionForPeople: StoreMessages.describe(error))
            return
        }
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message] ?? ""
        let words: String
        switch (error.code, state) {
        case (.server, "28P01"?), (.server, "28000"?):
            words =
                "PostgreSQL at \(location) refused the sign-in: \(message); check the user and password (PGPASSWORD or the URL)"
        case (.server, "3D000"?):
            words =
                "\(message) on \(location.host):\(location.port); create it (createdb \(location.database)) or name another in --database"
        case (.server, "40001"?), (.server, "40P01"?):
            words =
                "PostgreSQL ended the transaction to resolve a conflict with another (\(message)); nothing of it was written, try again"
        case (.server, "25P03"?), (.server, "57P01"?), (.server, "57P02"?), (.server, "57P03"?):
            words = "PostgreSQL closed the session (\(message)); nothing of the transaction was written, try again"
        case (.server, "53100"?):
            words = "the database server's disk is full (\(message))"
        case (.server, _):
            words = "PostgreSQL: \(message)\(state.map { " (SQLSTATE \($0))" } ?? "")"
        case (.connectionError, _), (.serverClosedConnection, _), (.uncleanShutdown, _):
            let reason = error.underlying.map { " (\(Self.reason($0)))" } ?? " (no answer within 10 s)"
            words =
                "cannot reach PostgreSQL at \(location)\(reason); check that the server runs and --database names it"
        case (.authMechanismRequiresPassword, _):
            words = "PostgreSQL at \(location) asks for a password; give it in PGPASSWORD or the URL"
        case (.sslUnsupported, _), (.failedToAddSSLHandler, _):
            words =
                "PostgreSQL at \(location) requires TLS, which this build does not use; allow a plain connection on a trusted network (docs/operations.md)"
        case (.poolClosed, _), (.clientClosedConnection, _):
            words =
                "the connection to PostgreSQL was closed while shutting down; nothing of the transaction was written"
        default:
            words = "PostgreSQL at \(location): \(error.code)"
        }
        self.init(sqlState: state, descriptionForPeople: words)
    }

    /// Why a connection failed, in the system's words ("Connection refused") where NIO gives them.
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        let text = String(describing: error)
        // NIO's "Connection errors: SingleConnectionFailure(target: …, error: connection reset (error set): Connection refused (errno: 111))".
        if let range = text.range(of: "): ", options: .backwards),
            let end = text.range(of: " (errno", options: .backwards),
            range.upperBound <= end.lowerBound
        {
            return String(text[range.upperBound..<end.lowerBound]).trimmingCharacters(
                in: CharacterSet(charactersIn: ")"))
        }
        return text
    }
}
