import Foundation
import LaurelCore
import LaurelYAML
import Testing

/// The worked example of docs/plugins.md ("Writing a plugin"): the text there is the plugin in
/// ConfirmationExample.swift, and it validates, registers and runs as the guide says.
@Suite struct ConfirmationExampleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var registry: PluginRegistry { try! PluginRegistry(PluginDeclarationTests.plugins + [Confirmation.self]) }

    static let workflowText = """
        laurel: 1
        id: results-confirmation
        title: Results confirmation
        timezone: Asia/Ho_Chi_Minh
        events:
          open: {}
        councils:
          board: { members: [an, binh, chi] }
        initial: draft
        states:
          draft:
            on: { open: confirming }
          confirming:
            step: confirmation
            with: { council: board, needed: 2, until: 2024-06-30 }
            on: { confirmed: published, expired: lapsed }
          published: { final: true }
          lapsed: { final: true }
        """

    static let june1: Instant = 1_717_174_800  // 2024-06-01T00:00+07:00

    static func engine(_ text: String = workflowText) throws -> Engine {
        let result = WorkflowValidator(registry: registry).validate(text, file: "confirm.yaml")
        let workflow = try #require(result.workflow, "\(result.diagnostics.map(\.message))")
        return try Engine(workflow: workflow, version: SHA256.hex(Array(text.utf8)), registry: registry)
    }

    static func paper(_ member: String) -> CampaignEvent { .vote(Vote(member: member, choices: [])) }

    @Test("docs/plugins.md shows ConfirmationExample.swift as it is compiled here")
    func guideShowsThisCode() throws {
        let guide = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/plugins.md"), encoding: .utf8)
        let source = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("Tests/PluginsTests/ConfirmationExample.swift"),
            encoding: .utf8)
        let start = try #require(guide.range(of: "<!-- ConfirmationExample.swift -->\n```swift\n"))
        let end = try #require(guide.range(of: "```\n", range: start.upperBound..<guide.endIndex))
        #expect(
            String(guide[start.upperBound..<end.lowerBound]) == source,
            "copy Tests/PluginsTests/ConfirmationExample.swift into the guide's code block")
    }

    @Test("the declaration is registered beside the built-ins and gives the reference its section")
    func registered() throws {
        let plugin = try #require(Self.registry.plugin(kind: "confirmation"))
        #expect(plugin.outcomes.map(\.name) == ["confirmed", "expired"])
        #expect(plugin.parameters.filter(\.isRequired).map(\.name) == ["council", "needed", "until"])
        #expect(PluginDocumentation.markdown(Self.registry).contains("### `confirmation`"))
        #expect(throws: (any Error).self) {
            try PluginRegistry(PluginDeclarationTests.plugins + [Confirmation.self, Confirmation.self])
        }
    }

    @Test("its own check points at the parameter, with the line and column, and says how to fix it")
    func check() throws {
        let result = WorkflowValidator(registry: Self.registry)
            .validate(Self.workflowText.replacingOccurrences(of: "needed: 2", with: "needed: 4"), file: "confirm.yaml")
        #expect(result.workflow == nil)
        let diagnostic = try #require(result.diagnostics.first)
        #expect(
            diagnostic.message
                == "4 confirmations are needed, but council 'board' has 3 members; lower 'needed' or add members")
        // Line 15 is `with: { council: board, needed: 4, … }`: the location is that of `needed`'s value.
        #expect(diagnostic.location.line == 15)
        #expect(diagnostic.location.column == 37)
        #expect(result.diagnostics.count == 1)
    }

    @Test("enough confirmations end the step; a stranger or a second paper from one member is refused")
    func confirms() throws {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("open"), to: try engine.start(id: "c", at: Self.june1).campaign, at: Self.june1
        ).campaign
        campaign = try engine.apply(Self.paper("an"), to: campaign, at: Self.june1).campaign
        #expect(throws: Refusal("'dung' is not a member of council 'board'")) {
            try engine.apply(Self.paper("dung"), to: campaign, at: Self.june1)
        }
        #expect(throws: Refusal("'an' has already confirmed")) {
            try engine.apply(Self.paper("an"), to: campaign, at: Self.june1)
        }
        campaign = try engine.apply(Self.paper("chi"), to: campaign, at: Self.june1).campaign
        #expect(campaign.state == "published" && campaign.status == .finished)
        #expect(campaign.timers.isEmpty, "leaving the state cancelled the deadline")
    }

    @Test("the deadline is the end of its day in the workflow's zone; then the step expires")
    func expires() throws {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("open"), to: try engine.start(id: "c", at: Self.june1).campaign, at: Self.june1
        ).campaign
        campaign = try engine.apply(Self.paper("binh"), to: campaign, at: Self.june1).campaign
        let deadline = try #require(campaign.timers.first)
        #expect(engine.calendar.format(deadline.due) == "2024-07-01 00:00")
        campaign = try engine.apply(.timer(id: deadline.id), to: campaign, at: deadline.due).campaign
        #expect(campaign.state == "lapsed")
        #expect(campaign.transitions.last?.cause == "outcome expired")
    }
}
