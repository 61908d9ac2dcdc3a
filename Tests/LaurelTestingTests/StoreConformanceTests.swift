import Foundation
import LaurelPlugins
import LaurelSQLite
import LaurelStore
import LaurelTesting
import Testing

/// Every store backend passes every check of ``StoreConformance``, each on a new, empty store.
@Suite("Store conformance")
struct StoreConformanceTests {
    /// A backend under test: how to make an empty store, and how to clean up after it.
    struct Backend: Sendable, CustomStringConvertible {
        let description: String
        let make: @Sendable () throws -> (store: any CampaignStore, cleanUp: @Sendable () -> Void)
    }

    /// The backends. A new backend is one line here.
    static let backends: [Backend] = [
        Backend(description: "in memory") { (InMemoryStore(), {}) },
        Backend(description: "SQLite") {
            let (store, folder) = try TestWorkflows.store()
            return (store, { try? FileManager.default.removeItem(atPath: folder) })
        },
    ]

    @Test("a backend does what the store protocol promises", arguments: backends, StoreConformance.checks)
    func conforms(backend: Backend, check: StoreConformance.Check) async throws {
        let (store, cleanUp) = try backend.make()
        defer { cleanUp() }
        try await check.run(on: store)
    }
}
