import Foundation
import LaurelCore
import ScreeningPlugin
import Testing

/// Screening: entries that fail a criterion leave the campaign, with the reason in a notice.
@Suite struct ScreeningTests {
    static let workflow = """
        laurel: 1
        id: screening
        title: Screening
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination:
            fields:
              name: { type: text, required: true }
              years-with-title: { type: integer }
              disciplined: { type: boolean }
              role: { type: text }
        metrics:
          nominations: { count: nomination }
        events:
          close: {}
        initial: collecting
        states:
          collecting:
            accepts: [nomination]
            on: { close: checking }
          checking:
            step: screening
            with:
              criteria:
                - { field: years-with-title, at-least: 3, name: holds the title below for 3 consecutive years }
                - { field: disciplined, equals: "false" }
                - { field: role, one-of: [worker, team-leader] }
            on:
              screened:
                - if: outcome.eligible > 0
                  goto: done
                - goto: nobody
          done: { final: true }
          nobody: { final: true }
        """

    @Test("entries that fail a criterion leave the campaign and its metrics; the notice names the criterion")
    func screens() throws {
        let engine = try EngineTests.engine(Self.workflow)
        let at: Instant = 1_714_496_400
        var campaign = try engine.start(id: "s", at: at).campaign
        let people: [(String, NamedValues<Value>)] = [
            ("a", ["years-with-title": .number(3), "disciplined": .boolean(false), "role": .text("worker")]),
            ("b", ["years-with-title": .number(2), "disciplined": .boolean(false), "role": .text("worker")]),
            ("c", ["years-with-title": .number(5), "disciplined": .boolean(true), "role": .text("worker")]),
            ("d", ["years-with-title": .number(4), "disciplined": .boolean(false), "role": .text("director")]),
            ("e", ["disciplined": .boolean(false), "role": .text("team-leader")]),
            ("f", ["years-with-title": .number(7), "disciplined": .boolean(false), "role": .text("team-leader")]),
        ]
        for (id, fields) in people {
            var values = fields
            values["name"] = .text("Lê Thị \(id)")
            campaign = try engine.apply(
                .submit(Entry(id: id, kind: "nomination", fields: values)), to: campaign, at: at
            ).campaign
        }
        let applied = try engine.apply(.command("close"), to: campaign, at: at)
        #expect(applied.campaign.state == "done")
        #expect(applied.campaign.entries.map(\.id) == ["a", "f"])
        #expect(applied.campaign.metrics["nominations"] == 2)
        guard case .notify(_, let message, _) = try #require(applied.effects.first) else {
            Issue.record("the screening's notice")
            return
        }
        #expect(
            message == """
                Screening: 2 eligible, 4 not eligible.
                b: holds the title below for 3 consecutive years: 'years-with-title' is 2
                c: disciplined equal to false: 'disciplined' is true
                d: role one of worker, team-leader: 'role' is director
                e: holds the title below for 3 consecutive years: the field 'years-with-title' is missing
                """)
    }

    @Test("a criterion that checks nothing, or cannot be met, is a validation error")
    func checks() throws {
        let bad = Self.workflow.replacingOccurrences(
            of: "- { field: role, one-of: [worker, team-leader] }",
            with: "- { field: role }\n        - { field: years-with-title, at-least: 5, at-most: 2 }")
        let result = WorkflowValidator(registry: EngineTests.registry).validate(bad, file: "s.yaml")
        #expect(
            result.diagnostics.map(\.message) == [
                "the criterion on 'role' says nothing to check: give at-least, at-most, equals or one-of",
                "no value is at least 5 and at most 2",
            ])
    }
}
