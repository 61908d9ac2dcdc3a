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
    static func openStore(_ path: String) throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, registry: registry)
        try store.record(WorkflowVersion(hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
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
    func roundTrip() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = Self.campaign("c1", timers: [(1, 500), (2, 300)])
        do {
            let store = try SQLiteStore(path: path, registry: Self.registry)
            try store.record(WorkflowVersion(hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
            try store.write { try $0.save(original, events: [Self.event("e1", campaign: "c1")], effects: [], at: 100) }
        }
        let reopened = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try reopened.campaign(id: "c1") == original)
        #expect(try reopened.events(campaignID: "c1").map(\.id) == ["e1"])
        #expect(try reopened.workflowVersion(hash: "v1")?.source == Array("laurel: 1".utf8))
        #expect(try reopened.campaigns().map(\.state) == ["collecting"])
    }

    @Test("the due index follows the campaign's armed timers and returns them earliest first")
    func dueIndex() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        try store.write { transaction in
            try transaction.save(Self.campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1)
            try transaction.save(Self.campaign("b", timers: [(1, 300)]), events: [], effects: [], at: 1)
        }
        #expect(try store.dueTimers(at: 400, limit: 10) == [DueTimer(campaignID: "a", timerID: 2, due: 300),
                                                              DueTimer(campaignID: "b", timerID: 1, due: 300)])
        #expect(try store.nextDue() == 300)
        try store.write { try $0.save(Self.campaign("a", timers: [(1, 500), (3, 700)]), events: [], effects: [], at: 2) }
        #expect(try store.timers(campaignID: "a").map(\.timerID) == [1, 3])
        #expect(try store.dueTimers(at: 10_000, limit: 2).count == 2, "the limit is honoured")
    }

    @Test("a save after a load in one transaction, or saving twice, keeps the due index equal to the armed timers")
    func dueIndexWithinTransaction() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        try store.write { try $0.save(Self.campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1) }
        try store.write { transaction in
            var loaded = try #require(try transaction.campaign(id: "a"))
            loaded.timers = [ArmedTimer(id: 1, due: 500, source: .state(index: 0)), ArmedTimer(id: 4, due: 900, source: .state(index: 0))]
            try transaction.save(loaded, events: [], effects: [], at: 2)
            loaded.timers.removeFirst()
            try transaction.save(loaded, events: [], effects: [], at: 2)
        }
        #expect(try store.timers(campaignID: "a") == [DueTimer(campaignID: "a", timerID: 4, due: 900)])
        #expect(try store.nextDue() == 900)
        try store.write { try $0.save(Self.campaign("a", timers: []), events: [], effects: [], at: 3) }
        #expect(try store.timers(campaignID: "a").isEmpty && store.nextDue() == nil)
    }

    @Test("a due index row its campaign does not have is removed by the repair; other rows stay")
    func dueIndexRepair() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        try store.write { try $0.save(Self.campaign("a", timers: [(1, 500)]), events: [], effects: [], at: 1) }
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO due_timer (due, campaign_id, timer_id) VALUES (200, 'a', 7)") }
        let stray = DueTimer(campaignID: "a", timerID: 7, due: 200)
        #expect(try store.dueTimers(at: 1_000, limit: 10).first == stray)
        try store.write { try $0.removeFromDueIndex(stray) }
        #expect(try store.dueTimers(at: 1_000, limit: 10) == [DueTimer(campaignID: "a", timerID: 1, due: 500)])
    }

    @Test("a database from before the due index was one tree keeps its timers when opened")
    func dueIndexMigration() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v5: child campaigns")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO timer (campaign_id, timer_id, due) VALUES ('a', 1, 500), ('a', 2, 300), ('b', 1, 300)")
            }
        }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try store.dueTimers(at: 1_000, limit: 10) == [DueTimer(campaignID: "a", timerID: 2, due: 300),
                                                               DueTimer(campaignID: "b", timerID: 1, due: 300),
                                                               DueTimer(campaignID: "a", timerID: 1, due: 500)])
    }

    @Test("a transaction whose body throws, or logs an event id twice, writes nothing")
    func atomicity() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        try store.write { try $0.save(Self.campaign("a", timers: []), events: [Self.event("e1", campaign: "a")], effects: [], at: 1) }
        #expect(throws: Failure.self) {
            try store.write { transaction in
                try transaction.save(Self.campaign("b", timers: [(1, 5)]), events: [], effects: [], at: 1)
                throw Failure()
            }
        }
        #expect(throws: (any Error).self) {
            try store.write { transaction in
                try transaction.save(Self.campaign("c", timers: []), events: [Self.event("e1", campaign: "c")], effects: [], at: 1)
            }
        }
        #expect(try store.campaigns().map(\.id) == ["a"])
        #expect(try store.eventCount() == 1 && store.nextDue() == nil)
        // The connection's prepared BEGIN and COMMIT serve again after the rollbacks.
        try store.write { try $0.save(Self.campaign("d", timers: [(1, 5)]), events: [Self.event("e2", campaign: "d")], effects: [], at: 2) }
        #expect(try store.campaigns().map(\.id) == ["a", "d"])
        #expect(try store.eventCount() == 2 && store.nextDue() == 5)
    }

    @Test("outbox items wait until they are marked delivered")
    func outbox() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        let effect = Effect.notify(audience: "unions", message: "Phát động", channels: ["notice"])
        try store.write {
            try $0.save(Self.campaign("a", timers: []), events: [],
                        effects: [OutboxItem(campaignID: "a", eventID: "e", effect: effect, createdAt: 1)], at: 1)
        }
        let pending = try store.pendingOutbox(limit: 10)
        #expect(pending.map(\.effect) == [effect])
        try store.markDelivered(pending.map(\.sequence), at: 2)
        #expect(try store.pendingOutbox(limit: 10).isEmpty)
    }

    @Test("a damaged campaign document is reported, not trusted")
    func damagedDocument() throws {
        let codec = CampaignCodec(registry: Self.registry)
        var bytes = try codec.encode(Self.campaign("a", timers: []))
        bytes.removeLast(3)
        #expect(throws: CampaignCodec.CorruptData.self) { try codec.decode(bytes) }
    }

    @Test("organisation data replaces as a whole and reads back in file order, Vietnamese names intact")
    func organisationRoundTrip() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try Self.openStore(path)
        #expect(try store.organisation().isEmpty)
        #expect(try store.organisationVersion() == 0)
        let first = Organisation(levels: ["district", "grassroots"], units: [
            .init(id: "ntl", name: "Liên đoàn Lao động quận Nam Từ Liêm", level: "district"),
            .init(id: "md1", name: "Công đoàn cơ sở phường Mỹ Đình 1", parent: "ntl", level: "grassroots",
                  counts: ["members": 640, "direct-production-workers": 410]),
        ], people: [.init(id: "an", name: "Nguyễn Văn An", unit: "md1", roles: ["council", "chair"])])
        try store.replaceOrganisation(first)
        #expect(try SQLiteStore(path: path, registry: Self.registry).organisation() == first)
        #expect(try store.organisationVersion() == 1)
        let second = Organisation(units: [.init(id: "hn", name: "Hà Nội", level: "city")])
        try store.replaceOrganisation(second)
        #expect(try store.organisation() == second)
        #expect(try store.organisation().unit("hn")?.name == "Hà Nội")
        #expect(try store.organisationVersion() == 2)
    }

    @Test("a write waiting for another process's write lock says so once, after a second, and then goes through")
    func waitingIsSaid() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let holder = try Self.openStore(path)
        let told = Mutex(0)
        let waiter = try SQLiteStore(path: path, registry: Self.registry, access: .write, waiting: { told.withLock { $0 += 1 } })
        let locked = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? holder.write { _ in
                locked.signal()
                Thread.sleep(forTimeInterval: 1.6)
            }
        }
        thread.start()
        locked.wait()
        try waiter.write { transaction in try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 100) }
        #expect(told.withLock { $0 } == 1)
        #expect(try waiter.campaign(id: "c") != nil)
    }

    @Test("a store that must exist is not created, a read-only one does not write, and a folder is no database")
    func accessModes() throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for access in [SQLiteStore.Access.read, .write] {
            #expect(throws: SQLiteStore.OpenError.self) { try SQLiteStore(path: path, registry: Self.registry, access: access) }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try Self.openStore(path)
        let reader = try SQLiteStore(path: path, registry: Self.registry, access: .read)
        #expect(throws: (any Error).self) {
            try reader.write { transaction in try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 1) }
        }
        #expect(throws: SQLiteStore.OpenError.self) { try SQLiteStore(path: folder, registry: Self.registry) }
    }
}
