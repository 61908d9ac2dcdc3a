import Foundation
import LaurelPlugins
import Testing

@testable import LaurelCore
@testable import laurel

/// The docs that derive from declarations stay in step with them.
@Suite struct DocumentationTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: CLITests.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("docs/workflow-language.md documents every key")
    func languageKeys() throws {
        let docs = try Self.read("docs/workflow-language.md")
        for key in WorkflowDecoder.topLevelKeys + WorkflowDecoder.stateKeys {
            #expect(docs.contains("### `\(key)`"), "docs/workflow-language.md lacks a section for '\(key)'")
        }
    }

    @Test("the language server's copy of docs/workflow-language.md (its hovers quote it) is the docs' own")
    func languageServerCopy() throws {
        #expect(
            try Self.read("Sources/LaurelLSP/Resources/workflow-language.md") == Self.read("docs/workflow-language.md"),
            "run: cp docs/workflow-language.md Sources/LaurelLSP/Resources/workflow-language.md")
    }

    @Test("the plugin reference in docs/plugins.md is what `laurel plugins --format markdown` prints")
    func pluginReference() throws {
        let docs = try Self.read("docs/plugins.md")
        let start = try #require(docs.range(of: "do not edit by hand -->\n"))
        let end = try #require(docs.range(of: "<!-- end of generated reference -->"))
        #expect(
            String(docs[start.upperBound..<end.lowerBound]) == PluginDocumentation.markdown(BuiltInPlugins.registry),
            "regenerate the reference with 'laurel plugins --format markdown'")
    }

    @Test("the README, the language reference and the organisation page name the steps this build has")
    func stepsNamedEverywhere() throws {
        let kinds = BuiltInPlugins.registry.kinds
        let readme = try Self.read("README.md")
        #expect(
            readme.contains("the steps of this build are \(Suggestions.list(kinds, conjunction: "and"))"),
            "README's transcript")
        let language = try Self.read("docs/workflow-language.md")
        let stepSection = try #require(language.range(of: "### `step`")).upperBound
        let section = language[stepSection...].prefix(600)
        for kind in kinds { #expect(section.contains("`\(kind)`"), "docs/workflow-language.md's `step` names \(kind)") }
        #expect(!(try Self.read("docs/organisation.md")).contains("not built"))
        let ignored = try Self.read(".gitignore")
        #expect(ignored.contains("demo.sqlite"), "the demo database the README suggests is not committed by mistake")
    }
}
