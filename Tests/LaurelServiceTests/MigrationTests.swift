import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

@Suite("Migrating a campaign to another version")
struct MigrationTests {
    typealias W = TestWorkflows

    static func idea(_ id: String) -> CampaignEvent {
        .submit(Entry(id: id, kind: "idea", fields: ["title": .text("Idea \(id)")]))
    }

    /// One running campaign with one idea, collecting since 1 May 08:00 Berlin.
    static func running() async throws -> (SQLiteStore, CampaignService, String, String) {
        let (store, _) = try W.store()
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        _ = try await service.apply(Self.idea("a"), to: id, eventID: "a", now: W.may1 + W.hour)
        return (store, service, id, version)
    }

    static func same(_ state: String, _: Engine) -> String { state }

    @Test("a raised target keeps the phase where it is: entries, metrics, the deadline; a dry run writes nothing")
    func raisedTarget() async throws {
        let (store, service, id, _) = try await Self.running()
        defer { try? FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent) }
        let raised = try await W.record(W.quick.replacingOccurrences(of: "target: 3", with: "target: 4"), in: store)
        let before = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
        let dry = try await service.migrate(
            id, toVersion: raised, mapState: Self.same, eventID: "m1", now: W.may1 + 2 * W.hour, dryRun: true)
        #expect(dry.migration.keptStep && dry.migration.applied.campaign.workflowVersion == raised)
        #expect(try await store.read { try $0.campaignWithEntries(id: id) } == before, "a dry run changes nothing")
        #expect(try await store.read { try $0.events(campaignID: id) }.count == 3)

        let moved = try await service.migrate(
            id, toVersion: raised, mapState: Self.same, eventID: "m1", now: W.may1 + 2 * W.hour,
            dryRun: false
        ).migration.applied.campaign
        #expect(moved.state == "collecting" && moved.enteredAt == before.enteredAt && moved.entries.count == 1)
        #expect(moved.timers == before.timers, "the deadline and the reminder are the same armed timers")
        #expect(try await store.read { try $0.campaign(id: id) } == moved)
        #expect(
            Set(try await store.read { try $0.timers(campaignID: id) }.map(\.timerID)) == Set(moved.timers.map(\.id)))
        // Three ideas no longer close it; the fourth does, under the new parameters.
        for n in ["b", "c"] { _ = try await service.apply(Self.idea(n), to: id, eventID: n, now: W.may1 + 3 * W.hour) }
        #expect(try await store.read { try $0.campaignWithEntries(id: id) }?.state == "collecting")
        _ = try await service.apply(Self.idea("d"), to: id, eventID: "d", now: W.may1 + 4 * W.hour)
        #expect(try await store.read { try $0.campaignWithEntries(id: id) }?.state == "closed")
        // The log replays through both versions to the stored campaign.
        #expect(try await service.replay(id) == store.read { try $0.campaignWithEntries(id: id) })
        #expect(try await store.read { try $0.events(campaignID: id) }.map(\.kind).contains("migrate"))
    }

    @Test("a state the new version lacks is entered as mapped; the same key does not move twice; refusals name the fix")
    func mappedState() async throws {
        let (store, service, id, _) = try await Self.running()
        defer { try? FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent) }
        let renamed = try await W.record(
            W.quick.replacingOccurrences(of: "collecting", with: "gathering")
                .replacingOccurrences(of: "window: P2D", with: "window: P5D"), in: store)
        let unmapped = await #expect(throws: LaurelError.self) {
            try await service.migrate(
                id, toVersion: renamed, mapState: Self.same, eventID: "m", now: W.may1 + W.day, dryRun: false)
        }
        #expect(unmapped?.code == .refused)
        let result = try await service.migrate(
            id, toVersion: renamed, mapState: { _, _ in "gathering" }, eventID: "m",
            now: W.may1 + W.day, dryRun: false)
        let moved = result.migration.applied.campaign
        #expect(result.migration.keptStep, "gathering runs phase-target too: the phase goes on")
        #expect(moved.state == "gathering" && moved.entries.count == 1 && moved.metrics["ideas"] == 1)
        let repeated = await #expect(throws: LaurelError.self) {
            try await service.migrate(
                id, toVersion: renamed, mapState: Self.same, eventID: "m", now: W.may1 + W.day, dryRun: false)
        }
        #expect(repeated?.code == .conflict, "the key 'm' was used by the migration before")
        #expect(try await service.replay(id) == store.read { try $0.campaignWithEntries(id: id) })
    }

    @Test("a changed state timer is armed anew from when the state was entered; another step's state is entered afresh")
    func changedTimerAndOtherStep() async throws {
        let (store, service, id, old) = try await Self.running()
        defer { try? FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent) }
        let nine = W.quick.replacingOccurrences(of: "0 8 * * *", with: "0 9 * * *")
        let previous = try await service.engine(version: old)
        let next = try await service.engine(version: try W.record(nine, in: store))
        let campaign = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
        let moved = try next.migrate(campaign, from: previous, into: "collecting", at: W.may1 + 2 * W.hour).applied
            .campaign
        // The deadline (the step's) is the same timer; the reminder is new: 2 May 09:00 Berlin.
        #expect(
            moved.timers.first { $0.source == .step(name: "deadline") }
                == campaign.timers.first { $0.source == .step(name: "deadline") })
        let reminder = try #require(moved.timers.first { $0.source == .state(index: 0) })
        #expect(reminder.due == W.may1 + W.day + W.hour && reminder.id == campaign.nextTimerID)
        // Into draft (no step): entered afresh, no timers; the entries stay.
        let back = try next.migrate(campaign, from: previous, into: "draft", at: W.may1 + 2 * W.hour)
        #expect(!back.keptStep && back.applied.campaign.timers.isEmpty && back.applied.campaign.entries.count == 1)
        #expect(back.applied.transitions.map(\.cause) == ["migrated from version \(old.prefix(12))"])
        #expect(throws: Refusal.self) { try next.migrate(campaign, from: previous, into: "nowhere", at: W.may1) }
        #expect(throws: Refusal.self) { try previous.migrate(campaign, from: previous, into: "collecting", at: W.may1) }
    }

    @Test("rule: a corrected deadline moves the deadline the step waits for; the dry run shows it before and after")
    func correctedDeadlineMoves() async throws {
        let (store, service, id, _) = try await Self.running()
        defer { try? FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent) }
        let longer = try await W.record(W.quick.replacingOccurrences(of: "window: P2D", with: "window: P4D"), in: store)
        let dry = try await service.migrate(
            id, toVersion: longer, mapState: Self.same, eventID: "m", now: W.may1 + W.day, dryRun: true)
        let deadline = ArmedTimer.Source.step(name: "deadline")
        // Entered on 1 May 08:00 Berlin: the phase ended on 3 May, and now ends on 5 May.
        #expect(dry.before.timers.first { $0.source == deadline }?.due == W.may1 + 2 * W.day)
        #expect(dry.migration.applied.campaign.timers.first { $0.source == deadline }?.due == W.may1 + 4 * W.day)
        let moved = try await service.migrate(
            id, toVersion: longer, mapState: Self.same, eventID: "m", now: W.may1 + W.day, dryRun: false)
        let timer = try #require(moved.migration.applied.campaign.timers.first { $0.source == deadline })
        #expect(
            try await store.read { try $0.timers(campaignID: id) }.filter { $0.timerID == timer.id }.map(\.due) == [
                W.may1 + 4 * W.day
            ],
            "the due index has the new deadline, and only it")
        _ = try await service.fire(DueTimer(campaignID: id, timerID: timer.id, due: timer.due), now: W.may1 + 4 * W.day)
        #expect(try await store.read { try $0.campaignWithEntries(id: id) }?.state == "closed")
        #expect(
            try await service.replay(id) == store.read { try $0.campaignWithEntries(id: id) },
            "the log replays through both versions")
    }
}
