import Foundation
import LaurelCore
import LaurelStore
import LaurelTesting
import PostgresNIO
import Testing

@testable import LaurelPostgres

/// Against a real PostgreSQL server of the test's own (`PostgresServer`); skipped where
/// PostgreSQL is not installed.
@Suite(.enabled(if: PostgresServer.isAvailable, "PostgreSQL is not installed"))
struct PostgresStoreTests {
    /// Runs `body` with stores on a new database, their pools running, and stops them after.
    static func withServer(
        stores count: Int = 1, firstSessionTimeout: Duration = .seconds(30),
        _ body: ([PostgresStore]) async throws -> Void
    ) async throws {
        try await PostgresServer.withDatabase { url in
            let location = try PostgresLocation(url: url, environment: [:])
            // The first store's sessions may have a timeout of their own; the others keep 30 s.
            let stores = (0..<count).map { index in
                PostgresStore(
                    location: location, registry: TestWorkflows.registry, listensForTimers: true,
                    sessionTimeout: index == 0 ? firstSessionTimeout : .seconds(30))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.run() } }
                defer { group.cancelAll() }
                try await body(stores)
            }
        }
    }

    /// A running campaign of the conformance checks' workflow version, with timers.
    static func campaign(_ id: String, timers: [(Int, Instant)]) -> Campaign {
        Campaign(
            id: id, workflowID: "w", workflowVersion: "v1", status: .running, state: "collecting", enteredAt: 100,
            inputs: [:], metrics: [:], entries: [], awards: [], step: nil,
            timers: timers.map { ArmedTimer(id: $0.0, due: $0.1, source: .state(index: 0)) }, nextTimerID: 10,
            transitions: [], eventCount: 0)
    }

    static func prepare(_ store: PostgresStore, campaigns ids: [String], due: Instant) async throws {
        try await store.migrate()
        try await store.write { transaction in
            try transaction.record(
                WorkflowVersion(
                    hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
            for id in ids { try transaction.save(campaign(id, timers: [(1, due)]), events: [], effects: [], at: 1) }
        }
    }

    @Test("the migrations run once, in order, even when two daemons start together; a newer schema is refused")
    func migrations() async throws {
        try await Self.withServer(stores: 2) { stores in
            async let first = stores[0].migrate()
            async let second = stores[1].migrate()
            let applied = try await [first, second]
            let count = PostgresSchema.migrations.count
            #expect(applied.joined().count == count, "each migration applied by one of them: \(applied)")
            #expect(Set(applied.joined()).count == count)
            #expect(try await stores[0].migrate() == [], "nothing left to apply")
            #expect(try await stores[1].appliedMigrations() == PostgresSchema.migrations.map(\.name))
            // A database a newer laurel migrated is refused, with the version to run.
            _ = try await stores[0].transaction {
                try $0.execute("INSERT INTO laurel_migration (name) VALUES ('v99: later')")
            }
            await #expect {
                try await stores[1].migrate()
            } throws: { error in
                "\(error)".contains("brought up to date by a newer laurel (it has the migration 'v99: later')")
            }
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

    @Test("two daemons claiming at once take disjoint campaigns, each locked until its transaction ends")
    func disjointClaims() async throws {
        try await Self.withServer(stores: 2) { stores in
            let ids = (1...6).map { "c\($0)" }
            try await Self.prepare(stores[0], campaigns: ids, due: 100)
            let holding = DispatchSemaphore(value: 0)
            let claimed = DispatchSemaphore(value: 0)
            let first = Task {
                try await stores[0].write { transaction in
                    let timers = try transaction.claimDueTimers(at: 200, after: nil, limit: 4)
                    claimed.signal()
                    holding.wait()  // held while the other daemon claims
                    return timers.map(\.campaignID)
                }
            }
            await withCheckedContinuation { done in
                DispatchQueue.global().async {
                    claimed.wait()
                    done.resume()
                }
            }
            let second = try await stores[1].write { try $0.claimDueTimers(at: 200, after: nil, limit: 10) }
                .map(\.campaignID)
            // A command on a campaign the first holds waits for its lock.
            let command = Task {
                try await stores[1].write { try $0.campaign(id: "c1")?.id }
            }
            try await Task.sleep(for: .milliseconds(300))
            holding.signal()
            let firstIDs = try await first.value
            #expect(firstIDs == ["c1", "c2", "c3", "c4"])
            #expect(second == ["c5", "c6"], "the other daemon skips the locked campaigns")
            #expect(try await command.value == "c1")
        }
    }

    @Test(
        "a transaction left open past the session timeout loses its locks, and its late commit fails and writes nothing"
    )
    func sessionTimeout() async throws {
        try await Self.withServer(stores: 2, firstSessionTimeout: .seconds(2)) { stores in
            try await Self.prepare(stores[1], campaigns: ["c1"], due: 100)
            let stalled = Task {
                try await stores[0].write { transaction in
                    var campaign = try transaction.campaign(id: "c1")!
                    campaign.state = "stalled"
                    try transaction.save(campaign, events: [], effects: [], at: 2)
                    Thread.sleep(forTimeInterval: 4)  // as a daemon stopped mid-transaction would
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            // The other daemon gets the campaign once the server has ended the stalled session.
            let state = try await stores[1].write { transaction in
                var campaign = try transaction.campaign(id: "c1")!
                let state = campaign.state
                campaign.state = "moved-on"
                try transaction.save(campaign, events: [], effects: [], at: 3)
                return state
            }
            #expect(state == "collecting", "the stalled write was never seen")
            await #expect(throws: PostgresStoreError.self) { try await stalled.value }
            #expect(try await stores[0].read { try $0.campaign(id: "c1")?.state } == "moved-on")
        }
    }

    @Test("a commit that arms a timer due soon wakes a waiting daemon; one due later does not")
    func wakeUps() async throws {
        try await Self.withServer(stores: 2) { stores in
            try await Self.prepare(stores[0], campaigns: [], due: 100)
            let now = Instant(Date().timeIntervalSince1970)
            // A timer due in an hour: the wait runs to its timeout.
            var started = ContinuousClock.now
            async let untilTimeout: Void = stores[0].waitForTimers(timeout: .seconds(1))
            try await stores[1].write {
                try $0.save(Self.campaign("later", timers: [(1, now + 3_600)]), events: [], effects: [], at: now)
            }
            await untilTimeout
            #expect(ContinuousClock.now - started >= .milliseconds(900), "not woken by a timer due in an hour")
            // A timer due in five seconds: the commit ends the wait.
            started = ContinuousClock.now
            async let woken: Void = stores[0].waitForTimers(timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(300))
            try await stores[1].write {
                try $0.save(Self.campaign("soon", timers: [(1, now + 5)]), events: [], effects: [], at: now)
            }
            await woken
            #expect(ContinuousClock.now - started < .seconds(15), "woken by the commit, not the timeout")
            let server = try await stores[0].serverNow()
            #expect(abs(server - Date().timeIntervalSince1970) < 5, "the server's clock, this machine's")
        }
    }
}
