import Foundation
import GRDB
import LaurelCore
@testable import LaurelSQLite
import LaurelPlugins
import LaurelStore
import Synchronization
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    static let registry = BuiltInPlugins.registry

    struct Failure: Error {}

    static func temporaryFile() throws -> (path: String, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder + "/laurel.sqlite", folder)
    }

    /// A store with the workflow version the test campaigns name (campaigns refer to a version).
    static func openStore(_ path: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, registry: registry)
        try await store.write { try $0.record(WorkflowVersion(hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1)) }
        return store
    }

    static func campaign(_ id: String, timers: [(Int, Instant)]) -> Campaign {
        Campaign(id: id, workflowID: "w", workflowVersion: "v1", status: .running, state: "collecting", enteredAt: 100,
                 inputs: ["region": .text("Hà Nội")], metrics: ["ideas": 2],
                 entries: [Entry(id: "SK-1", kind: "idea", unit: "công-đoàn-1", fields: ["title": .text("Cải tiến")])],
                 awards: [], step: nil, timers: timers.map { ArmedTimer(id: $0.0, due: $0.1, source: .state(index: 0)) },
                 nextTimerID: 10, transitions: [], eventCount: 3)
    }

    static func event(_ id: String, campaign: String) -> LoggedEvent {
        LoggedEvent(id: id, campaignID: campaign, at: 100, recordedAt: 100, action: .event(.command("launch")), summary: "launch")
    }

    @Test("a saved campaign reads back equal, after the file is closed and opened again")
    func roundTrip() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = Self.campaign("c1", timers: [(1, 500), (2, 300)])
        do {
            let store = try SQLiteStore(path: path, registry: Self.registry)
            try await store.write { try $0.record(WorkflowVersion(hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1)) }
            try await store.write { try $0.save(original, events: [Self.event("e1", campaign: "c1")], effects: [], at: 100) }
        }
        let reopened = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try await reopened.read { try $0.campaign(id: "c1") } == original)
        #expect(try await reopened.read { try $0.events(campaignID: "c1") }.map(\.id) == ["e1"])
        #expect(try await reopened.read { try $0.workflowVersion(hash: "v1") }?.source == Array("laurel: 1".utf8))
        #expect(try await reopened.read { try $0.campaigns() }.map(\.state) == ["collecting"])
    }

    @Test("the due index follows the campaign's armed timers and returns them earliest first")
    func dueIndex() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        try await store.write { transaction in
            try transaction.save(Self.campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1)
            try transaction.save(Self.campaign("b", timers: [(1, 300)]), events: [], effects: [], at: 1)
        }
        #expect(try await store.read { try $0.dueTimers(at: 400, limit: 10) } == [DueTimer(campaignID: "a", timerID: 2, due: 300),
                                                              DueTimer(campaignID: "b", timerID: 1, due: 300)])
        #expect(try await store.read { try $0.nextDue() } == 300)
        try await store.write { try $0.save(Self.campaign("a", timers: [(1, 500), (3, 700)]), events: [], effects: [], at: 2) }
        #expect(try await store.read { try $0.timers(campaignID: "a") }.map(\.timerID) == [1, 3])
        #expect(try await store.read { try $0.dueTimers(at: 10_000, limit: 2) }.count == 2, "the limit is honoured")
    }

    @Test("a save after a load in one transaction, or saving twice, keeps the due index equal to the armed timers")
    func dueIndexWithinTransaction() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        try await store.write { try $0.save(Self.campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1) }
        try await store.write { transaction in
            var loaded = try #require(try transaction.campaign(id: "a"))
            loaded.timers = [ArmedTimer(id: 1, due: 500, source: .state(index: 0)), ArmedTimer(id: 4, due: 900, source: .state(index: 0))]
            try transaction.save(loaded, events: [], effects: [], at: 2)
            loaded.timers.removeFirst()
            try transaction.save(loaded, events: [], effects: [], at: 2)
        }
        #expect(try await store.read { try $0.timers(campaignID: "a") } == [DueTimer(campaignID: "a", timerID: 4, due: 900)])
        #expect(try await store.read { try $0.nextDue() } == 900)
        try await store.write { try $0.save(Self.campaign("a", timers: []), events: [], effects: [], at: 3) }
        #expect(try await store.read { try $0.timers(campaignID: "a") }.isEmpty)
        #expect(try await store.read { try $0.nextDue() } == nil)
    }

    @Test("a due index row its campaign does not have is removed by the repair; other rows stay")
    func dueIndexRepair() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        try await store.write { try $0.save(Self.campaign("a", timers: [(1, 500)]), events: [], effects: [], at: 1) }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "INSERT INTO due_timer (due, campaign_id, timer_id) VALUES (200, 'a', 7)") }
        let stray = DueTimer(campaignID: "a", timerID: 7, due: 200)
        #expect(try await store.read { try $0.dueTimers(at: 1_000, limit: 10) }.first == stray)
        try await store.write { try $0.removeFromDueIndex(stray) }
        #expect(try await store.read { try $0.dueTimers(at: 1_000, limit: 10) } == [DueTimer(campaignID: "a", timerID: 1, due: 500)])
    }

    @Test("a database from before the due index was one tree keeps its timers when opened")
    func dueIndexMigration() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v5: child campaigns")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO timer (campaign_id, timer_id, due) VALUES ('a', 1, 500), ('a', 2, 300), ('b', 1, 300)")
            }
        }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try await store.read { try $0.dueTimers(at: 1_000, limit: 10) } == [DueTimer(campaignID: "a", timerID: 2, due: 300),
                                                               DueTimer(campaignID: "b", timerID: 1, due: 300),
                                                               DueTimer(campaignID: "a", timerID: 1, due: 500)])
    }

    @Test("a transaction whose body throws, or logs an event id twice, writes nothing")
    func atomicity() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        try await store.write { try $0.save(Self.campaign("a", timers: []), events: [Self.event("e1", campaign: "a")], effects: [], at: 1) }
        await #expect(throws: Failure.self) {
            try await store.write { transaction in
                try transaction.save(Self.campaign("b", timers: [(1, 5)]), events: [], effects: [], at: 1)
                throw Failure()
            }
        }
        await #expect(throws: (any Error).self) {
            try await store.write { transaction in
                try transaction.save(Self.campaign("c", timers: []), events: [Self.event("e1", campaign: "c")], effects: [], at: 1)
            }
        }
        #expect(try await store.read { try $0.campaigns() }.map(\.id) == ["a"])
        #expect(try await store.read { try $0.eventCount() } == 1)
        #expect(try await store.read { try $0.nextDue() } == nil)
        // The connection's prepared BEGIN and COMMIT serve again after the rollbacks.
        try await store.write { try $0.save(Self.campaign("d", timers: [(1, 5)]), events: [Self.event("e2", campaign: "d")], effects: [], at: 2) }
        #expect(try await store.read { try $0.campaigns() }.map(\.id) == ["a", "d"])
        #expect(try await store.read { try $0.eventCount() } == 2)
        #expect(try await store.read { try $0.nextDue() } == 5)
    }

    @Test("outbox items wait until they are marked delivered")
    func outbox() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        let effect = Effect.notify(audience: "unions", message: "Phát động", channels: ["notice"])
        try await store.write {
            try $0.save(Self.campaign("a", timers: []), events: [],
                        effects: [OutboxItem(campaignID: "a", eventID: "e", effect: effect, createdAt: 1)], at: 1)
        }
        let pending = try await store.read { try $0.pendingOutbox(limit: 10) }
        #expect(pending.map(\.effect) == [effect])
        try await store.write { try $0.markDelivered(pending.map(\.sequence), at: 2) }
        #expect(try await store.read { try $0.pendingOutbox(limit: 10) }.isEmpty)
    }

    @Test("a damaged campaign document is reported, not trusted")
    func damagedDocument() throws {
        let codec = CampaignCodec(registry: Self.registry)
        var bytes = try codec.encode(Self.campaign("a", timers: []))
        bytes.removeLast(3)
        #expect(throws: CampaignCodec.CorruptData.self) { try codec.decode(bytes) }
    }

    @Test("organisation data replaces as a whole and reads back in file order, Vietnamese names intact")
    func organisationRoundTrip() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        #expect(try await store.read { try $0.organisation() }.isEmpty)
        #expect(try await store.read { try $0.organisationVersion() } == 0)
        let first = Organisation(levels: ["district", "grassroots"], units: [
            .init(id: "ntl", name: "Liên đoàn Lao động quận Nam Từ Liêm", level: "district"),
            .init(id: "md1", name: "Công đoàn cơ sở phường Mỹ Đình 1", parent: "ntl", level: "grassroots",
                  counts: ["members": 640, "direct-production-workers": 410]),
        ], people: [.init(id: "an", name: "Nguyễn Văn An", unit: "md1", roles: ["council", "chair"])])
        try await store.write { try $0.replaceOrganisation(first) }
        #expect(try await SQLiteStore(path: path, registry: Self.registry).read { try $0.organisation() } == first)
        #expect(try await store.read { try $0.organisationVersion() } == 1)
        let second = Organisation(units: [.init(id: "hn", name: "Hà Nội", level: "city")])
        try await store.write { try $0.replaceOrganisation(second) }
        #expect(try await store.read { try $0.organisation() } == second)
        #expect(try await store.read { try $0.organisation() }.unit("hn")?.name == "Hà Nội")
        #expect(try await store.read { try $0.organisationVersion() } == 2)
    }

    @Test("a write waiting for another process's write lock says so once, after a second, and then goes through")
    func waitingIsSaid() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let holder = try await Self.openStore(path)
        let told = Mutex(0)
        let waiter = try SQLiteStore(path: path, registry: Self.registry, access: .write, waiting: { told.withLock { $0 += 1 } })
        let locked = Mutex(false)
        let holding = Task {
            try await holder.write { _ in
                locked.withLock { $0 = true }
                Thread.sleep(forTimeInterval: 1.6)
            }
        }
        while !locked.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        try await waiter.write { transaction in try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 100) }
        #expect(told.withLock { $0 } == 1)
        #expect(try await waiter.read { try $0.campaign(id: "c") } != nil)
        try await holding.value
    }

    @Test("a store that must exist is not created, a read-only one does not write, and a folder is no database")
    func accessModes() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for access in [SQLiteStore.Access.read, .write] {
            #expect(throws: SQLiteStore.OpenError.self) { try SQLiteStore(path: path, registry: Self.registry, access: access) }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try await Self.openStore(path)
        let reader = try SQLiteStore(path: path, registry: Self.registry, access: .read)
        await #expect(throws: (any Error).self) {
            try await reader.write { transaction in try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 1) }
        }
        #expect(throws: SQLiteStore.OpenError.self) { try SQLiteStore(path: folder, registry: Self.registry) }
    }
}
