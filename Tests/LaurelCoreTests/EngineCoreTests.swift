import LaurelCore
import LaurelTesting
import Testing

/// The engine with a step of the test kit (`TestStep`), not a real plugin: what it does for any
/// step — enter it, hand it entries and signals, arm and fire its timers, follow its outcome —
/// and that a refused event changes nothing.
@Suite struct EngineCoreTests {
    static let start: Instant = 1_767_225_600  // 2026-01-01T07:00+07:00

    static func engine() throws -> Engine {
        let result = WorkflowValidator(registry: TestStep.registry).validate(TestStep.workflow, file: "core.yaml")
        let workflow = try #require(result.workflow, "\(result.diagnostics.map(\.message))")
        return try Engine(workflow: workflow, version: "v1", registry: TestStep.registry)
    }

    static func idea(_ id: String) -> CampaignEvent {
        .submit(Entry(id: id, kind: "idea", fields: ["title": .text("Ý tưởng \(id)")]))
    }

    @Test("a step is entered, handed each entry, and ends on its signal; its outcome picks the next state")
    func signalEndsTheStep() throws {
        let engine = try Self.engine()
        var campaign = try engine.start(id: "core-1", at: Self.start).campaign
        campaign = try engine.apply(.command("launch"), to: campaign, at: Self.start).campaign
        #expect(campaign.state == "collecting" && campaign.timers.count == 2, "the step's expiry and the state's timer")
        for id in ["a", "b", "c"] {
            campaign = try engine.apply(Self.idea(id), to: campaign, at: Self.start + 60).campaign
        }
        let applied = try engine.apply(.command("finish"), to: campaign, at: Self.start + 120)
        #expect(applied.campaign.state == "counted" && applied.campaign.status == .finished)
        #expect(applied.campaign.timers.isEmpty, "leaving the state disarms its timers")
        #expect(applied.transitions.last?.cause.contains("counted") == true, "\(applied.transitions)")
    }

    @Test("the state's timer and the step's own timer fire at their instants, earliest first")
    func timersFire() throws {
        let engine = try Self.engine()
        var campaign = try engine.start(id: "core-1", at: Self.start).campaign
        campaign = try engine.apply(.command("launch"), to: campaign, at: Self.start).campaign
        let due = engine.dueTimers(of: campaign, at: Self.start + 3 * 86_400)
        #expect(due.map(\.due) == [Self.start + 86_400, Self.start + 2 * 86_400])
        let fired = try engine.apply(.timer(id: due[0].id), to: campaign, at: due[0].due).campaign
        #expect(fired.state == "counted", "the state's timer sends the signal, a day after the launch")
    }

    @Test("a refused event says why and leaves the campaign as it was")
    func refusalChangesNothing() throws {
        let engine = try Self.engine()
        var campaign = try engine.start(id: "core-1", at: Self.start).campaign
        campaign = try engine.apply(.command("launch"), to: campaign, at: Self.start).campaign
        campaign = try engine.apply(Self.idea("a"), to: campaign, at: Self.start).campaign
        let before = campaign
        #expect(throws: Refusal.self) { try engine.apply(Self.idea("a"), to: campaign, at: Self.start) }
        #expect(throws: Refusal.self) { try engine.apply(.command("launch"), to: campaign, at: Self.start) }
        #expect(campaign == before)
    }
}
