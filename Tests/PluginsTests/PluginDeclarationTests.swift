import AnnouncePlugin
import AwardsCeremonyPlugin
import BallotPlugin
import CascadePlugin
import CouncilReviewPlugin
import LaurelCore
import LaurelPlugins
import NominatePlugin
import NotifyPlugin
import PhaseTargetPlugin
import ScreeningPlugin
import Testing

@Suite struct PluginDeclarationTests {
    /// The built-in plugins, from the one registry the tool ships.
    static var plugins: [any StepPlugin.Type] { BuiltInPlugins.types }

    @Test(
        "each plugin declares a stable kind, unique outcomes and documented parameters",
        arguments: [
            "announce", "phase-target", "council-review", "awards-ceremony", "ballot", "nominate", "screening",
            "notify", "cascade",
        ])
    func declaration(_ kind: String) throws {
        let registry = try PluginRegistry(Self.plugins)
        let plugin = try #require(registry.plugin(kind: kind))
        #expect(!plugin.outcomes.isEmpty)
        #expect(Set(plugin.outcomes.map(\.name)).count == plugin.outcomes.count)
        #expect(Set(plugin.parameters.map(\.name)).count == plugin.parameters.count)
        for parameter in plugin.parameters {
            #expect(
                !parameter.summary.isEmpty && parameter.example.hasPrefix("\(parameter.name):"),
                "\(kind).\(parameter.name) needs a summary and an example that starts with its name")
            #expect(
                !(parameter.isRequired && parameter.defaultValue != nil),
                "\(kind).\(parameter.name) is required and defaulted")
        }
    }

    @Test("phase-target ends by target or deadline, as `on:` keys")
    func phaseTargetOutcomes() {
        #expect(PhaseTarget.outcomes.map(\.name) == ["target-reached", "deadline"])
        #expect(PhaseTarget.parameters.filter(\.isRequired).map(\.name) == ["metric", "target"])
    }

    @Test("every example in the declarations is valid in a workflow")
    func examplesValidate() throws {
        let registry = try PluginRegistry(Self.plugins)
        let validator = WorkflowValidator(registry: registry)
        for plugin in Self.plugins {
            for parameter in plugin.parameters {
                let text = workflow(step: plugin.kind, with: parameter.example, plugin: plugin, skip: parameter.name)
                let result = validator.validate(text, file: "\(plugin.kind).yaml")
                #expect(
                    result.diagnostics.isEmpty,
                    "\(plugin.kind): \(parameter.example): \(result.diagnostics.map(\.message))")
            }
        }
    }

    @Test("awards-ceremony refuses two tiers with one name")
    func duplicateTier() {
        let values = ParameterValues(values: [
            "tiers": .list([
                .record(ParameterValues(values: ["name": .text("first"), "count": .integer(1)])),
                .record(ParameterValues(values: ["name": .text("first"), "count": .integer(2)])),
            ])
        ])
        let problems = AwardsCeremony.check(values, context: StepCheckContext(councilMembers: [:], timeZone: "UTC"))
        #expect(
            problems == [
                StepProblem(
                    "two prize tiers are named 'first'; each tier needs its own name", at: ["tiers", "1", "name"])
            ])
    }

    /// A workflow using one step with the required parameters plus one example line.
    private func workflow(step: String, with example: String, plugin: any StepPlugin.Type, skip: String) -> String {
        let required: [String: String] = [
            "metric": "metric: ideas", "target": "target: 10", "until": "until: 2030-01-01",
            "council": "council: jury", "window": "window: P7D", "audience": "audience: everyone",
            "tiers": "tiers: [{ name: first, count: 1 }]",
            "criteria": "criteria: [{ field: title, at-least: 1 }]",
            "to": "to: [organisers]", "message": "message: Done",
            "workflow": "workflow: child", "level": "level: grassroots", "entries": "entries: nomination",
        ]
        var lines = plugin.parameters.filter { $0.isRequired && $0.name != skip }.map { "      " + required[$0.name]! }
        // A phase needs one of 'until' and 'window' (its own check); give 'until' unless the example is one of them.
        if plugin.kind == "phase-target", skip != "until", skip != "window" { lines.append("      until: 2030-01-01") }
        // A nomination needs a quota, and a close unless it chooses the top-ranked.
        if plugin.kind == "nominate" {
            if !["quota", "share", "per-level"].contains(skip) { lines.append("      quota: 5") }
            if !["until", "window", "select"].contains(skip) { lines.append("      window: P30D") }
        }
        // A cascade needs one of 'until' and 'window'.
        if plugin.kind == "cascade", skip != "until", skip != "window" { lines.append("      window: P30D") }
        // A tie-break names criteria of the rubric: give the rubric of its own example.
        if plugin.kind == "council-review", skip == "tie-break" {
            lines.append("      " + CouncilReview.rubric.example)
        }
        lines.append("      " + example)
        let on = plugin.outcomes.map { "      \($0.name): closed" }.joined(separator: "\n")
        return """
            laurel: 1
            id: example
            title: Example
            timezone: Asia/Ho_Chi_Minh
            entries:
              initiative: { fields: { title: { type: text } } }
              nomination: { fields: { name: { type: text } } }
            metrics:
              initiatives: { count: initiative }
              ideas: { count: initiative }
            councils:
              jury: { members: [a, b, c], quorum: 2 }
              scientific: { members: [a, b, c] }
              emulation: { members: [a, b, c, d, e], quorum: 2/3 }
            initial: run
            states:
              run:
                step: \(step)
                with:
            \(lines.joined(separator: "\n"))
                on:
            \(on)
              closed: { final: true }
            """
    }
}
