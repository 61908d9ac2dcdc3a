import Foundation
public import LaurelCore
import LaurelPlugins
public import LaurelPostgres
public import LaurelSQLite
public import LaurelService
public import LaurelStore

/// Workflows, instants and stores the tests of the service, the daemon and the tool share.
public enum TestWorkflows {
    public static let registry = BuiltInPlugins.registry

    /// Ideas are collected after a launch until three arrive or two days pass; a reminder of the
    /// progress goes out every day at 08:00 while they are.
    public static let quick = """
        laurel: 1
        id: quick
        title: Quick campaign
        timezone: Europe/Berlin
        entries:
          idea:
            fields:
              title: { type: text, required: true }
        metrics:
          ideas: { count: idea }
        events:
          launch: { by: admin }
          remind: { by: system }
        initial: draft
        states:
          draft:
            on: { launch: collecting }
          collecting:
            accepts: [idea]
            step: phase-target
            with: { metric: ideas, target: 3, window: P2D }
            timers:
              - every: "0 8 * * *"
                send: remind
            on: { target-reached: closed, deadline: closed }
          closed: { final: true }
        """

    /// The quick workflow with an announcement at its launch: one outbox item per launch.
    public static let announcing = quick.replacingOccurrences(
        of: "    on: { launch: collecting }", with: "    on: { launch: launched }"
    )
    .replacingOccurrences(
        of: "  collecting:\n",
        with: """
              launched:
                step: announce
                with: { audience: grassroots-unions, message: "Phát động: 3 ý tưởng", channels: [notice, email] }
                next: collecting
              collecting:

            """)

    /// One idea, one juror, one prize with a certificate: `close`, then the juror's scores, award it.
    public static let prize = """
        laurel: 1
        id: prize
        title: Giải thưởng sáng kiến
        timezone: Asia/Ho_Chi_Minh
        entries:
          idea: { fields: { name: { type: text, required: true } } }
        events:
          close: {}
        councils:
          jury: { members: [m1], quorum: 1 }
        initial: collecting
        states:
          collecting:
            accepts: [idea]
            on: { close: review }
          review:
            step: council-review
            with: { council: jury, window: P7D }
            on: { reviewed: awards, no-quorum: done }
          awards:
            step: awards-ceremony
            with:
              tiers: [{ name: first, count: 1, amount: 2000000 }]
              certificate:
                heading: "GIẤY KHEN"
                text: "Tặng {recipient}"
            next: done
          done: { final: true }
        """

    /// A finished campaign of `prize`: its idea "a" scored by m1 (event "scores") and awarded.
    public static func awardedPrize(in store: any CampaignStore, service: CampaignService) async throws -> String {
        let version = try await record(prize, id: "prize", in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: may1).campaignID
        _ = try await service.apply(
            .submit(Entry(id: "a", kind: "idea", fields: ["name": .text("Nguyễn Thị Hoa")])), to: id, eventID: "a",
            now: may1)
        _ = try await service.apply(.command("close"), to: id, eventID: "close", now: may1)
        _ = try await service.apply(
            .scores(ScoreSheet(member: "m1", lines: [.init(entry: "a", values: [9])])), to: id, eventID: "scores",
            now: may1)
        return id
    }

    /// A launched campaign of `announcing`, its announcement waiting in the outbox.
    public static func launchedAnnouncement(in store: any CampaignStore, service: CampaignService) async throws
        -> String
    {
        let version = try await record(announcing, in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: may1).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch-1", now: may1)
        return id
    }

    /// A closed campaign of the plugin tests' contest, with entries x, y and z scored and
    /// awarded, as format version 2 wrote it (every number in eight bytes, the entries inside
    /// the document): what a store written before entries were rows holds (base64).
    public static let contestVersion2Document = """
        TENCAgJjMQdjb250ZXN0QGMwNzIzMTUzYWFjMDY5MmI3MmI1NjI0NzdiNGQ2MjlhYjQwMTNlODk4OGQ1N2UzODAxODM3N2NmNWZi
        NDMyZmEBBmNsb3NlZKCE6OMMAAIFY2xpcHMAAAAAAAAIQAdtaW51dGVzAAAAAAAAIkADqAAAAAF4BGNsaXAAAAIHbWludXRlcwAA
        AAAAAAAIQAV0aXRsZQEGQ2xpcCB4oNST4wwBAAAAAABQZUAEAXkEY2xpcAAAAgdtaW51dGVzAAAAAAAAAAhABXRpdGxlAQZDbGlw
        IHmg1JPjDAEAAAAAACBiQAQBegRjbGlwAAACB21pbnV0ZXMAAAAAAAAACEAFdGl0bGUBBkNsaXAgeqDUk+MMAQAAAAAAAFlABAMB
        eAIFZmlyc3QCgIl6AAAAAABQZUAEAXkEBnNlY29uZATAhD0AAAAAACBiQAQBegYGc2Vjb25kBMCEPQAAAAAAAFlABAAACAagjonj
        DAAFZHJhZnQFc3RhcnQCBWNsaXBzAAAAAAAAAAAHbWludXRlcwAAAAAAAAAAwMaJ4wwBBWRyYWZ0CGxhdW5jaGVkDGV2ZW50IGxh
        dW5jaAIFY2xpcHMAAAAAAAAAAAdtaW51dGVzAAAAAAAAAADAxonjDAEIbGF1bmNoZWQKY29sbGVjdGluZxFvdXRjb21lIGFubm91
        bmNlZAIFY2xpcHMAAAAAAAAAAAdtaW51dGVzAAAAAAAAAACg1JPjDAEKY29sbGVjdGluZwZyZXZpZXcWb3V0Y29tZSB0YXJnZXQt
        cmVhY2hlZAIFY2xpcHMAAAAAAAAIQAdtaW51dGVzAAAAAAAAIkCghOjjDAEGcmV2aWV3BmF3YXJkcxBvdXRjb21lIHJldmlld2Vk
        AgVjbGlwcwAAAAAAAAhAB21pbnV0ZXMAAAAAAAAiQKCE6OMMAQZhd2FyZHMGY2xvc2VkD291dGNvbWUgYXdhcmRlZAIFY2xpcHMA
        AAAAAAAIQAdtaW51dGVzAAAAAAAAIkAO
        """

    public static let may1: Instant = 1_714_543_200  // 2024-05-01T06:00Z, 08:00 in Berlin
    public static let hour: Instant = 3_600
    public static let day: Instant = 86_400

    /// A fresh SQLite file in a temporary folder, removed by the caller with `cleanUp`.
    public static func store() throws -> (SQLiteStore, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (try SQLiteStore(path: folder + "/laurel.sqlite", registry: registry), folder)
    }

    /// Runs `body` with a PostgreSQL store on a new database of the process's shared test server
    /// (``PostgresServer/withDatabase(_:)``), its pool running and its schema migrated.
    public static func withPostgresStore<T: Sendable>(_ body: @Sendable (PostgresStore) async throws -> T) async throws
        -> T
    {
        try await PostgresServer.withDatabase { url in try await withPostgresStore(url: url, body) }
    }

    /// Runs `body` with a PostgreSQL store on the database at `url`, its pool running and its
    /// schema migrated.
    public static func withPostgresStore<T: Sendable>(
        url: String, _ body: @Sendable (PostgresStore) async throws -> T
    ) async throws -> T {
        let store = PostgresStore(location: try PostgresLocation(url: url, environment: [:]), registry: registry)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    public static func record(_ text: String, id: String = "quick", in store: any CampaignStore) async throws -> String
    {
        let bytes = Array(text.utf8)
        let hash = SHA256.hex(bytes)
        let version = WorkflowVersion(hash: hash, workflowID: id, file: "\(id).yaml", source: bytes, recordedAt: may1)
        try await store.write { try $0.record(version) }
        return hash
    }
}
