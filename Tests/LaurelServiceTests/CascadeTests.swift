import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

/// Nomination up the levels: a cascade starts one child campaign per unit, in the same
/// transaction, and each child reports its choices up when it finishes.
@Suite("Cascade")
struct CascadeTests {
    typealias W = TestWorkflows

    static let child = """
        laurel: 1
        id: grassroots
        title: Grassroots choice
        timezone: Asia/Ho_Chi_Minh
        inputs:
          unit: { type: unit, required: true }
        entries:
          worker: { fields: { name: { type: text, required: true } } }
        events:
          close: {}
        councils:
          unit-council: { members: [m1], quorum: 1 }
        initial: collecting
        states:
          collecting:
            accepts: [worker]
            on: { close: review }
          review:
            step: council-review
            with: { council: unit-council, window: P7D, pass-mark: 50 }
            on: { reviewed: done, no-quorum: done }
          done: { final: true }
        """

    static let parent = """
        laurel: 1
        id: district
        title: District choice
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination: { fields: { name: { type: text, required: true } } }
        metrics:
          nominations: { count: nomination }
        initial: gathering
        states:
          gathering:
            step: cascade
            with: { workflow: grassroots, level: grassroots, under: d1, entries: nomination, window: P30D }
            on: { gathered: closed, deadline: late }
          closed: { final: true }
          late: { final: true }
        """

    static let organisation = Organisation(
        levels: ["district", "grassroots"],
        units: [
            .init(id: "d1", name: "District 1", level: "district"),
            .init(id: "d2", name: "District 2", level: "district"),
            .init(id: "g2", name: "G2", parent: "d1", level: "grassroots"),
            .init(id: "g1", name: "G1", parent: "d1", level: "grassroots"),
            .init(id: "g3", name: "G3", parent: "d1", level: "grassroots"),
            .init(id: "g4", name: "G4", parent: "d2", level: "grassroots"),
        ])

    /// A store with the organisation data and both workflows recorded (the child's unless
    /// `withChild` is false): the store, its folder (for the caller to remove), the service and
    /// the district workflow's version.
    static func setUp(withChild: Bool = true) async throws -> (SQLiteStore, String, CampaignService, String) {
        let (store, folder) = try W.store()
        try await store.write { try $0.replaceOrganisation(organisation) }
        let service = CampaignService(store: store, registry: W.registry)
        if withChild { _ = try await W.record(child, id: "grassroots", in: store) }
        return await (store, folder, service, try W.record(parent, id: "district", in: store))
    }

    /// Two workers in the child of `unit`, one scored above the pass mark; the child then finishes.
    static func runChild(_ unit: String, service: CampaignService, at now: Instant) async throws {
        let id = "district-1--\(unit)"
        for worker in ["a", "b"] {
            _ = try await service.apply(
                .submit(Entry(id: worker, kind: "worker", fields: ["name": .text("\(unit) \(worker)")])),
                to: id, eventID: "\(id):\(worker)", now: now)
        }
        _ = try await service.apply(.command("close"), to: id, eventID: "\(id):close", now: now)
        _ = try await service.apply(
            .scores(
                ScoreSheet(member: "m1", lines: [.init(entry: "a", values: [80]), .init(entry: "b", values: [20])])),
            to: id, eventID: "\(id):scores", now: now)
    }

    @Test("one child per unit under the district; each reports its chosen entries; the last report ends the cascade")
    func gathers() async throws {
        let (store, folder, service, parentVersion) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let start = try await service.start(version: parentVersion, idempotencyKey: nil, now: W.may1)
        #expect(start.campaignID == "district-1")
        #expect(
            try await store.read { try $0.campaigns() }.map(\.id).sorted() == [
                "district-1", "district-1--g1", "district-1--g2", "district-1--g3",
            ])
        #expect(
            try await store.read { try $0.campaignWithEntries(id: "district-1--g2") }?.inputs["unit"] == .text("g2"))

        try await Self.runChild("g2", service: service, at: W.may1 + W.hour)
        var parent = try #require(try await store.read { try $0.campaignWithEntries(id: "district-1") })
        #expect(parent.state == "gathering" && parent.entries.map(\.id) == ["g2/a"])
        #expect(parent.entries.first?.kind == "nomination" && parent.metrics["nominations"] == 1)

        try await Self.runChild("g1", service: service, at: W.may1 + 2 * W.hour)
        try await Self.runChild("g3", service: service, at: W.may1 + 3 * W.hour)
        parent = try #require(try await store.read { try $0.campaignWithEntries(id: "district-1") })
        #expect(parent.state == "closed")
        #expect(parent.entries.map(\.id) == ["g2/a", "g1/a", "g3/a"])
        let history = try await store.read { try $0.events(campaignID: "district-1") }.map(\.id)
        #expect(history.contains("child-closed:district-1--g3"))
        #expect(try await service.replay("district-1") == parent, "reports replay like any event")
    }

    @Test("a child that finishes after the deadline is logged as not taken and does not hold up its own transaction")
    func lateChild() async throws {
        let (store, folder, service, parentVersion) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try await service.start(version: parentVersion, idempotencyKey: nil, now: W.may1)
        try await Self.runChild("g1", service: service, at: W.may1 + W.hour)
        // 31 days later: the cascade's deadline fires first, then g2 finishes.
        try await Self.runChild("g2", service: service, at: W.may1 + 31 * W.day)
        #expect(try await store.read { try $0.campaignWithEntries(id: "district-1") }?.state == "late")
        #expect(try await store.read { try $0.campaignWithEntries(id: "district-1--g2") }?.state == "done")
        let late = try #require(
            try await store.read { try $0.events(campaignID: "district-1") }.first {
                $0.id == "child-closed:district-1--g2"
            })
        #expect(late.disposition == .skipped && late.summary.contains("not taken"))
        #expect(
            try await service.replay("district-1") == store.read { try $0.campaignWithEntries(id: "district-1") },
            "the parent replays from its log")
    }

    @Test("a cascade whose children's workflow is not loaded fails with the fix, and writes nothing")
    func missingWorkflow() async throws {
        let (store, folder, service, parentVersion) = try await Self.setUp(withChild: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = await #expect(throws: LaurelError.self) {
            try await service.start(version: parentVersion, idempotencyKey: nil, now: W.may1)
        }
        #expect(error?.code == .notFound)
        #expect(
            error?.description
                == "campaign 'district-1' starts child campaigns of 'grassroots', but no workflow 'grassroots' is loaded; add its file to the workflows folder"
        )
        #expect(try await store.read { try $0.campaigns() }.isEmpty)
    }

    /// Each grassroots union nominates up to half of its workers in its own child campaign.
    static let nominatingChild = """
        laurel: 1
        id: grassroots-nominations
        title: Grassroots nominations
        timezone: Asia/Ho_Chi_Minh
        inputs:
          unit: { type: unit, required: true }
        entries:
          worker: { fields: { name: { type: text, required: true }, unit: { type: unit } } }
        initial: nominating
        states:
          nominating:
            accepts: [worker]
            step: nominate
            with: { share: 50% of workers, share-scope: inputs.unit, window: P10D }
            next: done
          done: { final: true }
        """

    static let countedOrganisation = Organisation(
        levels: ["district", "grassroots"],
        units: [
            .init(id: "d1", name: "District 1", level: "district"),
            .init(id: "g1", name: "G1", parent: "d1", level: "grassroots", counts: ["workers": 4]),
            .init(id: "g2", name: "G2", parent: "d1", level: "grassroots", counts: ["workers": 4]),
        ])

    static func worker(_ id: String, unit: String?) -> CampaignEvent {
        .submit(Entry(id: id, kind: "worker", unit: unit, fields: ["name": .text("Worker \(id)")]))
    }

    @Test(
        "rule: a child takes entries only from its own unit, and a share is counted against that unit, so no unit fills its quota twice"
    )
    func quotaCountedOncePerUnit() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await store.write { try $0.replaceOrganisation(Self.countedOrganisation) }
        let service = CampaignService(store: store, registry: W.registry)
        _ = try await W.record(Self.nominatingChild, id: "grassroots-nominations", in: store)
        let parentVersion = try await W.record(
            Self.parent.replacingOccurrences(of: "workflow: grassroots,", with: "workflow: grassroots-nominations,"),
            id: "district", in: store)
        _ = try await service.start(version: parentVersion, idempotencyKey: nil, now: W.may1)
        let now = W.may1 + W.hour
        // g1 fills its share (half of 4) in its own campaign ...
        _ = try await service.apply(Self.worker("a", unit: "g1"), to: "district-1--g1", eventID: "a", now: now)
        _ = try await service.apply(Self.worker("b", unit: nil), to: "district-1--g1", eventID: "b", now: now)
        #expect(
            try await store.read { try $0.campaignWithEntries(id: "district-1--g1") }?.entries.map(\.unit) == [
                "g1", "g1",
            ],
            "no unit given: the campaign's own")
        // Its share full, g1's nominations closed and its child reported up at once.
        #expect(try await store.read { try $0.campaignWithEntries(id: "district-1--g1") }?.state == "done")
        #expect(
            try await store.read { try $0.campaignWithEntries(id: "district-1") }?.entries.map(\.id) == [
                "g1/a", "g1/b",
            ])
        // ... and cannot spend it again in its sibling's.
        let sibling = await #expect(throws: LaurelError.self) {
            try await service.apply(Self.worker("d", unit: "g1"), to: "district-1--g2", eventID: "d", now: now)
        }
        #expect(
            sibling?.description
                == "campaign 'district-1--g2' runs for the unit 'g2', and entry 'd' comes from 'g1', which is not that unit or one under it; submit it to the campaign of its own unit"
        )
        _ = try await service.apply(Self.worker("e", unit: "g2"), to: "district-1--g2", eventID: "e", now: now)

        // rule: a child made of a nominate step reports its nominations up when it closes.
        let later = W.may1 + 11 * W.day
        _ = try await service.fireDue(at: later, after: nil, limit: 100)
        let parent = try #require(try await store.read { try $0.campaignWithEntries(id: "district-1") })
        #expect(parent.state == "closed")
        #expect(parent.entries.map(\.id) == ["g1/a", "g1/b", "g2/e"])
        #expect(parent.entries.map(\.unit) == ["g1", "g1", "g2"])
        let reports = try await store.read { try $0.events(campaignID: "district-1") }.filter {
            $0.kind == "child-closed"
        }.map(\.summary)
        #expect(reports.contains { $0.hasPrefix("report of district-1--g1 (2 chosen)") })
    }
}
