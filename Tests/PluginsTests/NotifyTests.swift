import Foundation
import LaurelCore
import LaurelYAML
import NotifyPlugin
import Testing

/// The notify step: one notice per audience, its places filled in, its mistakes caught at validation.
@Suite struct NotifyTests {
    static let workflow = """
        laurel: 1
        id: notify
        title: Sáng kiến 2024
        timezone: Asia/Ho_Chi_Minh
        inputs:
          year: { type: number }
          closes: { type: date }
        entries:
          initiative: { fields: { title: { type: text, required: true } } }
        metrics:
          initiatives: { count: initiative }
        events:
          close: {}
        initial: collecting
        states:
          collecting:
            accepts: [initiative]
            on: { close: report }
          report:
            step: notify
            with:
              to: [organisers, level-above]
              message: "{title} ({inputs.year}, closed {inputs.closes}): {metrics.initiatives} initiatives of {entries} entries {{ok}}"
              channels: [notice, email]
            next: done
          done: { final: true }
        """

    @Test("each audience gets the message with metrics, inputs, the entry count and the title filled in")
    func sends() throws {
        let engine = try EngineTests.engine(Self.workflow)
        let at: Instant = 1_714_496_400
        var campaign = try engine.start(id: "n", inputs: ["year": .number(2024), "closes": .instant(at)], at: at)
            .campaign
        for index in 0..<1_200 {
            let entry = Entry(id: "i\(index)", kind: "initiative", fields: ["title": .text("Sáng kiến \(index)")])
            campaign = try engine.apply(.submit(entry), to: campaign, at: at).campaign
        }
        let applied = try engine.apply(.command("close"), to: campaign, at: at)
        #expect(applied.campaign.state == "done")
        let text = "Sáng kiến 2024 (2,024, closed 2024-05-01): 1,200 initiatives of 1,200 entries {ok}"
        #expect(
            applied.effects == [
                .notify(audience: "organisers", message: text, channels: ["notice", "email"]),
                .notify(audience: "level-above", message: text, channels: ["notice", "email"]),
            ])
    }

    @Test(
        "an unknown place, an unknown metric or input, or a stray brace is a validation error",
        arguments: [
            (
                "{metric.initiatives}",
                "the message reads '{metric.initiatives}'; a message can fill in {metrics.NAME}, {inputs.NAME}, {entries} and {title}"
            ),
            (
                "{metrics.initiative}",
                "the message reads '{metrics.initiative}', but there is no metric 'initiative' (did you mean 'initiatives'?); metrics are defined under 'metrics:'"
            ),
            (
                "{inputs.yaer}",
                "the message reads '{inputs.yaer}', but there is no input 'yaer' (did you mean 'year'?); inputs are defined under 'inputs:'"
            ),
            ("{title", "the message opens '{' without closing it; write '{{' for a brace"),
            ("done}", "the message has a '}' that closes nothing; write '}}' for a brace"),
        ])
    func mistakes(_ message: String, _ expected: String) {
        let text = Self.workflow.replacingOccurrences(
            of:
                "message: \"{title} ({inputs.year}, closed {inputs.closes}): {metrics.initiatives} initiatives of {entries} entries {{ok}}\"",
            with: "message: \"\(message)\"")
        let result = WorkflowValidator(registry: EngineTests.registry).validate(text, file: "notify.yaml")
        #expect(result.diagnostics.map(\.message) == [expected])
        #expect(result.diagnostics.first?.location.line == 23, "the message line")
    }
}
