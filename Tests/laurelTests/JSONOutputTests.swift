import Foundation
import Testing

/// Every `--format json` output names its keys one way, snake_case, so a program reading several
/// commands needs one convention (README, "Commands").
@Suite struct JSONOutputTests {
    /// Every key of every object in `value`, at any depth.
    static func keys(_ value: Any) -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set(object.keys)) { $0.formUnion(keys($1.value)) }
        }
        if let array = value as? [Any] { return array.reduce(into: Set()) { $0.formUnion(keys($1)) } }
        return []
    }

    @Test("rule: the JSON of status, history, list, submit, results, simulate and validate has snake_case keys only")
    func snakeCaseKeys() throws {
        let place = try EntryCommandTests.Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let runs = [
            try place.laurel([
                "entry", "submit", id, "--kind", "clip", "--unit", "cd-dien-luc", "--field", "title=Bài một",
                "--format",
                "json",
            ]),
            try place.laurel(["campaign", "status", id, "--format", "json"]),
            try place.laurel(["campaign", "history", id, "--format", "json"]),
            try place.laurel(["campaign", "list", "--format", "json"]),
            try place.laurel(["results", id, "--format", "json"]),
            try CLITests.laurel(
                ["simulate", "workflows/capital-initiatives-2022.yaml", "--format", "json"], timeout: 60),
            try CLITests.laurel(["validate", "Tests/laurelTests/Fixtures/warnings", "--format", "json"]),
        ]
        var seen = Set<String>()
        for run in runs {
            let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
            seen.formUnion(Self.keys(json))
        }
        let others = seen.filter { $0.wholeMatch(of: /[a-z0-9]+(_[a-z0-9]+)*/) == nil }
        #expect(others.isEmpty, "keys not in snake_case: \(others.sorted())")
        #expect(seen.contains("late_by_s") && seen.contains("final_state"), "the outputs were read: \(seen.sorted())")
    }
}
