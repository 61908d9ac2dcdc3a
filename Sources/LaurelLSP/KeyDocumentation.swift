import Foundation

/// The documentation of each key, read from docs/workflow-language.md as shipped with the build:
/// the sections `### \`key\`` under "Top-level keys" and under "The keys of a state". A hover
/// shows what the docs say, word for word.
struct KeyDocumentation: Sendable {
    var topLevel: [String: String] = [:]
    var state: [String: String] = [:]

    static let shipped: KeyDocumentation = {
        guard let url = Bundle.module.url(forResource: "workflow-language", withExtension: "md"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return KeyDocumentation() }
        return KeyDocumentation(markdown: text)
    }()

    init() {}

    init(markdown: String) {
        var section = ""
        var key: String?
        var lines: [String] = []
        func finish() {
            guard let key else { return }
            let text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if section == "Top-level keys" { topLevel[key] = text }
            if section == "The keys of a state" { state[key] = text }
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                finish()
                key = nil
                lines = []
                section = String(line.dropFirst(3))
            } else if line.hasPrefix("### `"), line.hasSuffix("`") {
                finish()
                key = String(line.dropFirst(5).dropLast())
                lines = []
            } else if key != nil {
                lines.append(String(line))
            }
        }
        finish()
    }

    /// The documentation of `key` in the mapping at `path` (`[]`: the top level; `states`, a
    /// state's name: a state's keys).
    func text(of key: String, path: [String]) -> String? {
        if path.isEmpty { return topLevel[key] }
        if path.count == 2, path[0] == "states" { return state[key] }
        return nil
    }
}
