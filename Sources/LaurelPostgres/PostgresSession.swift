import LaurelStore
import Logging
import NIOPosix
import PostgresNIO

/// One transaction on one leased connection, for a synchronous body (docs/architecture.md, "The
/// store boundary"): the body runs on a thread of NIO's blocking pool, never a thread of Swift's
/// cooperative pool, and each query it makes is sent on the connection's event loop and waited
/// for on that thread. The store protocol's reads and writes are built on it.
struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement and waits for it.
    func execute(_ query: PostgresQuery) throws {
        _ = try connection.query(query, logger: logger).wait()
    }

    /// Runs a query and waits for all its rows.
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try connection.query(query, logger: logger).wait().rows
    }
}

extension PostgresStore {
    /// `body` in one transaction: `BEGIN` (read only, on one snapshot, when `readOnly`) on a
    /// leased connection, the body on NIO's blocking pool, then `COMMIT`; `ROLLBACK` instead when
    /// the body throws or `end` is `.rollBack`.
    func transaction<Result: Sendable>(
        readOnly: Bool = false, end: TransactionEnd = .commit,
        _ body: @escaping @Sendable (PostgresSession) throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await connection.query(
                readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
            let session = PostgresSession(connection: connection, logger: logger)
            let result: Result
            do {
                result = try await NIOThreadPool.singleton.runIfActive { try body(session) }
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            try await connection.query(end == .rollBack ? "ROLLBACK" : "COMMIT", logger: logger)
            return result
        }
    }
}

// The store protocol's workflow versions, first of its requirements to be built here.
extension PostgresSession {
    func record(_ version: WorkflowVersion) throws {
        try execute(
            """
            INSERT INTO workflow_version (hash, workflow_id, file, source, recorded_at)
            VALUES (\(version.hash), \(version.workflowID), \(version.file), \(ByteBuffer(bytes: version.source)),
                \(version.recordedAt))
            ON CONFLICT (hash) DO NOTHING
            """)
    }

    func workflowVersion(hash: String) throws -> WorkflowVersion? {
        try rows(
            "SELECT hash, workflow_id, file, source, recorded_at FROM workflow_version WHERE hash = \(hash)"
        ).first.map(Self.version)
    }

    /// Every recorded version of one workflow, oldest first.
    func workflowVersions(workflowID: String) throws -> [WorkflowVersion] {
        try rows(
            """
            SELECT hash, workflow_id, file, source, recorded_at FROM workflow_version
            WHERE workflow_id = \(workflowID) ORDER BY recorded_order
            """
        ).map(Self.version)
    }

    /// The most recently recorded version of a workflow id.
    func latestVersion(workflowID: String) throws -> String? {
        try rows(
            """
            SELECT hash FROM workflow_version WHERE workflow_id = \(workflowID)
            ORDER BY recorded_order DESC LIMIT 1
            """
        ).first.map { try $0.decode(String.self) }
    }

    private static func version(_ row: PostgresRow) throws -> WorkflowVersion {
        // `bytea` as a buffer: a `[UInt8]` is PostgreSQL's array of "char", not bytes.
        let (hash, workflowID, file, source, recordedAt) = try row.decode(
            (String, String, String, ByteBuffer, Int64).self)
        return WorkflowVersion(
            hash: hash, workflowID: workflowID, file: file, source: Array(source.readableBytesView),
            recordedAt: recordedAt)
    }
}
