import Foundation
import Testing

/// `laurel campaign` commands as a person runs them: what is refused is said, with exit 1, and
/// nothing is reported as done that was not.
@Suite struct CampaignCommandTests {
    typealias Place = EntryCommandTests.Place

    @Test("rule: an event the state does not take is refused with the events it takes, not printed as applied")
    func unhandledEventRefused() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let again = try place.laurel(["campaign", "send", id, "launch"])
        #expect(again.status == 1)
        #expect(again.stderr == "error: state 'submissions' does not take the event 'launch'; it takes 'cancel'\n")
        let history = try place.laurel(["campaign", "history", id, "--format", "json"])
        #expect(
            history.stdout.components(separatedBy: "\"kind\": \"command\"").count == 2, "one launch logged, not two")
    }

    @Test(
        "rule: an idempotency key used again for another command is refused as a conflict; the same command again is a retry"
    )
    func idempotencyConflictRefused() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let retry = try place.laurel(["campaign", "send", id, "launch", "--idempotency-key", "k1"])
        #expect(retry.status == 0 && retry.stdout == "already applied; nothing done again\n")
        let other = try place.laurel(["campaign", "send", id, "cancel", "--idempotency-key", "k1"])
        #expect(other.status == 1)
        #expect(
            other.stderr
                == "error: the id 'command:\(id):k1' was used before for event launch of campaign '\(id)', not for this; nothing was done. Each command needs its own idempotency key\n"
        )
        let status = try place.laurel(["campaign", "status", id, "--format", "json"])
        #expect(status.stdout.contains("\"state\": \"submissions\""), "the cancel was not applied")
        let entry = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--id", "c1", "--unit", "cd-a",
            "--field", "title=Bài một", "--idempotency-key", "e1",
        ])
        #expect(entry.status == 0, "\(entry.stderr)")
        let changed = try place.laurel([
            "entry", "submit", id, "--kind", "clip", "--id", "c2", "--unit", "cd-a",
            "--field", "title=Bài hai", "--idempotency-key", "e1",
        ])
        #expect(changed.status == 1 && changed.stderr.contains("was used before for entry c1"), "\(changed.stderr)")
    }

    @Test(
        "campaign forecast prints the phase target ahead with its dates and calibration, the same for a seed, JSON for programs; a what-if writes nothing; bad options are refused naming the fix"
    )
    func forecast() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let id = try place.launchedClipContest()
        let text = try place.laurel(["campaign", "forecast", id, "--runs", "50"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("Forecast for \(id) as of "), "\(text.stdout)")
        #expect(text.stdout.contains("No whole day of history yet; 7 days drawn from the pace the target needs"))
        #expect(text.stdout.contains("submissions  clips   0    30      2035-09-01 00:00"), "\(text.stdout)")
        #expect(text.stdout.contains("Calibration: the real date fell inside P15–P85 in 79 % of 763 backtests"))
        let json = try place.laurel([
            "campaign", "forecast", id, "--runs", "50", "--seed", "4", "--at", "2035-06-01T00:00Z", "--format", "json",
        ])
        let again = try place.laurel([
            "campaign", "forecast", id, "--runs", "50", "--seed", "4", "--at", "2035-06-01T00:00Z", "--format", "json",
        ])
        #expect(json.status == 0 && json.stdout == again.stdout, "the same seed, the same forecast")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((decoded?["goals"] as? [[String: Any]])?.first?["state"] as? String == "submissions")
        #expect(decoded?["at"] as? String == "2035-06-01 07:00")

        let whatIf = try place.laurel([
            "campaign", "forecast", id, "--runs", "20", "--rate", "2", "--target", "submissions=10",
            "--deadline", "submissions=2035-10-31",
        ])
        #expect(whatIf.status == 0, "\(whatIf.stderr)")
        #expect(
            whatIf.stdout.contains(
                "What if: arrivals × 2, submissions deadline 2035-10-31, submissions target 10 (nothing is written)"),
            "\(whatIf.stdout)")
        let history = try place.laurel(["campaign", "history", id, "--format", "json"])
        #expect(!history.stdout.contains("forecast") && history.stdout.components(separatedBy: "\"id\"").count == 3)

        for (arguments, words) in [
            (["--deadline", "submisions=2035-10-31"], "did you mean 'submissions'"),
            (["--deadline", "submissions"], "write it as STATE=VALUE"),
            (["--target", "submissions=many"], "is not a number"),
            (["--target", "judging=5"], "has no target to forecast"),
            (["--runs", "0"], "runs must be between 1 and 10,000"),
            (["--at", "2035-06-01"], "give a date-time with its offset"),
        ] {
            let refused = try place.laurel(["campaign", "forecast", id] + arguments)
            #expect(refused.status != 0 && refused.stderr.contains(words), "\(arguments): \(refused.stderr)")
        }
    }

    @Test("commands that only read a database never create one: a missing file or folder is said, exit 1")
    func readersDoNotCreate() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let typo = place.folder.appendingPathComponent("typo.sqlite").path
        let nested = place.folder.appendingPathComponent("no/such/folder/laurel.sqlite").path
        for arguments in [
            ["campaign", "list"], ["campaign", "status", "x"], ["campaign", "history", "x"], ["results", "x"],
            ["org", "list"], ["campaign", "send", "x", "launch"], ["entry", "submit", "x", "--kind", "k"],
        ] {
            for database in [typo, nested] {
                let run = try CLITests.laurel(arguments + ["--database", database])
                #expect(run.status == 1, "\(arguments)")
                #expect(
                    run.stderr
                        == "error: the database '\(database)' does not exist; check --database, or start with 'laurel serve' or 'laurel campaign start', which create it\n"
                )
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: place.folder.path).isEmpty, "no file, no folder")
        let folder = try CLITests.laurel(["campaign", "list", "--database", place.folder.path])
        #expect(folder.status == 1 && folder.stderr.contains("is a folder, not a database file"))
    }

    @Test("history says how late a timer fired in days and hours, as the daemon's log does")
    func lateInDaysAndHours() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let folder = place.folder.appendingPathComponent("workflows")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A timer at a fixed instant long past: the command after it fires it first, late.
        try Data(
            """
            laurel: 1
            id: late
            title: Late
            timezone: Asia/Ho_Chi_Minh
            events:
              launch: {}
              close: {}
            initial: draft
            states:
              draft:
                on: { launch: waiting }
              waiting:
                timers:
                  - at: 2020-01-01T08:00
                    goto: open
              open:
                on: { close: closed }
              closed: { final: true }
            """.utf8
        ).write(to: folder.appendingPathComponent("late.yaml"))
        let id = try place.laurel(["campaign", "start", "late", "--workflows", folder.path]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try place.laurel(["campaign", "send", id, "launch"]).status == 0)
        #expect(try place.laurel(["campaign", "send", id, "close"]).status == 0)
        let history = try place.laurel(["campaign", "history", id]).stdout
        #expect(history.contains("timer 1: waiting -> open (timer)"), "\(history)")
        #expect(try Regex(#"\(\d+d \d+h late\)"#).firstMatch(in: history) != nil, "\(history)")
        #expect(!history.contains(" s late"))
    }

    @Test("campaign start with a workflows folder that does not exist says so and creates nothing")
    func missingWorkflowsFolder() throws {
        let place = try Place()
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let run = try place.laurel([
            "campaign", "start", "quick", "--workflows", place.folder.appendingPathComponent("nowhere").path,
        ])
        #expect(
            run.status == 2
                && run.stderr.contains("the workflows folder '\(place.folder.path)/nowhere' does not exist"),
            "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: place.folder.path).isEmpty)
    }

    @Test(
        "a database on a read-only mount is listed, and nothing is written beside it",
        .enabled(if: getuid() == 0, "mounting needs root"))
    func readOnlyMount() throws {
        let place = try Place()
        let mountPoint = place.folder.appendingPathComponent("mount").path
        let source = place.folder.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: place.folder) }
        let database = source.appendingPathComponent("laurel.sqlite").path
        #expect(
            try CLITests.laurel(["org", "import", "organisations/nam-tu-liem-sample.yaml", "--database", database])
                .status == 0)
        try? FileManager.default.removeItem(atPath: database + "-migration.lock")
        func sh(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard try sh(["mount", "--bind", source.path, mountPoint]) == 0 else {
            Issue.record("mount --bind failed")
            return
        }
        defer { _ = try? sh(["umount", mountPoint]) }
        #expect(try sh(["mount", "-o", "remount,bind,ro", mountPoint]) == 0)
        let onMount = mountPoint + "/laurel.sqlite"
        let list = try CLITests.laurel(["org", "list", "--database", onMount])
        #expect(list.status == 0 && list.stdout.contains("Nam Từ Liêm"), "\(list.stdout)\(list.stderr)")
        let campaigns = try CLITests.laurel(["campaign", "list", "--database", onMount])
        #expect(campaigns.status == 0, "\(campaigns.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint) == ["laurel.sqlite"])
    }
}
