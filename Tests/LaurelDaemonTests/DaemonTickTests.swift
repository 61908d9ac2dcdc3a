import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Logging
import Synchronization
import Testing

@Suite("Daemon tick")
struct DaemonTickTests {
    typealias W = TestWorkflows

    @Test("timers fire several to a transaction; a timer that fails is named and the others of its batch still fire")
    func failingTimerInABatch() async throws {
        let (sqlite, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = FaultyStore(sqlite)
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        var ids: [String] = []
        for n in 0..<5 {
            let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1 + Instant(n)).campaignID
            _ = try await service.apply(.command("launch"), to: id, eventID: "launch:\(id)", now: W.may1 + Instant(n))
            ids.append(id)
        }
        store.failing.withLock { $0 = "quick-3" }
        let log = CapturedLog()
        let daemon = CampaignDaemon(
            service: service, configuration: DaemonConfiguration(timersPerTransaction: 3), logger: log.logger)
        // Five days later: per campaign a stale reminder is skipped and the deadline fires.
        let report = try await daemon.tick(now: W.may1 + 5 * W.day, moment: 0)
        // Each claim sees what the last commit armed: the reminders re-armed for 3 May are skipped
        // as timers of their own, and a timer another of its claim already handled is stale.
        #expect(report.fired == 4 && report.failed == 2 && report.skipped + report.stale >= 4, "\(report)")
        for id in ids {
            let campaign = try #require(try await sqlite.read { try $0.campaign(id: id) })
            #expect(campaign.state == (id == "quick-3" ? "collecting" : "closed"), "\(id)")
        }
        #expect(
            try await sqlite.read { try $0.timers(campaignID: "quick-3") }.count == 2,
            "the failing campaign keeps its due timers")
        // Ticks before its retry delay pass the failing timers over, without a log line each.
        for moment in [0.25, 0.5, 0.75] {
            let again = try await daemon.tick(now: W.may1 + 5 * W.day, moment: moment)
            #expect(again.waiting == 2 && again.failed == 0 && again.fired == 0)
        }
        // Tried again after a second, failing the same way: counted, and not logged again.
        #expect(try await daemon.tick(now: W.may1 + 5 * W.day, moment: 1.1).failed == 2)
        #expect(try await daemon.tick(now: W.may1 + 5 * W.day, moment: 2.0).waiting == 2, "the delay has doubled")
        #expect(log.lines(.error).count == 2, "one line per failing timer, not one per try: \(log.lines(.error))")
        store.failing.withLock { $0 = nil }
        #expect(
            try await daemon.tick(now: W.may1 + 5 * W.day, moment: 3.5).fired == 1, "once it can, the deadline fires")
        #expect(try await sqlite.read { try $0.campaign(id: "quick-3") }?.state == "closed")
        #expect(log.lines(.notice).contains { $0.hasPrefix("timer fired after 2 failed tries") })
    }
}

extension DaemonTickTests {
    @Test("after downtime, a stale reminder is skipped, the deadline fires late, and nothing fires twice")
    func catchUpAfterDowntime() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await service.start(version: try W.record(W.quick, in: store), idempotencyKey: nil, now: W.may1)
            .campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let daemon = CampaignDaemon(service: service, logger: Logger(label: "test"))
        #expect(try await daemon.tick(now: W.may1 + W.hour).fired == 0, "nothing is due an hour after the launch")
        // The daemon was down for five days: the reminder of 2 May is a period late (3 May's is due
        // too), so it is skipped; the deadline of 3 May 08:00 fires, two days late, and closes.
        let report = try await daemon.tick(now: W.may1 + 5 * W.day)
        #expect(report.fired == 1 && report.skipped == 1)
        let campaign = try #require(try await store.read { try $0.campaign(id: id) })
        #expect(campaign.state == "closed" && campaign.timers.isEmpty)
        #expect(try await store.read { try $0.timers(campaignID: id) }.isEmpty)
        #expect(try await store.read { try $0.nextDue() } == nil)
        let log = try await store.read { try $0.events(campaignID: id) }
        #expect(log.map(\.disposition) == [.applied, .applied, .skipped, .applied])
        #expect(log.last?.lateBy == 3 * W.day, "due 3 May 08:00, applied 6 May 08:00")
        #expect(log.last?.summary.contains("collecting -> closed (outcome deadline)") == true)
        #expect(try await daemon.tick(now: W.may1 + 6 * W.day).fired == 0, "fired timers are gone from the index")
    }

    @Test("a timer fires at the tick of its due second, not a second after it")
    func timerOnTime() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let reminder = try #require(try await store.read { try $0.timers(campaignID: id) }.min { $0.due < $1.due })
        let daemon = CampaignDaemon(service: service, logger: Logger(label: "test"))
        #expect(try await daemon.tick(now: reminder.due - 1).handled == 0)
        #expect(try await daemon.tick(now: reminder.due).handled == 1, "due at this second: it fires now")
    }
}

@Suite("Daemon outbox")
struct DaemonOutboxTests {
    typealias W = TestWorkflows

    @Test("delivered items go to the outbox file as one JSON object per line, each once")
    func outboxFile() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await W.launchedAnnouncement(in: store, service: service)
        let file = folder + "/outbox.jsonl"
        let daemon = CampaignDaemon(
            service: service, configuration: DaemonConfiguration(outboxFile: file), logger: Logger(label: "test"))
        try await daemon.deliverOutbox(now: W.may1 + 1)
        try await daemon.deliverOutbox(now: W.may1 + 2)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1, "delivered once")
        let item = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(item["campaign"] as? String == id && item["event"] as? String == "launch-1")
        #expect(item["kind"] as? String == "notify" && item["audience"] as? String == "grassroots-unions")
        #expect(
            item["channels"] as? [String] == ["notice", "email"] && item["message"] as? String == "Phát động: 3 ý tưởng"
        )
        #expect(item["created_at"] as? String == "2024-05-01T06:00:00Z")
        #expect((item["sequence"] as? Int ?? 0) > 0)
        #expect(try await store.read { try $0.pendingOutbox(limit: 10) }.isEmpty)
    }
}

extension DaemonOutboxTests {
    @Test(
        "a certificate that cannot be written is retried with growing delays and logged once; the items after it are delivered"
    )
    func failingDelivery() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        // A file where the campaign's certificate folder should be: its certificates cannot be written.
        let certificates = folder + "/certificates"
        try FileManager.default.createDirectory(atPath: certificates, withIntermediateDirectories: true)
        let version = try await W.record(W.quick, in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        try Data().write(to: URL(fileURLWithPath: certificates + "/" + id))
        let certificate = Certificate(
            entry: "x", recipient: "Nguyễn Thị Hoa", heading: "GIẤY KHEN", text: "Xuất sắc", tier: "first",
            amount: 0, issuer: nil, campaignTitle: "Quick", issuedOn: "2024-05-01")
        try await store.write { transaction in
            let campaign = try #require(try transaction.campaign(id: id))
            try transaction.save(
                campaign, events: [],
                effects: [
                    OutboxItem(campaignID: id, eventID: "e1", effect: .certificate(certificate), createdAt: W.may1),
                    OutboxItem(
                        campaignID: id, eventID: "e2",
                        effect: .notify(audience: "organisers", message: "after it", channels: ["notice"]),
                        createdAt: W.may1),
                ], at: W.may1)
        }
        let log = CapturedLog()
        let file = folder + "/outbox.jsonl"
        let daemon = CampaignDaemon(
            service: service, configuration: DaemonConfiguration(outboxFile: file, certificatesFolder: certificates),
            logger: log.logger)
        for moment in [0, 0.3, 0.6, 1.2, 1.5, 2.0] { try await daemon.deliverOutbox(now: W.may1 + 1, moment: moment) }
        #expect(
            try await store.read { try $0.pendingOutbox(limit: 10) }.map(\.eventID) == ["e1"],
            "the notice after it was delivered")
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("after it"))
        #expect(log.lines(.error).count == 1, "\(log.lines(.error))")
        #expect(log.lines(.error).first?.contains("outbox item could not be delivered") == true)
        // Once the folder can be written, the certificate goes out.
        try FileManager.default.removeItem(atPath: certificates + "/" + id)
        try await daemon.deliverOutbox(now: W.may1 + 2, moment: 10)
        #expect(try await store.read { try $0.pendingOutbox(limit: 10) }.isEmpty)
        #expect(FileManager.default.fileExists(atPath: certificates + "/" + id + "/x.md"))
    }

    @Test("paths the daemon cannot write are found before it starts")
    func pathProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data().write(to: URL(fileURLWithPath: folder + "/a-file"))
        let problems = DaemonConfiguration(
            outboxFile: folder + "/missing/outbox.jsonl", certificatesFolder: folder + "/a-file"
        ).pathProblems()
        #expect(
            problems == [
                "--outbox: cannot write '\(folder)/missing/outbox.jsonl': its folder does not exist",
                "--certificates: cannot use '\(folder)/a-file' as the certificates folder: it is a file, not a folder",
            ])
        #expect(
            DaemonConfiguration(outboxFile: folder + "/outbox.jsonl", certificatesFolder: folder + "/new/certificates")
                .pathProblems().isEmpty)
    }
}

@Suite("Certificate files")
struct CertificateFilesTests {
    @Test("a certificate is written as NAME.md and NAME.html, whole, and again replaces it")
    func written() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var certificate = Certificate(
            entry: "nv/07", recipient: "Nguyễn Thị Hoa", heading: "GIẤY KHEN", text: "Hoàn thành xuất sắc",
            tier: "commended", amount: 500_000, issuer: nil, campaignTitle: "Quý II/2025", issuedOn: "2025-07-01")
        let files = try CertificateFiles.write(certificate, into: folder + "/c1")
        #expect(
            files == [folder + "/c1/nv_07~d9c9c881.md", folder + "/c1/nv_07~d9c9c881.html"],
            "the id changed, so its hash tells it from an id nv_07")
        #expect(try String(contentsOfFile: files[0], encoding: .utf8).contains("**Nguyễn Thị Hoa**"))
        certificate.recipient = "Trần Văn Nam"
        try CertificateFiles.write(certificate, into: folder + "/c1")
        #expect(try String(contentsOfFile: files[1], encoding: .utf8).contains("Trần Văn Nam"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder + "/c1").sorted() == [
                "nv_07~d9c9c881.html", "nv_07~d9c9c881.md",
            ])
    }
}

/// The real store, except that loading one campaign inside a write fails: a fault in one
/// timer's transaction.
final class FaultyStore: CampaignStore {
    let inner: SQLiteStore
    let failing = Mutex<String?>(nil)

    init(_ inner: SQLiteStore) { self.inner = inner }

    struct Fault: Error {}

    func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await inner.read(body)
    }

    func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T) async throws
        -> T
    {
        let failing = failing.withLock { $0 }
        return try await inner.write(end) { try body(Transaction(inner: $0, failing: failing)) }
    }

    struct Transaction: ForwardingStoreTransaction {
        let inner: any StoreTransaction
        let failing: String?

        func campaign(id: String) throws -> Campaign? {
            if id == failing { throw Fault() }
            return try inner.campaign(id: id)
        }
    }
}
