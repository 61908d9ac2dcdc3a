import Foundation
import LaurelCore
import Testing

/// End-to-end tests: they run the built `laurel` binary as a person would and check its output
/// and exit status.
@Suite struct CLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("laurel")

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `laurel` in the package root; a run that outlasts `timeout` seconds is killed and fails.
    static func laurel(_ arguments: [String], timeout: Double = 20) throws -> Run {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("laurel \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    static func temporaryFile(_ bytes: [UInt8], name: String = "input.yaml") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test("the shipped workflows are valid")
    func shippedWorkflows() throws {
        let run = try Self.laurel(["validate", "workflows/", "--as-of", "2022-01-01"])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout == "Checked 9 files: no problems.\n")
        let today = try Self.laurel(["validate", "workflows"])
        #expect(today.status == 0, "past deadlines are warnings, not errors")
    }

    @Test("a broken file exits 1 and prints compiler-style diagnostics")
    func brokenFile() throws {
        let run = try Self.laurel(["validate", "Tests/laurelTests/Fixtures/invalid/several-errors.yaml"])
        #expect(run.status == 1)
        let lines = run.stdout.split(separator: "\n")
        #expect(
            lines.first
                == "Tests/laurelTests/Fixtures/invalid/several-errors.yaml:4:11: error: 'Asia/Hanoi' is not an IANA time zone name (did you mean 'Asia/Ho_Chi_Minh'?) [unknown-timezone]"
        )
        #expect(lines.filter { $0.contains(": error: ") }.count == 4)
        #expect(lines.last == "Checked 1 file: 4 errors, 0 warnings.")
    }

    @Test("a folder is searched and every file reported")
    func folder() throws {
        let run = try Self.laurel(["validate", "Tests/laurelTests/Fixtures/invalid", "--as-of", "2026-01-01"])
        #expect(run.status == 1)
        #expect(run.stdout.hasSuffix("errors, 0 warnings.\n"))
        #expect(run.stdout.contains("invalid/version-2.yaml:1:9: error:"))
    }

    @Test("--format json prints an array of diagnostics")
    func json() throws {
        let run = try Self.laurel([
            "validate", "--format", "json", "Tests/laurelTests/Fixtures/invalid/unknown-target-state.yaml",
        ])
        #expect(run.status == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(array[0]["file"] as? String == "Tests/laurelTests/Fixtures/invalid/unknown-target-state.yaml")
        #expect(array[0]["line"] as? Int == 24)
        #expect(array[0]["column"] as? Int == 17)
        #expect(array[0]["severity"] as? String == "error")
        #expect(array[0]["code"] as? String == "unknown-state")
        #expect(array[0]["message"] as? String == "state 'close' is not defined (did you mean 'closed'?)")
        let clean = try Self.laurel(["validate", "--format", "json", "--as-of", "2022-01-01", "workflows"])
        #expect(clean.stdout == "[]\n" && clean.status == 0)
    }

    @Test(
        "usage errors exit 2 with a message",
        arguments: [
            ["validate", "no/such/file.yaml"], ["validate", "--format", "xml", "workflows"], ["validate", "--bogus"],
            ["validate", "--as-of", "yesterday", "workflows"], ["nonsense"], ["validate", "docs"],
            ["serve", "--demo", "--speed", "1e19"], ["serve", "--demo", "--speed", "nan"],
            ["campaign", "send", "x", "launch", "--idempotency-key", "a key\u{1B}[31m"],
        ])
    func usageErrors(_ arguments: [String]) throws {
        let run = try Self.laurel(arguments)
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
    }

    @Test(
        "--help on each command and --version",
        arguments: [["--help"], ["validate", "--help"], ["schema", "--help"], ["plugins", "--help"]])
    func help(_ arguments: [String]) throws {
        let run = try Self.laurel(arguments)
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE:"))
    }

    @Test("--version")
    func version() throws {
        let run = try Self.laurel(["--version"])
        #expect(run.status == 0 && run.stdout == "0.1.0\n")
    }

    @Test("the committed schema is what `laurel schema` prints")
    func schema() throws {
        let run = try Self.laurel(["schema"])
        #expect(run.status == 0)
        _ = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        let committed = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("docs/laurel.schema.json"), encoding: .utf8)
        #expect(run.stdout == committed, "run 'laurel schema > docs/laurel.schema.json'")
        #expect(run.stdout.contains("\"until\""))
    }

    @Test("plugins are listed with parameters and outcomes, for people and programs")
    func plugins() throws {
        let text = try Self.laurel(["plugins"])
        #expect(text.status == 0 && text.stdout.contains("phase-target\n") && text.stdout.contains("target-reached:"))
        let json = try Self.laurel(["plugins", "--format", "json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(
            array.compactMap { $0["kind"] as? String } == [
                "announce", "awards-ceremony", "ballot", "cascade", "council-review", "nominate", "notify",
                "phase-target", "screening",
            ])
        let phase = try #require(array.first { $0["kind"] as? String == "phase-target" })
        #expect(
            (phase["outcomes"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                "target-reached", "deadline",
            ])
        #expect(
            (phase["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                "metric", "target", "until", "window", "end-early",
            ])
    }

    @Test(
        "hostile input ends with a diagnostic and exit 1, never a crash or a hang",
        arguments: ["random", "truncated", "deep", "bomb", "huge-scalar", "binary"])
    func hostile(_ kind: String) throws {
        var bytes: [UInt8]
        switch kind {
        case "random":
            var state: UInt64 = 7
            bytes = (0..<4096).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
        case "truncated":
            let shipped = try Data(
                contentsOf: Self.packageRoot.appendingPathComponent("workflows/capital-initiatives-2022.yaml"))
            bytes = Array(shipped.prefix(shipped.count / 3))
        case "deep":
            bytes = Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8)
        case "bomb":
            var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            for (previous, name) in zip("abcdefgh", "bcdefghi") {
                text +=
                    "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            }
            bytes = Array(text.utf8)
        case "huge-scalar":
            bytes = Array("laurel: 1\ntitle: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 20 << 20)
        default:
            bytes = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00]
        }
        let file = try Self.temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let run = try Self.laurel(["validate", file.path], timeout: 10)
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("\(file.path):"))
        #expect(run.stdout.contains(": error: "))
    }

    @Test("docs/diagnostics.md explains every code")
    func diagnosticsDocs() throws {
        let docs = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        for code in DiagnosticCode.all {
            #expect(docs.contains("### `\(code.rawValue)`"), "docs/diagnostics.md lacks \(code.rawValue)")
        }
    }

    @Test("org import writes the sample organisation; a file with errors is refused whole, with file:line:column")
    func orgImport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-org-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("org.sqlite").path
        let imported = try Self.laurel([
            "org", "import", "organisations/nam-tu-liem-sample.yaml", "--database", database,
        ])
        #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        #expect(imported.stdout.contains("Imported 6 units (1 city, 1 district, 4 grassroots) and 5 people"))
        let bad = try Self.temporaryFile(Array("id,name,unit\np1,Phạm Văn Bảy,nowhere\n".utf8), name: "people.csv")
        defer { try? FileManager.default.removeItem(at: bad.deletingLastPathComponent()) }
        let refused = try Self.laurel(["org", "import", bad.path, "--database", database])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("people.csv:2:17: error: person 'p1' is in the unit 'nowhere'"))
        let people = try Self.laurel(["org", "list", "--people", "--database", database, "--format", "json"])
        #expect(people.status == 0 && people.stdout.contains("Âu Minh Châu"), "the earlier organisation is intact")
        let names = try Self.laurel(["org", "list", "--people", "--database", database]).stdout.split(separator: "\n")
            .map { $0.prefix(4) }
        #expect(names.first == "Âu M" && names.last == "Trần", "Vietnamese order: Â after A, Đ after D, T last")
    }

    @Test("ballot vote casts a paper once; a secret paper's choices appear in no output")
    func ballotVote() throws {
        let workflow = """
            laurel: 1
            id: titles
            title: Emulation titles
            timezone: Asia/Ho_Chi_Minh
            entries:
              nomination: { fields: { name: { type: text, required: true } } }
            events:
              open: {}
            councils:
              emulation: { members: [council/an, council/binh], quorum: 2 }
            initial: nominating
            states:
              nominating:
                accepts: [nomination]
                on: { open: voting }
              voting:
                step: ballot
                with: { council: emulation, window: P3D, approval: "at least 2/3 of members" }
                on: { decided: done, no-quorum: done }
              done: { final: true }
            """
        let file = try Self.temporaryFile(Array(workflow.utf8), name: "titles.yaml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let folder = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = ["--database", folder.appendingPathComponent("t.sqlite").path]
        let start = try Self.laurel(["campaign", "start", "titles", "--workflows", folder.path] + database)
        #expect(start.status == 0, "\(start.stderr)")
        let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for nominee in ["n1", "n2"] {
            let entry = try Self.laurel(
                ["entry", "submit", id, "--kind", "nomination", "--id", nominee, "--field", "name=Trần Văn \(nominee)"]
                    + database)
            #expect(entry.status == 0, "\(entry.stderr)")
        }
        #expect(try Self.laurel(["campaign", "send", id, "open"] + database).status == 0)
        let unknown = try Self.laurel(["ballot", "vote", id, "--member", "council/an", "--for", "n3"] + database)
        #expect(unknown.status == 1 && unknown.stderr.contains("there is no nominee 'n3' in this ballot"))
        let first = try Self.laurel(
            [
                "ballot", "vote", id, "--member", "council/an", "--for", "n1", "--against", "n2",
                "--idempotency-key", "p1",
            ] + database)
        #expect(first.status == 0 && first.stdout.contains("vote of council/an"), "\(first.stderr)")
        let again = try Self.laurel(
            ["ballot", "vote", id, "--member", "council/an", "--for", "n1", "--idempotency-key", "p1"] + database)
        #expect(again.status == 0 && again.stdout.contains("already applied"))
        let twice = try Self.laurel(["ballot", "vote", id, "--member", "council/an", "--for", "n2"] + database)
        #expect(twice.status == 1 && twice.stderr.contains("has already voted in this ballot"))
        let last = try Self.laurel(
            [
                "ballot", "vote", id, "--member", "council/binh", "--for", "n1", "--for", "n2",
                "--format", "json",
            ] + database)
        #expect(last.status == 0 && last.stdout.contains("\"state\": \"done\""), "\(last.stdout)")
        let history = try Self.laurel(["campaign", "history", id, "--format", "json"] + database)
        #expect(
            history.stdout.contains("vote of council/binh") && !history.stdout.contains("n2\\\"")
                && !history.stdout.contains("approve"))
        let results = try Self.laurel(["results", id, "--format", "json"] + database)
        #expect(
            results.status == 0 && results.stdout.contains("\"entry\": \"n1\""), "\(results.stdout)\(results.stderr)")
        #expect(!results.stdout.contains("\"entry\": \"n2\""), "n2 had 1 of 2 votes, short of 2/3 of members")
    }

    @Test("validating a folder checks its files together: one id per file, a cascade's children present and fitting")
    func folderChecks() throws {
        let parent = """
            laurel: 1
            id: district
            title: District
            timezone: Asia/Ho_Chi_Minh
            entries:
              nomination: { fields: { name: { type: text, required: true } } }
            initial: gathering
            states:
              gathering:
                step: cascade
                with: { workflow: grassroots, level: grassroots, entries: nomination, window: P30D }
                on: { gathered: closed, deadline: closed }
              closed: { final: true }
            """
        let child = """
            laurel: 1
            id: grassroots
            title: Grassroots
            timezone: Asia/Ho_Chi_Minh
            inputs:
              unit: { type: text, required: true }
            events:
              close: {}
            initial: open
            states:
              open:
                on: { close: closed }
              closed: { final: true }
            """
        let file = try Self.temporaryFile(Array(parent.utf8), name: "district.yaml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let folder = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try Self.laurel(["validate", file.path])
        #expect(missing.status == 1)
        #expect(
            missing.stdout.contains(
                "district.yaml:11:23: error: the children's workflow 'grassroots' is not in this folder; add its file beside this one, or correct the id [invalid-parameter]"
            ),
            "\(missing.stdout)")

        try Data(child.utf8).write(to: folder.appendingPathComponent("grassroots.yaml"))
        let unfit = try Self.laurel(["validate", folder.path])
        #expect(unfit.status == 1)
        #expect(
            unfit.stdout.contains(
                "error: each child is given its unit in input 'unit', but 'grassroots' declares it as text; declare it 'type: unit'"
            ), "\(unfit.stdout)")
        #expect(
            unfit.stdout.contains("warning: the children's workflow 'grassroots' has no step that chooses entries"),
            "\(unfit.stdout)")

        try Data(child.replacingOccurrences(of: "type: text", with: "type: unit").utf8).write(
            to: folder.appendingPathComponent("grassroots.yaml"))
        try Data(child.replacingOccurrences(of: "type: text", with: "type: unit").utf8).write(
            to: folder.appendingPathComponent("grassroots-copy.yaml"))
        let twice = try Self.laurel(["validate", folder.path])
        #expect(twice.status == 1)
        #expect(
            twice.stdout.contains(
                "grassroots-copy.yaml:2:5: error: the workflow id 'grassroots' is also the id of \(folder.path)/grassroots.yaml; the daemon cannot tell which to start [duplicate-id]"
            ),
            "\(twice.stdout)")
        #expect(
            twice.stdout.contains(
                "grassroots.yaml:2:5: error: the workflow id 'grassroots' is also the id of \(folder.path)/grassroots-copy.yaml"
            ))
        #expect(
            twice.stdout.contains("the children's workflow 'grassroots' is not in this folder"),
            "an ambiguous id names no child")
    }

    @Test("a file of 8,000 mistakes is reported whole, without spending minutes on suggestions")
    func thousandsOfMistakes() throws {
        var lines = [
            "laurel: 1", "id: many", "title: Many", "timezone: Asia/Ho_Chi_Minh", "events:", "  go: {}",
            "initial: state-number-00000", "states:",
        ]
        for number in 0..<8_000 {
            lines.append("  state-number-\(String(repeating: "0", count: 5 - String(number).count))\(number):")
            lines.append("    on: { go: state-numbr-\(number) }")
        }
        let file = try Self.temporaryFile(Array(lines.joined(separator: "\n").utf8), name: "many.yaml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        // Before the budget this took minutes; the runner's time limit fails the test if it hangs.
        let run = try Self.laurel(["validate", file.path], timeout: 60)
        #expect(run.status == 1)
        #expect(run.stdout.hasSuffix("Checked 1 file: 8000 errors, 0 warnings.\n"), "\(run.stdout.suffix(200))")
    }

    @Test("only regular files of at most 4 MB are read: a device, a pipe or a huge file is refused at once")
    func notRegularFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe.yaml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let big = folder.appendingPathComponent("big.yaml")
        try Data(repeating: UInt8(ascii: "a"), count: 5 << 20).write(to: big)
        for (path, reason) in [
            ("/dev/zero", "it is not a regular file"), (fifo, "it is not a regular file"),
            (big.path, "it is 5.0 MB; at most 4.0 MB is read"),
        ] {
            let run = try Self.laurel(["validate", path], timeout: 10)
            #expect(
                run.status == 1 && run.stdout.contains("\(path):1:1: error: the file cannot be read: \(reason)"),
                "\(run.stdout)")
        }
    }

    @Test("organisation data 8,000 units deep imports in moments, and a loop of parents is named once")
    func deepOrganisation() throws {
        var lines = ["id,name,level,parent", "u0,Unit 0,unit,"]
        for index in 1..<8_000 { lines.append("u\(index),Unit \(index),unit,u\(index - 1)") }
        let file = try Self.temporaryFile(Array(lines.joined(separator: "\n").utf8), name: "deep.csv")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let database = file.deletingLastPathComponent().appendingPathComponent("org.sqlite").path
        // Before, 281 s: the runner's time limit fails the test if it is slow again.
        let run = try Self.laurel(["org", "import", file.path, "--database", database], timeout: 60)
        #expect(run.status == 0 && run.stdout.hasPrefix("Imported 8,000 units"), "\(run.stdout)\(run.stderr)")
        let loop = try Self.temporaryFile(
            Array("id,name,level,parent\na,A,unit,c\nb,B,unit,a\nc,C,unit,b\nd,D,unit,a\n".utf8), name: "loop.csv")
        defer { try? FileManager.default.removeItem(at: loop.deletingLastPathComponent()) }
        let refused = try Self.laurel(["org", "import", loop.path, "--database", database])
        #expect(refused.status == 1)
        #expect(refused.stdout.components(separatedBy: "[unit-cycle]").count == 2, "\(refused.stdout)")
        #expect(
            refused.stdout.contains("error: the units a -> c -> b -> a are each other's parents"), "\(refused.stdout)")
    }
}
