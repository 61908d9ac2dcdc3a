import Foundation
import LaurelPlugins
import LaurelSQLite
import LaurelStore
import LaurelTesting
import Testing

/// Every store backend passes every check of ``StoreConformance``, each on a new, empty store.
@Suite("Store conformance")
struct StoreConformanceTests {
    /// A backend under test: runs a body on a new, empty store and cleans up after it.
    struct Backend: Sendable, CustomStringConvertible {
        let description: String
        let withStore: @Sendable (@Sendable (any CampaignStore) async throws -> Void) async throws -> Void
    }

    /// The backends. A new backend is a few lines here. PostgreSQL runs where it is installed.
    static let backends: [Backend] =
        [
            Backend(description: "in memory") { body in try await body(InMemoryStore()) },
            Backend(description: "SQLite") { body in
                let (store, folder) = try TestWorkflows.store()
                defer { try? FileManager.default.removeItem(atPath: folder) }
                try await body(store)
            },
        ]
        + (PostgresServer.isAvailable
            ? [Backend(description: "PostgreSQL") { body in try await TestWorkflows.withPostgresStore(body) }] : [])

    @Test("a backend does what the store protocol promises", arguments: backends, StoreConformance.checks)
    func conforms(backend: Backend, check: StoreConformance.Check) async throws {
        try await backend.withStore { store in try await check.run(on: store) }
    }
}
