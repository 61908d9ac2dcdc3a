import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

@testable import LaurelService

@Suite("Campaign service")
struct CampaignServiceTests {
    typealias W = TestWorkflows

    static func idea(_ id: String) -> CampaignEvent {
        .submit(Entry(id: id, kind: "idea", fields: ["title": .text("Idea \(id)")]))
    }

    @Test("a start with an idempotency key starts one campaign however often it is sent")
    func idempotentStart() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        let first = try await service.start(version: version, idempotencyKey: "k1", now: W.may1)
        let again = try await service.start(version: version, idempotencyKey: "k1", now: W.may1 + 5)
        let other = try await service.start(version: version, idempotencyKey: String?.none, now: W.may1 + 6)
        #expect(first.campaignID == "quick-1" && first.status == .applied)
        #expect(again.campaignID == "quick-1" && again.status == .alreadyApplied)
        #expect(other.campaignID == "quick-2")
        #expect(try await store.read { try $0.campaigns() }.map(\.id) == ["quick-1", "quick-2"])
    }

    @Test("engines see the imported organisation data, and a later import once refreshed")
    func organisationReachesEngines() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        #expect(try await service.engine(version: version).organisation.isEmpty)
        let organisation = Organisation(units: [.init(id: "u1", name: "Unit 1", level: "grassroots")])
        try await store.write { try $0.replaceOrganisation(organisation) }
        #expect(
            try await service.engine(version: version).organisation.isEmpty, "read once per process until refreshed")
        #expect(try await service.refreshOrganisation() == organisation)
        #expect(try await service.refreshOrganisation() == nil, "unchanged")
        #expect(try await service.engine(version: version).organisation == organisation)
    }

    @Test("an event delivered twice is applied once; a refused one changes nothing")
    func exactlyOnceEvents() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await service.start(version: try W.record(W.quick, in: store), idempotencyKey: nil, now: W.may1)
            .campaignID
        let refused = await #expect(throws: LaurelError.self) {
            try await service.apply(Self.idea("a"), to: id, eventID: "e0", now: W.may1)
        }
        #expect(refused?.code == .refused)
        #expect(try await store.read { try $0.eventCount() } == 1, "the refused entry was not logged")
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let first = try await service.apply(Self.idea("a"), to: id, eventID: "e1", now: W.may1 + 10)
        let second = try await service.apply(Self.idea("a"), to: id, eventID: "e1", now: W.may1 + 20)
        #expect(first.status == .applied && second.status == .alreadyApplied)
        let campaign = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
        #expect(campaign.entries.map(\.id) == ["a"] && campaign.metrics["ideas"] == 1)
        #expect(try await store.read { try $0.events(campaignID: id) }.map(\.id) == ["start:\(id)", "launch", "e1"])
        // The due index holds exactly the campaign's armed timers: the phase deadline and the reminder.
        #expect(
            Set(try await store.read { try $0.timers(campaignID: id) }.map(\.timerID)) == Set(campaign.timers.map(\.id))
        )
        #expect(campaign.timers.count == 2)
    }

    @Test(
        "a due timer its campaign no longer has is stale: nothing is applied or logged, and the campaign is unchanged")
    func staleIndexRow() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await service.start(version: try W.record(W.quick, in: store), idempotencyKey: nil, now: W.may1)
            .campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let before = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
        let events = try await store.read { try $0.eventCount() }
        let result = try await service.fire(DueTimer(campaignID: id, timerID: 99, due: W.may1), now: W.may1 + W.hour)
        #expect(result.status == .stale && result.logged.isEmpty)
        #expect(try await store.read { try $0.campaignWithEntries(id: id) } == before)
        #expect(try await store.read { try $0.eventCount() } == events)
        #expect(
            Set(try await store.read { try $0.timers(campaignID: id) }.map(\.timerID)) == Set(before.timers.map(\.id)))
    }

    @Test("an entry after a deadline that passed while the daemon was down is refused: the deadline comes first")
    func deadlineBeforeLateEntry() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await service.start(version: try W.record(W.quick, in: store), idempotencyKey: nil, now: W.may1)
            .campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let late = await #expect(throws: LaurelError.self) {
            try await service.apply(Self.idea("late"), to: id, eventID: "late", now: W.may1 + 3 * W.day)
        }
        #expect(late?.code == .refused)
        #expect(
            try await store.read { try $0.campaignWithEntries(id: id) }?.state == "collecting",
            "the refusal rolled the catch-up back too")
    }

    @Test("an import is all or nothing, and names the refused event")
    func importAllOrNothing() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await service.start(version: try W.record(W.quick, in: store), idempotencyKey: nil, now: W.may1)
            .campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        let bad: [(event: CampaignEvent, id: String)] = [
            (Self.idea("a"), "i-a"), (.submit(Entry(id: "b", kind: "idea")), "i-b"),
        ]
        let refusal = await #expect(throws: LaurelError.self) {
            try await service.applyAll(bad, to: id, now: W.may1 + 1)
        }
        #expect(
            refusal?.code == .refused && refusal?.problems.map(\.index) == [1],
            "the second event (no title) is named by its index")
        #expect(try await store.read { try $0.campaignWithEntries(id: id) }?.entries.isEmpty == true)
        let good: [(event: CampaignEvent, id: String)] = [(Self.idea("a"), "i-a"), (Self.idea("b"), "i-b")]
        _ = try await service.applyAll(good, to: id, now: W.may1 + 2)
        let again = try await service.applyAll(good + [(Self.idea("c"), "i-c")], to: id, now: W.may1 + 3)
        #expect(again.logged.map(\.id) == ["i-c"], "a re-run import adds only what is new")
        #expect(
            try await store.read { try $0.campaignWithEntries(id: id) }?.state == "closed",
            "the third idea reached the target")
    }

    @Test("rule: an import judges each row as if the refused rows were not there, the campaign's own entries included")
    func importJudgesEachRow() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick.replacingOccurrences(of: "target: 3", with: "target: 100"), in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        _ = try await service.apply(Self.idea("a"), to: id, eventID: "e-a", now: W.may1)
        let batch: [(event: CampaignEvent, id: String)] = [
            (Self.idea("x"), "i-x"), (.submit(Entry(id: "b", kind: "idea")), "i-b"), (Self.idea("a"), "i-a"),
            (Self.idea("y"), "i-y"), (Self.idea("x"), "i-x2"),
        ]
        let refusal = await #expect(throws: LaurelError.self) { try await service.applyAll(batch, to: id, now: W.may1) }
        #expect(refusal?.problems.map(\.index) == [1, 2, 4], "\(refusal?.problems.map(\.message) ?? [])")
        #expect(refusal?.problems[1].message == "an entry with id 'a' was already submitted")
        #expect(try await store.read { try $0.entries(campaignID: id) }.map(\.id) == ["a"], "nothing was written")
        let done = try await service.applyAll([batch[0], batch[3]], to: id, now: W.may1)
        #expect(done.logged.map(\.id) == ["i-x", "i-y"])
        #expect(try await store.read { try $0.entries(campaignID: id) }.map(\.id) == ["a", "x", "y"])
        #expect(try await store.read { try $0.campaign(id: id) }?.metrics["ideas"] == 3)
    }

    @Test("rule: an import into a state whose step reads the entries reads them once and gives the step each row")
    func importReadsEntriesForTheStep() async throws {
        let store = InMemoryStore()
        let service = CampaignService(store: store, registry: TestStep.registry)
        let version = try await W.record(TestStep.workflow, id: "core", in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        _ = try await service.apply(.command("launch"), to: id, eventID: "launch", now: W.may1)
        _ = try await service.apply(Self.idea("a"), to: id, eventID: "e-a", now: W.may1)
        let rows: [(event: CampaignEvent, id: String)] = ["b", "c", "d"].map { (Self.idea($0), "i-\($0)") }
        let refused = await #expect(throws: LaurelError.self) {
            try await service.applyAll(
                [rows[0], (.submit(Entry(id: "q", kind: "question")), "i-q"), rows[1]], to: id, now: W.may1)
        }
        #expect(refused?.problems.map(\.index) == [1])
        _ = try await service.applyAll(rows, to: id, now: W.may1)
        let campaign = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
        #expect(campaign.entries.map(\.id) == ["a", "b", "c", "d"])
        #expect(
            campaign.step?.memory as? TestStep.Memory == TestStep.Memory(entries: 4), "the step was handed each row")
    }

    static func ballotWorkflow(secret: Bool) -> String {
        """
        laurel: 1
        id: titles
        title: Emulation titles
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination: { fields: { name: { type: text, required: true } } }
        events:
          open: {}
        councils:
          emulation: { members: [a, b, c], quorum: 2 }
        initial: nominating
        states:
          nominating:
            accepts: [nomination]
            on: { open: voting }
          voting:
            step: ballot
            with: { council: emulation, window: P3D, secret: \(secret) }
            on: { decided: done, no-quorum: done }
          done: { final: true }
        """
    }

    @Test("a secret ballot's papers are logged sealed: who voted, never how; the log then does not replay past them")
    func secretBallotLog() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        for secret in [true, false] {
            let version = try await W.record(Self.ballotWorkflow(secret: secret), id: "titles", in: store)
            let id = try await service.start(version: version, idempotencyKey: "s-\(secret)", now: W.may1).campaignID
            for nominee in ["n1", "n2"] {
                _ = try await service.apply(
                    .submit(Entry(id: nominee, kind: "nomination", fields: ["name": .text(nominee)])), to: id,
                    eventID: "e-\(nominee)-\(secret)", now: W.may1)
            }
            _ = try await service.apply(.command("open"), to: id, eventID: "open-\(secret)", now: W.may1)
            let papers: [(String, Bool)] = [("a", true), ("b", false), ("c", true)]
            for (member, approve) in papers {
                let vote = Vote(
                    member: member,
                    choices: [.init(nominee: "n1", approve: approve), .init(nominee: "n2", approve: !approve)])
                _ = try await service.apply(.vote(vote), to: id, eventID: "v-\(member)-\(secret)", now: W.may1 + 60)
            }
            let stored = try #require(try await store.read { try $0.campaignWithEntries(id: id) })
            #expect(stored.state == "done")
            #expect(stored.entries.map(\.score) == [EntryScore(total: 2, reviews: 3), nil])
            let votes = try await store.read { try $0.events(campaignID: id) }.compactMap { event -> Vote? in
                if case .event(.vote(let vote)) = event.action { return vote } else { return nil }
            }
            #expect(votes.map(\.member) == ["a", "b", "c"])
            if secret {
                #expect(votes.allSatisfy { $0.isSealed && $0.choices.isEmpty })
                await #expect(throws: LaurelError.self) { try await service.replay(id) }
            } else {
                #expect(votes.allSatisfy { !$0.isSealed && $0.choices.count == 2 })
                #expect(try await service.replay(id) == stored)
            }
            let summaries = try await store.read { try $0.events(campaignID: id) }.map(\.summary).joined(
                separator: "\n")
            #expect(summaries.contains("vote of b") && !summaries.contains("approve"))
        }
    }

    @Test("compiled engines are kept for the 16 versions used last, not for every version ever recorded")
    func engineCacheBounded() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        var versions: [String] = []
        for target in 1...20 {
            await versions.append(
                try W.record(W.quick.replacingOccurrences(of: "target: 3", with: "target: \(target)"), in: store))
            _ = try await service.engine(version: versions.last!)
        }
        #expect(service.cachedVersions == Array(versions.suffix(16)))
        _ = try await service.engine(version: versions[0])  // compiled again from the stored text
        #expect(service.cachedVersions.last == versions[0] && service.cachedVersions.count == 16)
    }
}
