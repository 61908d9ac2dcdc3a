import LaurelPostgres
import LaurelTesting
import Testing

/// Against a real PostgreSQL server of the test's own (`PostgresServer`); skipped where
/// PostgreSQL is not installed.
@Suite(.enabled(if: PostgresServer.isAvailable, "PostgreSQL is not installed"))
struct PostgresStoreTests {
    /// Runs `body` with stores on a new server, their pools running, and stops everything after.
    static func withServer(stores count: Int = 1, _ body: ([PostgresStore]) async throws -> Void) async throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        let location = try PostgresLocation(url: server.url, environment: [:])
        let stores = (0..<count).map { _ in PostgresStore(location: location) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { await store.run() } }
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
}
