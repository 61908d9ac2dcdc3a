import Foundation
import LaurelCore
import LaurelPlugins
import Testing

@testable import laurel

/// The broken workflow files in Fixtures/invalid and Fixtures/warnings, each compared whole with
/// its `.expected` rendering: every line, column, message, caret and note.
@Suite struct FixtureTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    /// Deadlines are judged as of this instant (2026-01-01T00:00Z) so the goldens do not age.
    static let asOf: Int64 = 1_767_225_600

    static func names(_ folder: String) -> [String] {
        let files =
            (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(folder).path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { "\(folder)/\($0)" }.sorted()
    }

    static func render(_ name: String) throws -> (text: String, diagnostics: [Diagnostic]) {
        let bytes = Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
        let result = WorkflowValidator(registry: BuiltInPlugins.registry).validate(bytes, file: name, now: asOf)
        var renderer = DiagnosticRenderer()
        renderer.addSource(String(decoding: bytes, as: UTF8.self), file: name)
        return (renderer.text(result.diagnostics), result.diagnostics)
    }

    static func expected(_ name: String) throws -> String {
        let url = fixtures.appendingPathComponent(String(name.dropLast(".yaml".count)) + ".expected")
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test("there are at least 40 broken workflow files")
    func enoughFixtures() {
        #expect(Self.names("invalid").count >= 40)
    }

    @Test("each broken file yields exactly its expected diagnostics", arguments: names("invalid"))
    func invalid(_ name: String) throws {
        let (text, diagnostics) = try Self.render(name)
        #expect(text == (try Self.expected(name)))
        #expect(diagnostics.hasErrors, "a file in invalid/ must have an error")
    }

    @Test("each suspicious but legal file yields its warnings and no error", arguments: names("warnings"))
    func warnings(_ name: String) throws {
        let (text, diagnostics) = try Self.render(name)
        #expect(text == (try Self.expected(name)))
        #expect(!diagnostics.hasErrors)
    }

    @Test("valid files have no diagnostics", arguments: names("valid"))
    func valid(_ name: String) throws {
        #expect(try Self.render(name).diagnostics.isEmpty)
    }

    @Test("the registry of this build has the plugins of Package.swift's stepPlugins")
    func registry() {
        #expect(
            BuiltInPlugins.registry.kinds == [
                "announce", "awards-ceremony", "ballot", "cascade", "council-review", "nominate", "notify",
                "phase-target", "screening",
            ])
    }
}
