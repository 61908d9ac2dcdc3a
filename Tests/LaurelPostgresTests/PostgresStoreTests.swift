import LaurelStore
import LaurelTesting
import Testing

@testable import LaurelPostgres

/// Against a real PostgreSQL server of the test's own (`PostgresServer`); skipped where
/// PostgreSQL is not installed.
@Suite(.enabled(if: PostgresServer.isAvailable, "PostgreSQL is not installed"))
struct PostgresStoreTests {
    /// Runs `body` with stores on a new database, their pools running, and stops them after.
    static func withServer(stores count: Int = 1, _ body: ([PostgresStore]) async throws -> Void) async throws {
        try await PostgresServer.withDatabase { url in try await withStores(url: url, count: count, body) }
    }

    static func withStores(url: String, count: Int, _ body: ([PostgresStore]) async throws -> Void) async throws {
        let location = try PostgresLocation(url: url, environment: [:])
        let stores = (0..<count).map { _ in PostgresStore(location: location, registry: TestWorkflows.registry) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.run() } }
            defer { group.cancelAll() }
            try await body(stores)
        }
    }

    @Test("the migrations run once, in order, even when two daemons start together")
    func migrations() async throws {
        try await Self.withServer(stores: 2) { stores in
            async let first = stores[0].migrate()
            async let second = stores[1].migrate()
            let applied = try await [first, second]
            #expect(applied.map(\.count).sorted() == [0, 1], "each migration applied by one of them: \(applied)")
            #expect(try await stores[0].migrate() == [], "nothing left to apply")
            #expect(try await stores[1].appliedMigrations().count == 1)
        }
    }

    @Test(
        "a transaction commits what its body did; a body that throws, a rolled-back one and a read-only one leave nothing"
    )
    func transactions() async throws {
        try await Self.withServer { stores in
            let store = stores[0]
            try await store.migrate()
            @Sendable func version(_ hash: String) -> WorkflowVersion {
                WorkflowVersion(
                    hash: hash, workflowID: "quick", file: "quick.yaml", source: Array("title: Hà Nội \(hash)".utf8),
                    recordedAt: TestWorkflows.may1)
            }
            try await store.transaction { try $0.record(version("h1")) }
            try await store.transaction { try $0.record(version("h1")) }
            #expect(try await store.transaction(readOnly: true) { try $0.workflowVersion(hash: "h1") } == version("h1"))

            struct Stop: Error {}
            await #expect(throws: Stop.self) {
                try await store.transaction {
                    try $0.record(version("h2"))
                    throw Stop()
                }
            }
            try await store.transaction(end: .rollBack) { try $0.record(version("h2")) }
            await #expect(throws: (any Error).self) {
                try await store.transaction(readOnly: true) { try $0.record(version("h2")) }
            }
            #expect(try await store.transaction(readOnly: true) { try $0.workflowVersion(hash: "h2") } == nil)

            try await store.transaction { try $0.record(version("h2")) }
            #expect(
                try await store.transaction(readOnly: true) { try $0.workflowVersions(workflowID: "quick") }
                    == [version("h1"), version("h2")])
            #expect(try await store.transaction(readOnly: true) { try $0.latestVersion(workflowID: "quick") } == "h2")
        }
    }
}
