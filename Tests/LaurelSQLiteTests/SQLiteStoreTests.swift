import CascadePlugin
import Foundation
import GRDB
import LaurelPlugins
import LaurelStore
import LaurelTesting
import Synchronization
import Testing

@testable import LaurelCore
@testable import LaurelSQLite

@Suite("SQLite store")
struct SQLiteStoreTests {
    static let registry = BuiltInPlugins.registry

    struct Failure: Error {}

    static func temporaryFile() throws -> (path: String, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-store-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder + "/laurel.sqlite", folder)
    }

    /// A store with the workflow version the test campaigns name (campaigns refer to a version).
    static func openStore(_ path: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, registry: registry)
        try await store.write {
            try $0.record(
                WorkflowVersion(
                    hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
        }
        return store
    }

    static func campaign(_ id: String, timers: [(Int, Instant)]) -> Campaign {
        Campaign(
            id: id, workflowID: "w", workflowVersion: "v1", status: .running, state: "collecting", enteredAt: 100,
            inputs: ["region": .text("Hà Nội")], metrics: ["ideas": 2],
            entries: [Entry(id: "SK-1", kind: "idea", unit: "công-đoàn-1", fields: ["title": .text("Cải tiến")])],
            awards: [], step: nil, timers: timers.map { ArmedTimer(id: $0.0, due: $0.1, source: .state(index: 0)) },
            nextTimerID: 10, transitions: [], eventCount: 3)
    }

    static func event(_ id: String, campaign: String) -> LoggedEvent {
        LoggedEvent(
            id: id, campaignID: campaign, at: 100, recordedAt: 100, action: .event(.command("launch")),
            summary: "launch")
    }

    @Test("a saved campaign reads back equal, after the file is closed and opened again")
    func roundTrip() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = Self.campaign("c1", timers: [(1, 500), (2, 300)])
        do {
            let store = try SQLiteStore(path: path, registry: Self.registry)
            try await store.write {
                try $0.record(
                    WorkflowVersion(
                        hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
            }
            try await store.write {
                try $0.save(original, events: [Self.event("e1", campaign: "c1")], effects: [], at: 100)
            }
        }
        let reopened = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try await reopened.read { try $0.campaignWithEntries(id: "c1") } == original)
        #expect(try await reopened.read { try $0.events(campaignID: "c1") }.map(\.id) == ["e1"])
        #expect(try await reopened.read { try $0.workflowVersion(hash: "v1") }?.source == Array("laurel: 1".utf8))
        #expect(try await reopened.read { try $0.campaigns() }.map(\.state) == ["collecting"])
    }

    @Test("a database from before the due index was one tree keeps its timers when opened")
    func dueIndexMigration() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator(codec: CampaignCodec(registry: Self.registry)).migrate(
                queue, upTo: "v5: child campaigns")
            try await queue.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO timer (campaign_id, timer_id, due) VALUES ('a', 1, 500), ('a', 2, 300), ('b', 1, 300)"
                )
            }
        }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        #expect(
            try await store.read { try $0.dueTimers(at: 1_000, limit: 10) } == [
                DueTimer(campaignID: "a", timerID: 2, due: 300),
                DueTimer(campaignID: "b", timerID: 1, due: 300),
                DueTimer(campaignID: "a", timerID: 1, due: 500),
            ])
    }

    @Test("a database from before entries were rows has each campaign's entries moved to rows when opened")
    func entriesMigration() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let codec = CampaignCodec(registry: Self.registry)
        let document = try #require(
            Data(base64Encoded: TestWorkflows.contestVersion2Document.replacingOccurrences(of: "\n", with: "")))
        let old = try codec.decode(Array(document))
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator(codec: codec).migrate(queue, upTo: "v6: due timers in due order")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO workflow_version (hash, workflow_id, file, source, recorded_at, recorded_order)
                        VALUES (?, 'contest', 'contest.yaml', x'', 1, 1);
                        INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document, started_at, updated_at)
                        VALUES ('c1', 'contest', ?, 'closed', 'finished', 8, ?, 1, 1);
                        """, arguments: [old.workflowVersion, old.workflowVersion, document])
            }
        }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        let unloaded = try #require(try await store.read { try $0.campaign(id: "c1") })
        #expect(!unloaded.entries.isLoaded && unloaded.entries.count == 3 && unloaded.entries.kinds == ["clip"])
        #expect(try await store.read { try $0.entries(campaignID: "c1") } == old.entries.array)
        #expect(try await store.read { try $0.campaignWithEntries(id: "c1") } == old)
        #expect(try await store.read { try $0.containsEntry(campaignID: "c1", id: "y") })
        let runsTable = try await DatabaseQueue(path: path).read {
            try String.fetchOne($0, sql: "SELECT sql FROM sqlite_schema WHERE name = 'entry_run'")
        }
        #expect(runsTable?.contains("WITHOUT ROWID") == false, "v8 keeps the runs in a table with row ids")
    }

    @Test("a result recorded on entries saved one by one writes their runs again in place; later entries follow")
    func resultsOverRuns() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        try await store.write {
            try $0.record(
                WorkflowVersion(
                    hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
            try $0.save(Self.campaign("c1", timers: []), events: [], effects: [], at: 100)
        }
        func submit(_ id: String) async throws {
            try await store.write { transaction in
                var read = try #require(try transaction.campaign(id: "c1"))
                read.entries.append(Entry(id: id, kind: "idea", fields: ["title": .text(id)]))
                try transaction.save(read, events: [], effects: [], at: 100)
            }
        }
        try await submit("SK-2")
        try await submit("SK-3")
        func firstRunRowID() async throws -> Int64? {
            try await DatabaseQueue(path: path).read {
                try Int64.fetchOne($0, sql: "SELECT rowid FROM entry_run WHERE campaign_id = 'c1' AND position = 0")
            }
        }
        let firstRun = try await firstRunRowID()
        try await store.write { transaction in
            var read = try #require(try transaction.campaignWithEntries(id: "c1"))
            read.entries[1].score = EntryScore(total: 7, reviews: 2)
            try transaction.save(read, events: [], effects: [], at: 100)
        }
        try await submit("SK-4")
        let entries = try await store.read { try $0.entries(campaignID: "c1") }
        #expect(entries.map(\.id) == ["SK-1", "SK-2", "SK-3", "SK-4"])
        #expect(entries.map(\.score) == [nil, EntryScore(total: 7, reviews: 2), nil, nil])
        let runs = try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(
                db, sql: "SELECT position, count FROM entry_run WHERE campaign_id = 'c1' ORDER BY position"
            )
            .map { [$0["position"] as Int, $0["count"] as Int] }
        }
        #expect(runs == [[0, 3], [3, 1]], "the runs after the result: one written over, two gone, one after")
        #expect(try await firstRunRowID() == firstRun, "the first run written over where it was")
    }

    @Test("a database from before step memories were binary has each campaign's document written again when opened")
    func memoriesMigration() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let codec = CampaignCodec(registry: Self.registry)
        var memory = Cascade.Memory()
        memory.units = ["cd-01", "cd-02"]
        memory.reported = [true, false]
        memory.reportedCount = 1
        memory.gathered = 3
        var campaign = Self.campaign("p1", timers: [])
        campaign.step = StepMemoryBox(kind: "cascade", memory: memory)
        // The document as builds before 25 November wrote it: version 4, the memory in JSON, the
        // cascade's lists packed into strings.
        let current = try codec.encode(campaign)
        let binary = try MemoryCoder.encode(memory)
        let json = Array(#"{"gathered":3,"reported":"10","reportedCount":1,"units":"cd-01 cd-02"}"#.utf8)
        let memoryRange = try #require(current.firstRange(of: [UInt8(binary.count)] + binary))
        var old = Array(current[..<memoryRange.lowerBound]) + [UInt8(json.count)] + json
        old += current[memoryRange.upperBound...]
        old[3] = 4
        let oldDocument = Data(old)
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator(codec: codec).migrate(queue, upTo: "v8: entry runs with row ids")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO workflow_version (hash, workflow_id, file, source, recorded_at, recorded_order)
                        VALUES ('v1', 'w', 'w.yaml', x'', 1, 1);
                        INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document, started_at, updated_at)
                        VALUES ('p1', 'w', 'v1', 'collecting', 'running', 3, ?, 1, 1);
                        """, arguments: [oldDocument])
            }
        }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        #expect(try await store.read { try $0.campaign(id: "p1") }?.step == campaign.step)
        let document = try await DatabaseQueue(path: path).read {
            try Data.fetchOne($0, sql: "SELECT document FROM campaign WHERE id = 'p1'")
        }
        #expect(document.map { Array($0) } == current, "written again as version 5")
    }

    @Test("entries missing from the store are reported as damage when read, not trusted")
    func missingEntries() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteStore(path: path, registry: Self.registry)
        try await store.write {
            try $0.record(
                WorkflowVersion(
                    hash: "v1", workflowID: "w", file: "w.yaml", source: Array("laurel: 1".utf8), recordedAt: 1))
            try $0.save(Self.campaign("c1", timers: []), events: [], effects: [], at: 100)
        }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "DELETE FROM entry_run") }
        await #expect(throws: CampaignCodec.CorruptData.self) {
            _ = try await store.read { try $0.campaignWithEntries(id: "c1") }
        }
    }

    @Test("a damaged campaign document is reported, not trusted")
    func damagedDocument() throws {
        let codec = CampaignCodec(registry: Self.registry)
        var bytes = try codec.encode(Self.campaign("a", timers: []))
        bytes.removeLast(3)
        #expect(throws: CampaignCodec.CorruptData.self) { try codec.decode(bytes) }
    }

    @Test("a write waiting for another process's write lock says so once, after a second, and then goes through")
    func waitingIsSaid() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let holder = try await Self.openStore(path)
        let told = Mutex(0)
        let waiter = try SQLiteStore(
            path: path, registry: Self.registry, access: .write, waiting: { told.withLock { $0 += 1 } })
        let locked = Mutex(false)
        let holding = Task {
            try await holder.write { _ in
                locked.withLock { $0 = true }
                // Held until the waiter has said it waits (10 s at most): a loaded machine may
                // start the waiter's write late, and a fixed hold would then end too soon.
                let began = Date()
                repeat {
                    Thread.sleep(forTimeInterval: 0.05)
                } while told.withLock({ $0 }) == 0
                    && Date().timeIntervalSince(began) < 10
            }
        }
        while !locked.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        try await waiter.write { transaction in
            try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 100)
        }
        #expect(told.withLock { $0 } == 1)
        #expect(try await waiter.read { try $0.campaign(id: "c") } != nil)
        try await holding.value
    }

    @Test(
        "a transaction runs on the store's own thread, never on Swift's cooperative pool, and at once for a task that prefers it"
    )
    func transactionsRunOnTheStoreThread() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.openStore(path)
        #expect(!store.thread.isCurrent)
        #expect(
            try await store.write { _ in store.thread.isCurrent },
            "from a task on the cooperative pool, the body is handed over")
        // A task that prefers the store's executor runs its code there, so a transaction is a
        // plain call: the code before and after it runs on the thread its body runs on.
        let (before, body, after) = try await withTaskExecutorPreference(store.preferredExecutor) {
            try await Task.sleep(for: .milliseconds(1))  // resumed on the preferred executor
            let before = store.thread.isCurrent
            let body = try await store.write { _ in store.thread.isCurrent }
            return (before, body, store.thread.isCurrent)
        }
        #expect(before && body && after)
        #expect(
            try await store.read { _ in !store.thread.isCurrent },
            "reads from elsewhere run on GRDB's reader queues, side by side")
    }

    @Test("a store that must exist is not created, a read-only one does not write, and a folder is no database")
    func accessModes() async throws {
        let (path, folder) = try Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for access in [SQLiteStore.Access.read, .write] {
            #expect(throws: SQLiteStore.OpenError.self) {
                try SQLiteStore(path: path, registry: Self.registry, access: access)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try await Self.openStore(path)
        let reader = try SQLiteStore(path: path, registry: Self.registry, access: .read)
        await #expect(throws: (any Error).self) {
            try await reader.write { transaction in
                try transaction.save(Self.campaign("c", timers: []), events: [], effects: [], at: 1)
            }
        }
        #expect(throws: SQLiteStore.OpenError.self) { try SQLiteStore(path: folder, registry: Self.registry) }
    }
}
