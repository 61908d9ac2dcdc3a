public import Logging
import PostgresNIO

/// Laurel's data in a PostgreSQL database, for several daemons on one database
/// (docs/architecture.md, "The store boundary"). Built so far: the connection pool (run it as a
/// `Service`, first in the daemon's group, so it stops last) and the schema's migrations. The
/// store protocol's reads and writes come next (issue 20); until then `laurel` does not offer it.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger

    public init(location: PostgresLocation, logger: Logger = Logger(label: "laurel.postgres")) {
        self.location = location
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled.
    public func run() async {
        await client.run()
    }

    /// Applies the migrations this build has and the database lacks, in order, each in its own
    /// transaction under an advisory lock; returns the names applied now.
    @discardableResult
    public func migrate() async throws -> [String] {
        var applied: [String] = []
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
        return applied
    }

    /// The names of the migrations the database has, in the order applied.
    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        let rows = try await client.query("SELECT name FROM laurel_migration ORDER BY applied_at, name", logger: logger)
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }
}
