import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelTesting
import Logging
import Testing

/// Recurring workflows: the daemon starts one campaign per cycle, once, and after downtime as
/// the catch-up policy says.
@Suite("Recurrence")
struct RecurrenceTests {
    typealias W = TestWorkflows

    static let quarterly = """
        laurel: 1
        id: quarterly
        title: Quarterly recognition
        timezone: Asia/Ho_Chi_Minh
        recurrence: { every: quarter, catch-up: latest }
        inputs:
          cycle: { type: date }
        entries:
          nomination: { fields: { name: { type: text, required: true } } }
        events:
          close: { by: admin }
        initial: collecting
        states:
          collecting:
            accepts: [nomination]
            timers:
              - after: P30D
                goto: closed
            on: { close: closed }
          closed: { final: true }
        """

    static func day(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Instant {
        ZonedCalendar(zoneName: "Asia/Ho_Chi_Minh")!.instant(
            LocalDate(year: year, month: month, day: day)!,
            LocalTime(hour: hour, minute: minute)!)
    }

    @Test("one campaign per cycle, once; after downtime only the latest cycle starts, the others are counted")
    func cycles() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(Self.quarterly, id: "quarterly", in: store)

        // First seen mid-quarter: nothing yet; the next cycle is 1 April.
        let first = try await service.startDueCycles(version: version, now: Self.day(2025, 2, 10))
        #expect(first.started.isEmpty && first.nextCycle == Self.day(2025, 4, 1))

        let april = try await service.startDueCycles(version: version, now: Self.day(2025, 4, 1, 0, 10))
        #expect(april.started.map(\.campaignID) == ["quarterly-2025-04-01"])
        let campaign = try #require(try await store.read { try $0.campaign(id: "quarterly-2025-04-01") })
        #expect(campaign.inputs["cycle"] == .instant(Self.day(2025, 4, 1)) && campaign.state == "collecting")
        #expect(campaign.transitions.first?.at == Self.day(2025, 4, 1), "the campaign starts at its cycle")
        #expect(try await store.read { try $0.timers(campaignID: campaign.id) }.map(\.due) == [Self.day(2025, 5, 1)])
        #expect(april.nextCycle == Self.day(2025, 7, 1))
        #expect(
            try await service.startDueCycles(version: version, now: Self.day(2025, 4, 1, 0, 20)).started.isEmpty, "once"
        )

        // Down from April to 2 January: July and October are passed over, January starts late.
        let late = try await service.startDueCycles(version: version, now: Self.day(2026, 1, 2, 9))
        #expect(late.started.map(\.campaignID) == ["quarterly-2026-01-01"])
        #expect(try #require(late.started.first).logged.lateBy == Int64(33 * 3_600))
        #expect(
            late.skipped == 2 && late.firstSkipped == Self.day(2025, 7, 1) && late.lastSkipped == Self.day(2025, 10, 1))
        #expect(
            try await store.read { try $0.campaigns() }.map(\.id) == ["quarterly-2025-04-01", "quarterly-2026-01-01"])
    }

    @Test("the daemon starts due cycles from its library and logs them; a removed file starts no more")
    func daemonStartsCycles() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let workflows = folder + "/workflows"
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        let file = workflows + "/quarterly.yaml"
        try Self.quarterly.replacingOccurrences(of: "catch-up: latest", with: "starting: 2025-01-01, catch-up: all")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let registry = W.registry
        let service = CampaignService(store: store, registry: registry)
        let daemon = CampaignDaemon(
            service: service, configuration: DaemonConfiguration(workflowsFolder: workflows),
            logger: Logger(label: "test"))
        var library = WorkflowLibrary(folder: workflows, registry: registry)
        _ = try await library.scan(recordingIn: service, now: Self.day(2025, 5, 5))
        var watch = CampaignDaemon.CycleWatch()
        try await daemon.startDueCycles(library, &watch, now: Self.day(2025, 5, 5))
        #expect(
            try await store.read { try $0.campaigns() }.map(\.id) == ["quarterly-2025-01-01", "quarterly-2025-04-01"],
            "catch-up: all")
        try await daemon.startDueCycles(library, &watch, now: Self.day(2025, 6, 30))
        #expect(try await store.read { try $0.campaigns() }.count == 2, "nothing due: the store is not asked")
        try FileManager.default.removeItem(atPath: file)
        try await daemon.startDueCycles(library, &watch, now: Self.day(2025, 7, 1, 1))
        #expect(try await store.read { try $0.campaigns() }.count == 2, "a removed file starts no more cycles")
    }

    @Test("a recurring workflow cannot require an input, and its 'cycle' input is a date")
    func validation() {
        let text = Self.quarterly.replacingOccurrences(
            of: "  cycle: { type: date }",
            with: """
                  cycle: { type: number }
                  budget: { type: number, required: true }
                """)
        let result = WorkflowValidator(registry: W.registry).validate(text, file: "quarterly.yaml")
        #expect(
            result.diagnostics.map(\.message) == [
                "the input 'cycle' of a recurring workflow is given the start of the cycle, so its type must be date or date-time, not number",
                "input 'budget' is required, but a recurring workflow's campaigns are started by the daemon, which cannot give it",
            ])
    }
}
