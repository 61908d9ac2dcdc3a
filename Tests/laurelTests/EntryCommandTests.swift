import Foundation
import Testing

/// `laurel entry submit` and `entry import` as a person runs them: the unit column, every bad row
/// at once, re-imports, and files that are not UTF-8.
@Suite struct EntryCommandTests {
    /// A temporary folder with a database, removed by the caller.
    struct Place {
        var folder: URL
        var database: [String] { ["--database", folder.appendingPathComponent("laurel.sqlite").path] }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "laurel-entries-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        func write(_ text: String, to name: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }

        func laurel(_ arguments: [String]) throws -> CLITests.Run { try CLITests.laurel(arguments + database) }

        /// A launched mid-shift exercise video contest, its dates moved on so it takes clips now: its id.
        func launchedClipContest() throws -> String {
            let workflows = try EntryCommandTests.shippedWorkflowsLater(in: self)
            let start = try laurel(["campaign", "start", "mid-shift-exercise-video-2023", "--workflows", workflows])
            #expect(start.status == 0, "\(start.stderr)")
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let launch = try laurel(["campaign", "send", id, "launch", "--idempotency-key", "k1"])
            #expect(launch.status == 0, "\(launch.stderr)")
            return id
        }
    }

    /// The shipped workflows, their dates moved twelve years on (so no deadline has passed when
    /// the test runs, and leap days stay leap days), copied into `place`'s workflows folder.
    static func shippedWorkflowsLater(in place: Place) throws -> String {
        let folder = place.folder.appendingPathComponent("workflows")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shipped = CLITests.packageRoot.appendingPathComponent("workflows")
        let organisations = CLITests.packageRoot.appendingPathComponent("organisations").path
        for file in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where file.hasSuffix(".yaml") {
            var text = try String(contentsOf: shipped.appendingPathComponent(file), encoding: .utf8)
            let year = try Regex(#"\b(20[2-3][0-9])-"#)
            text = text.replacing(year) { match in "\(Int(match.output[1].substring!)! + 12)-" }
            text = text.replacingOccurrences(of: "../organisations", with: organisations)
            try Data(text.utf8).write(to: folder.appendingPathComponent(file))
        }
        return folder.path
    }

    /// For each shipped workflow that takes entries: the kind, a CSV with a `unit` column, and the
    /// events that bring a new campaign to the state that accepts it.
    static let imports: [(workflow: String, kind: String, csv: String, events: [String])] = [
        (
            "capital-initiatives-2022", "initiative",
            "id,unit,title,author,area\nSK-1,kcn-thang-long,Cải tiến dây chuyền hàn,nguyen-van-a,production\n",
            ["launch"]
        ),
        (
            "fecon-initiatives-2024", "initiative",
            "id,unit,title,author,area\nsk-1,ban-thi-cong,Khuôn đúc cọc,Tổ sáng kiến,design\n", ["launch"]
        ),
        (
            "good-at-work-good-at-home-2022", "nomination",
            "id,unit,name,good-labour-title,cultured-family\nn-1,cd-may-10,Nguyễn Thị Hoa,true,true\n", ["launch"]
        ),
        ("good-worker-2023", "good-worker", "id,unit,name\nGW-1,cd-001,Trần Văn Bình\n", ["launch"]),
        ("happy-school-video-2023", "clip", "id,unit,title\nclip-1,th-le-ngoc-han,Trường em\n", ["launch"]),
        (
            "mid-shift-exercise-video-2023", "clip", "id,unit,title\nclip-1,cd-dien-luc,Bài thể dục giữa ca\n",
            ["launch"]
        ),
        ("quarterly-recognition", "evaluation", "id,unit,name,rating\nstaff-1,ban-to-chuc,Lê Thị Thu,excellent\n", []),
        (
            "trade-union-award-22-7", "nominee",
            "id,unit,name,years-as-official,initiative\nde-cu-1,cd-gd-ha-nam,Phạm Văn Sơn,6,Sổ tay điện tử\n", []
        ),
        (
            "workers-month", "worker",
            "id,unit,name,role,years-of-service,difficult-circumstances\nnld-1,cd-mn-hoa-sen,Vũ Thị Cúc,driver,12,true\n",
            []
        ),
    ]

    @Test(
        "entry import fills the unit field from a 'unit' column, for every shipped workflow that accepts entries",
        arguments: imports.map(\.workflow))
    func importWithUnitColumn(_ workflow: String) throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let item = try #require(Self.imports.first { $0.workflow == workflow })
        let workflows = try Self.shippedWorkflowsLater(in: place)
        if workflow == "good-worker-2023" {
            let imported = try place.laurel(["org", "import", "organisations/nam-tu-liem-2023.csv"])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let start = try place.laurel(["campaign", "start", workflow, "--workflows", workflows])
        #expect(start.status == 0, "\(start.stderr)")
        let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for event in item.events {
            let sent = try place.laurel(["campaign", "send", id, event])
            #expect(sent.status == 0, "\(sent.stderr)")
        }
        let csv = try place.write(item.csv, to: "rows.csv")
        let run = try place.laurel(["entry", "import", id, csv, "--kind", item.kind])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "1 entry submitted to \(id)\n")
    }

    @Test("an import reports every bad row at once with its line, and writes nothing")
    func everyBadRow() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let csv = try place.write(
            """
            id,unit,title,link,minutes
            clip-1,cd-a,Bài một,https://example.org/1,3
            clip 2,cd-b,Bài hai,,
            clip-3,cd-c,,,
            clip-4,cd-d,Bài bốn,not-a-url,
            clip-5,cd-e,Bài năm,,three
            clip-1,cd-f,Bài sáu,,

            """, to: "clips.csv")
        let run = try place.laurel(["entry", "import", id, csv, "--kind", "clip"])
        #expect(run.status == 1)
        #expect(
            run.stderr == """
                error: \(csv):3: the entry id 'clip 2' contains a space; an id is letters, digits, '-', '_' and '.'
                error: \(csv):4: field 'title' is required
                error: \(csv):5: field 'link' must be a web address starting with http:// or https://, not 'not-a-url'
                error: \(csv):6: field 'minutes' must be a number like 12 or 3.5 (at most 1,000,000,000,000,000 in size), not 'three'
                error: \(csv):7: entry 'clip-1' is also on line 2; an id is given once
                error: 5 of 6 rows refused; nothing of \(csv) was written

                """)
        let status = try place.laurel(["campaign", "status", id, "--format", "json"])
        #expect(status.stdout.contains("\"entries\": 0"), "\(status.stdout)")
    }

    @Test(
        "rule: re-importing a file whose row changed is refused, naming the row and what changed; the same file again adds nothing and says so"
    )
    func changedRowRefused() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let csv = try place.write("id,unit,title\nclip-1,cd-a,Bài một\nclip-2,cd-b,Bài hai\n", to: "clips.csv")
        #expect(
            try place.laurel(["entry", "import", id, csv, "--kind", "clip"]).stdout == "2 entries submitted to \(id)\n")
        let same = try place.laurel(["entry", "import", id, csv, "--kind", "clip"])
        #expect(same.status == 0)
        #expect(same.stdout == "No new entries: all 2 rows were imported to \(id) before, with the same values\n")
        _ = try place.write(
            "id,unit,title\nclip-1,cd-a,Bài một\nclip-2,cd-b,Bài hai (sửa)\nclip-3,cd-c,Bài ba\n", to: "clips.csv")
        let changed = try place.laurel(["entry", "import", id, csv, "--kind", "clip"])
        #expect(changed.status == 1)
        #expect(
            changed.stderr.contains(
                "\(csv):3: entry 'clip-2' was imported before with other values (title 'Bài hai' is now 'Bài hai (sửa)')"
            ),
            "\(changed.stderr)")
        let status = try place.laurel(["campaign", "status", id, "--format", "json"])
        #expect(status.stdout.contains("\"entries\": 2"), "clip-3 was not written either")
    }

    @Test("a CSV file that is not UTF-8 is refused with its line; a byte order mark and CRLF are fine")
    func encoding() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let latin1 = place.folder.appendingPathComponent("latin1.csv")
        try Data(Array("id,unit,title\r\nclip-1,cd-a,Caf".utf8) + [0xE9] + Array("\r\n".utf8)).write(to: latin1)
        let refused = try place.laurel(["entry", "import", id, latin1.path, "--kind", "clip"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "\(latin1.path):2:16: the file is not valid UTF-8 text (byte 0xE9); save it as UTF-8"),
            "\(refused.stderr)")
        let bom = place.folder.appendingPathComponent("bom.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("id,unit,title\r\nclip-1,cd-a,Cà phê\r\n".utf8)).write(to: bom)
        let taken = try place.laurel(["entry", "import", id, bom.path, "--kind", "clip"])
        #expect(taken.status == 0, "\(taken.stderr)")
        let missing = try place.laurel(["entry", "import", id, place.folder.path, "--kind", "clip"])
        #expect(missing.status == 2 && missing.stderr.contains("it is a folder, not a file"), "\(missing.stderr)")
    }

    @Test(
        "entry submit --unit fills the kind's field of type unit, whatever its name; a different --field value for it is refused"
    )
    func submitUnit() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let workflows = try Self.shippedWorkflowsLater(in: place)
        let id = try place.laurel(["campaign", "start", "happy-school-video-2023", "--workflows", workflows])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try place.laurel(["campaign", "send", id, "launch"]).status == 0)
        let taken = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--id", "c1", "--unit", "th-a", "--field", "title=Trường em",
        ])
        #expect(taken.status == 0, "\(taken.stderr)")
        let twice = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--id", "c2", "--unit", "th-a",
            "--field", "school=th-b", "--field", "title=Lớp em",
        ])
        #expect(twice.status == 1)
        #expect(
            twice.stderr
                == "error: entry 'c2' is given the unit 'th-a' and its field 'school' says 'th-b'; they are one thing, the unit it comes from: give it once\n"
        )
    }
}

/// `laurel results`, `review score`, `ballot vote` and `campaign history` as people read them.
@Suite struct ResultsCommandTests {
    typealias Place = EntryCommandTests.Place

    static let contest = """
        laurel: 1
        id: contest
        title: Cuộc thi video
        timezone: Asia/Ho_Chi_Minh
        entries:
          clip: { fields: { title: { type: text, required: true }, unit: { type: unit } } }
        events:
          close: {}
        councils:
          jury: { members: [a, b], quorum: 2 }
          board: { members: [a, b, c], quorum: 2 }
        initial: collecting
        states:
          collecting:
            accepts: [clip]
            on: { close: judging }
          judging:
            step: council-review
            with: { council: jury, window: P7D, exclude-own-unit: false }
            on: { reviewed: voting, no-quorum: closed }
          voting:
            step: ballot
            with: { council: board, window: P7D, secret: false, only-nominated: true }
            on: { decided: awards, no-quorum: closed }
          awards:
            step: awards-ceremony
            with: { tiers: [{ name: first, count: 1, amount: 2000000 }, { name: second, count: 2, amount: 500000 }] }
            next: closed
          closed: { final: true }
        """

    @Test(
        "results show each winner's name or title, amounts grouped, totals rounded; an open ballot's history shows who voted how"
    )
    func resultsForPeople() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let folder = place.folder.appendingPathComponent("workflows")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(Self.contest.utf8).write(to: folder.appendingPathComponent("contest.yaml"))
        let id = try place.laurel(["campaign", "start", "contest", "--workflows", folder.path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for (clip, title) in [("c1", "Bài thể dục giữa ca"), ("c2", "Khỏe để làm việc"), ("c3", "Vươn vai")] {
            let run = try place.laurel([
                "entry", "submit", id, "--kind", "clip", "--id", clip, "--field", "title=\(title)",
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try place.laurel(["campaign", "send", id, "close"]).status == 0)
        #expect(try place.laurel(["review", "score", id, "--member", "a", "c1=90.333", "c2=70", "c3=80"]).status == 0)
        #expect(try place.laurel(["review", "score", id, "--member", "b", "c1=90", "c2=75.5", "c3=60"]).status == 0)
        let before = try place.laurel(["results", id])
        #expect(
            before.stdout == """
                \(id) has no awards yet (state voting); entries with a result:
                entry  name                  total  reviews
                c1     Bài thể dục giữa ca  180.33        2
                c2     Khỏe để làm việc      145.5        2
                c3     Vươn vai                140        2

                """)
        for (member, approve, reject) in [
            ("a", ["c1", "c2", "c3"], [String]()), ("b", ["c1", "c3"], ["c2"]), ("c", ["c1", "c2", "c3"], []),
        ] {
            let run = try place.laurel(
                ["ballot", "vote", id, "--member", member] + approve.flatMap { ["--for", $0] }
                    + reject.flatMap { ["--against", $0] })
            #expect(run.status == 0, "\(run.stderr)")
        }
        let results = try place.laurel(["results", id])
        #expect(
            results.stdout == """
                \(id) — Cuộc thi video: 3 awards, 3,000,000 VND in all
                rank  tier    entry  name                 total  amount (VND)
                   1  first   c1     Bài thể dục giữa ca      3     2,000,000
                   2  second  c3     Vươn vai                 3       500,000
                   3  second  c2     Khỏe để làm việc         2       500,000

                """, "c1 and c3 have 3 votes each: the review's totals decide")
        let json = try place.laurel(["results", id, "--format", "json"])
        #expect(json.stdout.contains("\"amount\": 2000000") && !json.stdout.contains("amount_vnd"))
        #expect(json.stdout.contains("\"name\": \"Bài thể dục giữa ca\""))
        let csv = try place.laurel(["results", id, "--format", "csv"])
        #expect(
            csv.stdout.hasPrefix(
                "rank,entry,name,tier,total,reviews,amount\n1,c1,Bài thể dục giữa ca,first,3,3,2000000\n"))
        let history = try place.laurel(["campaign", "history", id])
        #expect(history.stdout.contains("vote of b: for c1, c3; against c2"), "\(history.stdout)")
    }

    @Test(
        "messages a person reads: a late timer in days and hours, a negative seed, a folder where a file goes, a Vietnamese id"
    )
    func plainMessages() throws {
        let seed = try CLITests.laurel(["simulate", "workflows/capital-initiatives-2022.yaml", "--seed", "-5"])
        #expect(
            seed.status == 2 && seed.stderr.contains("The value '-5' is invalid for '--seed <n>'"), "\(seed.stderr)")
        let folder = try CLITests.laurel(["simulate", "workflows"])
        #expect(folder.status == 2)
        #expect(
            folder.stderr
                == "error: 'workflows' is a folder; this command runs one workflow file: name one, like 'workflows/capital-initiatives-2022.yaml'\n"
        )
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let org = try place.laurel(["org", "import", "organisations"])
        #expect(org.status == 1)
        #expect(
            org.stdout.contains("organisations:1:1: error: the file cannot be read: it is a folder, not a file"),
            "\(org.stdout)\(org.stderr)")
        #expect(!org.stdout.contains("NSCocoaErrorDomain") && !org.stderr.contains("NSCocoaErrorDomain"))
        let units = try place.write("id,name,level\ncđ-mỹ-đình,Công đoàn Mỹ Đình,grassroots\n", to: "units.csv")
        let vietnamese = try place.laurel(["org", "import", units])
        #expect(vietnamese.status == 1)
        #expect(
            vietnamese.stdout.contains(
                "error: the id must be a name of ASCII letters (a to z, without diacritics), digits, '-' and '_', starting with a letter or digit, got 'cđ-mỹ-đình'"
            ))
        #expect(vietnamese.stdout.contains("note: as a name it reads 'cd-my-dinh'"))
    }
}

/// What hostile or careless input does to the commands: refused with the reason, or shown safely.
@Suite struct HostileInputTests {
    typealias Place = EntryCommandTests.Place

    @Test(
        "numbers in exotic forms, a field given twice and a column named twice are refused, not read as something else")
    func strictValues() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        for (value, shown) in [
            ("1e20", "1e20"), ("0x1F", "0x1F"), ("0x1p3", "0x1p3"), ("inf", "inf"), ("1e300", "1e300"),
        ] {
            let run = try place.laurel([
                "entry", "submit", id, "--kind", "clip", "--id", "c1", "--unit", "cd-a", "--field", "title=T",
                "--field", "minutes=\(value)",
            ])
            #expect(
                run.status == 1 && run.stderr.contains("field 'minutes' must be a number like 12 or 3.5"),
                "\(shown): \(run.stderr)")
        }
        let twice = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--id", "c1", "--unit", "cd-a", "--field", "title=A", "--field",
            "title=B",
        ])
        #expect(twice.status == 1 && twice.stderr == "error: field 'title' is given twice; give each field once\n")
        let csv = try place.write("id,unit,title,title\nc1,cd-a,A,B\n", to: "twice.csv")
        let header = try place.laurel(["entry", "import", id, csv, "--kind", "clip"])
        #expect(header.status == 1 && header.stderr.contains("the column 'title' is named twice"), "\(header.stderr)")
        let units = try place.write("id,name,level\nq1,Công ty \"Sao Mai\",district\n", to: "units.csv")
        let org = try place.laurel(["org", "import", units])
        #expect(
            org.status == 1 && org.stdout.contains("[csv-syntax]") && !org.stdout.contains("[yaml-syntax]"),
            "\(org.stdout)")
        let stray = try place.write("id,unit,title\nc1,cd-a,Công ty \"Sao Mai\"\n", to: "stray.csv")
        let quote = try place.laurel(["entry", "import", id, stray, "--kind", "clip"])
        #expect(
            quote.status == 1 && quote.stderr.contains("stray.csv:2:17: a double quote inside a cell"),
            "\(quote.stderr)")
    }

    @Test("a name holding a newline or a terminal escape is shown with them visible, never as a new line or a colour")
    func namesShownSafely() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let units = try place.write(
            "id,name,level\nq1,\"Quận 1\nFAKE LINE\",district\nq2,Quận\u{1B}[31m 2,district\n", to: "units.csv")
        let imported = try place.laurel(["org", "import", units])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let list = try place.laurel(["org", "list"])
        #expect(!list.stdout.contains("\u{1B}") && list.stdout.contains(#"Quận\u{1B}[31m 2"#), "\(list.stdout)")
        #expect(list.stdout.contains(#"Quận 1\nFAKE LINE"#) && !list.stdout.contains("\nFAKE LINE"), "\(list.stdout)")
    }
}
