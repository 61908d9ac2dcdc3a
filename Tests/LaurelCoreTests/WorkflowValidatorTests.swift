import Foundation
import LaurelCore
import LaurelYAML
import Testing

/// A plugin declared only for these tests, so the core is tested without the shipped plugins.
enum Collect: StepPlugin {
    static let kind = "collect"
    static let summary = "Collects entries until a deadline."
    static let parameters = [
        ParameterSpec("metric", .metric, required: true, summary: "metric", example: "metric: ideas"),
        ParameterSpec("until", .deadline, required: true, summary: "deadline", example: "until: 2030-01-01"),
        ParameterSpec(
            "levels",
            .list(
                .record([
                    ParameterSpec("name", .text, required: true, summary: "name", example: "name: a"),
                    ParameterSpec(
                        "count", .integer(minimum: 1, maximum: 10), required: true, summary: "count",
                        example: "count: 1"),
                ]), minimumCount: 1), summary: "levels", example: "levels: []"),
    ]
    static let outcomes = [OutcomeSpec("done", summary: "done")]
    static let outcomeValues = [OutcomeValueSpec("count", .number, summary: "count")]

    static func check(_ parameters: ParameterValues, context: StepCheckContext) -> [StepProblem] {
        (parameters["levels"]?.list ?? []).count > 2 ? [StepProblem("at most two levels", at: ["levels", "2"])] : []
    }
}

enum AlsoCollect: StepPlugin {
    static let kind = "collect"
    static let summary = ""
    static let parameters: [ParameterSpec] = []
    static let outcomes: [OutcomeSpec] = []
}

@Suite struct WorkflowValidatorTests {
    let validator = WorkflowValidator(registry: try! PluginRegistry([Collect.self]))

    static let valid = """
        laurel: 1
        id: ideas
        title: Ideas
        timezone: Europe/Berlin
        entries:
          idea: { fields: { title: { type: text } } }
        metrics:
          ideas: { count: idea }
        events:
          start: {}
        initial: waiting
        states:
          waiting:
            on: { start: collecting }
          collecting:
            step: collect
            accepts: [idea]
            with: { metric: ideas, until: 2030-01-01, levels: [{ name: a, count: 1 }] }
            on:
              done:
                - if: outcome.count > 3 and metrics.ideas > 3
                  goto: closed
                - goto: closed
          closed: { final: true }
        """

    private func codes(_ text: String) -> [String] {
        validator.validate(text, file: "w.yaml").diagnostics.map {
            "\($0.location.line):\($0.location.column) \($0.code)"
        }
    }

    @Test("a valid file gives a typed workflow")
    func valid() throws {
        let result = validator.validate(Self.valid, file: "w.yaml")
        #expect(result.diagnostics.isEmpty)
        let workflow = try #require(result.workflow)
        #expect(workflow.timeZone == "Europe/Berlin")
        #expect(workflow.states.map(\.name) == ["waiting", "collecting", "closed"])
        let step = try #require(workflow.state(named: "collecting")?.step)
        #expect(step.parameters["until"]?.dateTime == DateTimeSpec(date: LocalDate(year: 2030, month: 1, day: 1)!))
        #expect(step.parameters["levels"]?.list?.first?.record?["count"] == .integer(1))
        #expect(
            workflow.state(named: "collecting")?.handlers.first?.branches.first?.condition?.source
                == "outcome.count > 3 and metrics.ideas > 3")
    }

    @Test("several problems of one file are all reported, in file order")
    func allProblems() {
        let broken = Self.valid
            .replacingOccurrences(of: "Europe/Berlin", with: "Europe/Berln")
            .replacingOccurrences(of: "until: 2030-01-01", with: "until: 2030-01-32")
            .replacingOccurrences(of: "count: 1 }", with: "count: 11 }")
            .replacingOccurrences(of: "- goto: closed", with: "- goto: close")
        #expect(
            codes(broken) == [
                "4:11 unknown-timezone", "18:43 invalid-date", "18:74 invalid-value", "23:17 unknown-state",
            ])
    }

    @Test("a plugin's own check points into its parameters")
    func pluginCheck() {
        let text = Self.valid.replacingOccurrences(
            of: "levels: [{ name: a, count: 1 }]",
            with: "levels: [{ name: a, count: 1 }, { name: b, count: 1 }, { name: c, count: 1 }]")
        let result = validator.validate(text, file: "w.yaml")
        #expect(result.diagnostics.map(\.message) == ["at most two levels"])
        #expect(result.diagnostics.first?.location.column == 102)
    }

    @Test("past deadlines are a warning only when a time is given")
    func pastDeadline() {
        let now2031: Int64 = 1_924_992_000
        #expect(validator.validate(Self.valid, file: "w.yaml").diagnostics.isEmpty)
        let result = validator.validate(Self.valid, file: "w.yaml", now: now2031)
        #expect(result.diagnostics.map(\.code) == [.deadlinePassed])
        #expect(result.workflow != nil, "a warning does not stop the workflow")
    }

    @Test("a registry refuses two plugins of one kind")
    func duplicateKind() {
        #expect(throws: PluginRegistry.DuplicateKind.self) { try PluginRegistry([Collect.self, AlsoCollect.self]) }
    }

    @Test("the schema has the plugin's parameters")
    func schema() {
        let rendered = WorkflowSchema.make(registry: validator.registry).rendered()
        #expect(rendered.contains("\"const\": \"collect\""))
        #expect(rendered.contains("\"levels\""))
    }
}

@Suite struct DiagnosticRendererTests {
    @Test("compiler form with the source line, a caret and notes")
    func text() {
        var renderer = DiagnosticRenderer()
        renderer.addSource("a: 1\n\tb: phase-3\n", file: "x.yaml")
        let diagnostic = Diagnostic.error(
            .unknownState, "state 'phase-3' is not defined (did you mean 'phase-2'?)",
            at: SourceLocation(file: "x.yaml", line: 2, column: 5),
            notes: [
                .init("defined here", at: SourceLocation(file: "x.yaml", line: 1, column: 1)),
                .init("a hint"),
            ])
        #expect(
            renderer.text(diagnostic) == """
                x.yaml:2:5: error: state 'phase-3' is not defined (did you mean 'phase-2'?) [unknown-state]
                 2 | \tb: phase-3
                   | \t   ^
                x.yaml:1:1: note: defined here
                 1 | a: 1
                   | ^
                    note: a hint

                """)
    }

    @Test("JSON for tools")
    func json() {
        let diagnostic = Diagnostic.warning(
            .deadlinePassed, "past \"now\"", at: SourceLocation(file: "x.yaml", line: 3, column: 7))
        #expect(
            DiagnosticRenderer.json([diagnostic]).rendered(pretty: false)
                == #"[{"file":"x.yaml","line":3,"column":7,"severity":"warning","code":"deadline-passed","message":"past \"now\""}]"#
        )
    }
}

@Suite struct DiagnosticCodeTests {
    @Test("codes are unique")
    func unique() {
        #expect(Set(DiagnosticCode.all.map(\.rawValue)).count == DiagnosticCode.all.count)
    }
}
