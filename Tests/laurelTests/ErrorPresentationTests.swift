import Foundation
import Testing

/// Every error reaches people in one place: a line per problem on standard error, or with
/// `--format json` one object naming its code; exit 2 for a wrong command line, 1 otherwise.
@Suite struct ErrorPresentationTests {
    /// The object `--format json` writes on standard error.
    struct Problem: Decodable {
        var error: String
        var message: String
        var problems: [Line]

        struct Line: Decodable {
            var at: Int
            var message: String
        }
    }

    static func problem(_ run: CLITests.Run) throws -> Problem {
        try JSONDecoder().decode(Problem.self, from: Data(run.stderr.utf8))
    }

    @Test(
        "rule: an engine refusal, an unknown campaign and a bad field each exit 1 with their code, and change nothing")
    func refusalsAndInput() throws {
        let place = try EntryCommandTests.Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let before = try place.laurel(["campaign", "history", id, "--format", "json"]).stdout

        let again = try place.laurel(["campaign", "send", id, "launch"])
        #expect(again.status == 1 && again.stderr.hasPrefix("error: ") && again.stdout.isEmpty, "\(again.stderr)")
        let refused = try Self.problem(try place.laurel(["campaign", "send", id, "launch", "--format", "json"]))
        #expect(
            refused.error == "refused" && refused.message == again.stderr.dropFirst(7).trimmingCharacters(in: .newlines)
        )

        let missing = try place.laurel(["campaign", "send", "no-such-campaign", "launch", "--format", "json"])
        #expect(missing.status == 1)
        #expect(try Self.problem(missing).error == "not-found")

        let field = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--unit", "cd-dien-luc", "--field", "title=Bài một",
            "--field", "minutes=many", "--format", "json",
        ])
        #expect(field.status == 1)
        #expect(try Self.problem(field).error == "invalid-input", "\(field.stderr)")

        #expect(
            try place.laurel(["campaign", "history", id, "--format", "json"]).stdout == before, "nothing was logged")
    }

    @Test("rule: an import with bad rows names each row, says its code, and writes nothing")
    func importProblems() throws {
        let place = try EntryCommandTests.Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let before = try place.laurel(["campaign", "history", id, "--format", "json"]).stdout
        let file = try place.write(
            "id,kind,unit,title\na,clip,cd-dien-luc,First\nb,nonsense,cd-dien-luc,Second\n"
                + "c,clip,cd-dien-luc,Third\nc,clip,cd-dien-luc,Again\n", to: "rows.csv")
        let run = try place.laurel(["entry", "import", id, file, "--format", "json"])
        #expect(run.status == 1)
        let problem = try Self.problem(run)
        #expect(problem.error == "invalid-input")
        #expect(problem.problems.map(\.at) == [3, 5], "\(run.stderr)")
        #expect(problem.message.hasSuffix("nothing of \(file) was written"))
        #expect(
            try place.laurel(["campaign", "history", id, "--format", "json"]).stdout == before, "nothing was logged")
    }

    @Test("rule: a store error is said in words with the code unavailable, exit 1; a wrong command line exits 2")
    func storeAndUsage() throws {
        let place = try EntryCommandTests.Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let notADatabase = try place.write("these are not the droids\n", to: "notes.sqlite")
        let store = try CLITests.laurel(["campaign", "list", "--database", notADatabase, "--format", "json"])
        #expect(store.status == 1)
        let problem = try Self.problem(store)
        #expect(problem.error == "unavailable" && problem.message.contains("not a Laurel database"), "\(store.stderr)")
        #expect(try String(contentsOfFile: notADatabase, encoding: .utf8) == "these are not the droids\n")

        let folder = try place.laurel([
            "campaign", "start", "anything", "--workflows", "/no/such/folder", "--format", "json",
        ])
        #expect(folder.status == 2)
        #expect(try Self.problem(folder).error == "invalid-request")
        #expect(!FileManager.default.fileExists(atPath: place.folder.appendingPathComponent("laurel.sqlite").path))
    }
}
