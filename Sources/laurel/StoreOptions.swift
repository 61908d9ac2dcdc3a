public import ArgumentParser
import Foundation
import LaurelPlugins
import LaurelPostgres
import LaurelSQLite
import LaurelService
import LaurelStore
import Logging

/// Options every command that opens the store shares: a SQLite file, or a PostgreSQL database
/// named by a URL (docs/operations.md, "Several daemons on PostgreSQL").
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The SQLite database file ('laurel serve', 'org import' and 'campaign start' create it when missing; other commands need it to exist), or a PostgreSQL database: postgres://USER@HOST:PORT/DATABASE, with what it leaves out from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE. Without it: DATABASE_URL when set, else laurel.sqlite.",
            valueName: "path-or-url"))
    var database: String?

    @Option(
        help: ArgumentHelp(
            "SQLite only. normal: a commit survives the process being killed; full: also a power cut (slower). Default: normal.",
            valueName: "level"))
    var durability: SQLiteStore.Durability?

    /// What the command opens: `--database`, else `DATABASE_URL` when it names PostgreSQL, else
    /// the file `laurel.sqlite`.
    var location: String {
        if let database { return database }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], PostgresLocation.isURL(url) { return url }
        return "laurel.sqlite"
    }

    var isPostgres: Bool { PostgresLocation.isURL(location) }

    /// The database as messages name it: a PostgreSQL URL without its password.
    var displayName: String {
        guard isPostgres else { return location }
        return (try? PostgresLocation(url: location).description) ?? "the PostgreSQL database"
    }

    func validate() throws {
        if isPostgres, durability != nil {
            throw ValidationError(
                "--durability applies to a SQLite file; on PostgreSQL a commit's durability is the server's synchronous_commit setting (docs/operations.md)"
            )
        }
        if isPostgres {
            do {
                _ = try PostgresLocation(url: location)
            } catch let error as PostgresLocation.Invalid {
                throw ValidationError("--database: \(error.description)")
            }
        }
    }

    /// Runs `body` with the service on the store, opened as the command means to use it: only
    /// the commands that create data create a missing SQLite file, and one that reads never
    /// takes its write lock. On PostgreSQL the connection pool runs while `body` does, and a
    /// command that writes brings the schema up to date first. A failure is said and exits 1.
    func withService<T>(_ access: SQLiteStore.Access, _ body: (CampaignService) async throws -> T) async throws -> T {
        try await withStore(access) { store in
            try await body(CampaignService(store: store, registry: BuiltInPlugins.registry))
        }
    }

    /// Runs `body` with the store opened as ``withService(_:_:)`` opens it. `holdingDaemonClaim`:
    /// a SQLite file's daemon claim is held meanwhile, so no `laurel serve` runs on it (one
    /// that runs already is named in the error).
    func withStore<T>(
        _ access: SQLiteStore.Access, holdingDaemonClaim: Bool = false, _ body: (any CampaignStore) async throws -> T
    ) async throws -> T {
        // Whatever the command writes, the audit log records as done by whoever ran it.
        try await AuditActor.$current.withValue(.commandLine(LaurelMain.commandPath())) {
            try await openAndRun(access, holdingDaemonClaim: holdingDaemonClaim, body)
        }
    }

    private func openAndRun<T>(
        _ access: SQLiteStore.Access, holdingDaemonClaim: Bool, _ body: (any CampaignStore) async throws -> T
    ) async throws -> T {
        guard isPostgres else {
            let store = try openSQLite(access)
            var claim: DaemonClaim?
            if holdingDaemonClaim {
                do {
                    claim = try store.claimForDaemon()
                } catch {
                    throw LaurelError(.unavailable, StoreMessages.describe(error))
                }
            }
            defer { withExtendedLifetime(claim) {} }
            return try await body(store)
        }
        let store = try openPostgres()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await prepare(store, access)
            return try await body(store)
        }
    }

    func openSQLite(_ access: SQLiteStore.Access) throws -> SQLiteStore {
        do {
            return try SQLiteStore(
                path: location, registry: BuiltInPlugins.registry, durability: durability ?? .normal, access: access,
                waiting: {
                    FileHandle.standardError.write(
                        Data(
                            "waiting for the database: another process is writing to '\(location)' (at most 30 s)\n"
                                .utf8))
                })
        } catch let error as SQLiteStore.OpenError {
            throw LaurelError(.unavailable, error.description)
        } catch {
            throw LaurelError(.unavailable, "cannot open the database '\(location)': \(StoreMessages.describe(error))")
        }
    }

    /// The PostgreSQL store, its pool not yet running (``PostgresStore/run()``). A command says
    /// its errors itself; the daemon (`asDaemon`) also logs the pool's (a connection that
    /// failed) and listens for timers others arm.
    func openPostgres(asDaemon: Bool = false, sessionTimeout: Duration = .seconds(30), name: String? = nil) throws
        -> PostgresStore
    {
        do {
            return PostgresStore(
                location: try PostgresLocation(url: location), registry: BuiltInPlugins.registry,
                listensForTimers: asDaemon, sessionTimeout: sessionTimeout,
                applicationName: name.map { "laurel \($0)" } ?? "laurel",
                logger: asDaemon
                    ? Logger(label: "laurel.postgres")
                    : Logger(label: "laurel.postgres") { _ in SwiftLogNoOpLogHandler() })
        } catch let error as PostgresLocation.Invalid {
            throw LaurelError(.invalidRequest, "--database: \(error.description)")
        }
    }

    /// Brings the schema up to date for a command that writes; checks it for one that reads.
    func prepare(_ store: PostgresStore, _ access: SQLiteStore.Access) async throws {
        do {
            try await store.probe()
            if access == .read {
                try await store.checkSchema()
            } else {
                try await store.migrate()
            }
        } catch {
            throw LaurelError(.unavailable, StoreMessages.describe(error))
        }
    }
}

extension SQLiteStore.Durability: ExpressibleByArgument {}
