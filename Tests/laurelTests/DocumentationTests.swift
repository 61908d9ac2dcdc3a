import Foundation
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

    @Test("the plugin reference in docs/plugins.md is what `laurel plugins --format markdown` prints")
    func pluginReference() throws {
        let docs = try Self.read("docs/plugins.md")
        let start = try #require(docs.range(of: "do not edit by hand -->\n"))
        let end = try #require(docs.range(of: "<!-- end of generated reference -->"))
        #expect(String(docs[start.upperBound..<end.lowerBound]) == PluginDocumentation.markdown(BuiltInPlugins.registry),
                "regenerate the reference with 'laurel plugins --format markdown'")
    }
}
