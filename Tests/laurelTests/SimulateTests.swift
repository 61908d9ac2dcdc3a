import Foundation
import Testing

/// `laurel simulate` and `laurel graph` end to end, with golden timelines: a change to the
/// engine that alters how the shipped campaign runs shows up here.
@Suite struct SimulateTests {
    static let fixtures = "Tests/laurelTests/Fixtures/simulate/"

    static func golden(_ name: String) throws -> String {
        try String(contentsOf: CLITests.packageRoot.appendingPathComponent(fixtures + name), encoding: .utf8)
    }

    @Test("the scripted run of the capital initiatives campaign matches its golden timeline")
    func scripted() throws {
        let run = try CLITests.laurel([
            "simulate", "workflows/capital-initiatives-2022.yaml",
            "--script", Self.fixtures + "capital-initiatives-2022.script.yaml",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == (try Self.golden("capital-initiatives-2022.script.expected")))
        #expect(run.stdout.contains("2022-05-31 24:00  phase-1"), "the phase-1 deadline, local time")
        #expect(run.stdout.contains("2023-09-30 24:00  phase-2"), "the phase-2 deadline, local time")
    }

    /// Every shipped workflow has a script of its campaign as it happened and the golden timeline
    /// of that script: the numbers of the real campaign must show in it.
    @Test(
        "each shipped workflow's scripted run matches its golden timeline",
        arguments: [
            (
                "capital-initiatives-2022",
                ["2022-05-31 24:00  phase-1", "2023-09-30 24:00  phase-2", "initiatives=51,000"]
            ),
            ("mid-shift-exercise-video-2023", ["clips=38", "first 10 (", "second 10 (", "third 17 (", "37 prizes"]),
            (
                "happy-school-video-2023",
                ["clips=54", "special 2 (", "first 10 (", "second 15 (", "third 27 (", "54 prizes"]
            ),
            (
                "good-worker-2023",
                [
                    "\"6687 nomination(s) from 304 unit(s) (quota: 30.6% of direct-production-workers of 'nam-tu-liem')\"",
                    "grassroots-good-workers=6,687", "\"35 nominated of 6687 ranked (quota: at most 35)",
                    "\"3 nominated of ", "Finished in state 'closed'",
                ]
            ),
            (
                "quarterly-recognition",
                [
                    "Recurs every quarter (catch-up: latest): this is the cycle of 2025-04-01 00:00",
                    "11 entries reached the pass mark of 80", "commended 11 (5,500,000 VND)",
                    "certificate \"GIẤY KHEN\" for ", "Finished in state 'closed'",
                ]
            ),
            (
                "trade-union-award-22-7",
                [
                    "Recurs every year (catch-up: latest): this is the cycle of 2025-07-22 00:00",
                    "Screening: 21 eligible, 3 not eligible.", "de-cu-21: 3 for, 6 against, 0 blank — not approved",
                    "award-22-7 12 (60,000,000 VND)", "Finished in state 'closed'",
                ]
            ),
            (
                "fecon-initiatives-2024",
                [
                    "initiatives=24", "event approve", "first 2 (", "second 5 (", "recognised 10 (",
                    "17 prizes", "applications=13", "Finished in state 'closed'",
                ]
            ),
            (
                "good-at-work-good-at-home-2022",
                [
                    "188 entries reached the pass mark of 75", "commended 188 (",
                    "188 prizes", "Finished in state 'closed'",
                ]
            ),
            (
                "workers-month",
                [
                    "this is the cycle of 2025-05-01 00:00", "72 nomination(s) from 12 unit(s)",
                    "Screening: 66 eligible, 6 not eligible.",
                    "special-support 10 (30,000,000 VND), thank-you-gift 50 (50,000,000 VND); 60 prizes, 80,000,000 VND in all",
                    "certificate \"THƯ CẢM ƠN\" for ", "Finished in state 'closed'",
                ]
            ),
        ])
    func shippedWorkflows(workflow: String, mustShow: [String]) throws {
        // The organisation data a run needs comes from the workflow's own `organisation:`.
        let run = try CLITests.laurel([
            "simulate", "workflows/\(workflow).yaml", "--script", Self.fixtures + "\(workflow).script.yaml",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == (try Self.golden("\(workflow).script.expected")))
        for text in mustShow { #expect(run.stdout.contains(text), "\(text)") }
    }

    @Test("every workflow in workflows/ has a golden scripted run")
    func everyWorkflowHasAGolden() throws {
        let folder = CLITests.packageRoot.appendingPathComponent("workflows")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        for file in files {
            let name = String(file.dropLast(".yaml".count))
            #expect(
                FileManager.default.fileExists(
                    atPath: CLITests.packageRoot.appendingPathComponent(Self.fixtures + name + ".script.expected").path),
                "workflows/\(file) has no golden run in \(Self.fixtures)")
        }
    }

    @Test("a seeded run is the same every time and matches its golden timeline")
    func seeded() throws {
        let first = try CLITests.laurel(["simulate", "workflows/capital-initiatives-2022.yaml", "--seed", "1"])
        #expect(first.status == 0)
        #expect(first.stdout == (try Self.golden("capital-initiatives-2022.seed-1.expected")))
        let again = try CLITests.laurel(["simulate", "workflows/capital-initiatives-2022.yaml", "--seed", "1"])
        #expect(again.stdout == first.stdout)
    }

    @Test("different seeds reach different final paths")
    func seedsDiffer() throws {
        var paths: Set<String> = []
        for seed in 1...6 {
            let run = try CLITests.laurel([
                "simulate", "workflows/capital-initiatives-2022.yaml", "--seed", "\(seed)", "--format", "json",
            ])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["finished"] as? Bool == true)
            let timeline = try #require(object["timeline"] as? [[String: Any]])
            paths.insert(timeline.compactMap { $0["to"] as? String }.joined(separator: ">"))
        }
        #expect(paths.count > 1)
    }

    @Test("--until stops the clock")
    func until() throws {
        let run = try CLITests.laurel(["simulate", "workflows/capital-initiatives-2022.yaml", "--until", "2022-12-31"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Stopped (reached --until) in state 'phase-2'"))
    }

    @Test("a broken script is reported with its line and column, exit 1")
    func brokenScript() throws {
        let run = try CLITests.laurel([
            "simulate", "workflows/capital-initiatives-2022.yaml",
            "--script", Self.fixtures + "broken.script.yaml",
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("broken.script.yaml:2:9: error: 'at': expected a date like 2022-05-31"))
        #expect(run.stderr.contains("broken.script.yaml:3:29: error: the key 'entries' is missing from 'scores'"))
    }

    @Test("a workflow with errors is not simulated")
    func brokenWorkflow() throws {
        let run = try CLITests.laurel(["simulate", "Tests/laurelTests/Fixtures/invalid/several-errors.yaml"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("has errors; fix them first"))
        #expect(try CLITests.laurel(["simulate", "nope.yaml"]).status == 2)
        #expect(
            try CLITests.laurel(["simulate", "workflows/capital-initiatives-2022.yaml", "--start", "soon"]).status == 2)
    }

    @Test("graph draws every transition with what takes it")
    func graph() throws {
        let mermaid = try CLITests.laurel(["graph", "workflows/capital-initiatives-2022.yaml"])
        #expect(mermaid.status == 0)
        #expect(mermaid.stdout == (try Self.golden("capital-initiatives-2022.mermaid.expected")))
        let dot = try CLITests.laurel(["graph", "--format", "dot", "workflows/capital-initiatives-2022.yaml"])
        #expect(dot.stdout.hasPrefix("digraph \"capital-initiatives-2022\" {"))
        #expect(dot.stdout.contains("\"phase-2\" -> \"review\" [label=\"deadline [outcome.reached]\"];"))
    }

    @Test(
        "rule: after a refused event a simulation keeps the campaign's inputs and never crashes (a recurring workflow with a required cycle)"
    )
    func refusalKeepsInputs() throws {
        let workflow = try CLITests.temporaryFile(
            Array(
                """
                laurel: 1
                id: monthly
                title: Monthly report
                timezone: Asia/Ho_Chi_Minh
                recurrence: { every: month, starting: 2025-01-01 }
                inputs:
                  cycle: { type: date, required: true }
                events:
                  close: {}
                initial: open
                states:
                  open:
                    on: { close: told }
                  told:
                    step: notify
                    with: { to: [organisers], message: "Kỳ {inputs.cycle} đã đóng" }
                    next: done
                  done: { final: true }
                """.utf8), name: "monthly.yaml")
        defer { try? FileManager.default.removeItem(at: workflow.deletingLastPathComponent()) }
        let script = workflow.deletingLastPathComponent().appendingPathComponent("script.yaml")
        try Data("- { at: 2025-02-02T08:00, command: open-again }\n- { at: 2025-02-03T08:00, command: close }\n".utf8)
            .write(to: script)
        let run = try CLITests.laurel(["simulate", workflow.path, "--script", script.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("refused event open-again: 'open-again' is not an event of 'monthly'"))
        #expect(run.stdout.contains("notify organisers by notice: \"Kỳ 2025-02-01 đã đóng\""), "\(run.stdout)")
        #expect(run.stdout.contains("Finished in state 'done' at 2025-02-03 08:00 after 2 events\n"))
    }

    @Test(
        "simulate with no flag shows every shipped campaign working: a final state, and awards where it gives them",
        arguments: [
            "capital-initiatives-2022", "fecon-initiatives-2024", "good-at-work-good-at-home-2022", "good-worker-2023",
            "happy-school-video-2023", "mid-shift-exercise-video-2023", "quarterly-recognition",
            "trade-union-award-22-7",
            "workers-month",
        ])
    func shippedWorkflowWorks(_ workflow: String) throws {
        let run = try CLITests.laurel(["simulate", "workflows/\(workflow).yaml"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\nFinished in state "), "\(run.stdout.suffix(400))")
        let text = try String(
            contentsOf: CLITests.packageRoot.appendingPathComponent("workflows/\(workflow).yaml"), encoding: .utf8)
        if text.contains("step: awards-ceremony") {
            #expect(run.stdout.contains("\nAwards: "), "\(workflow) gives awards: \(run.stdout.suffix(400))")
        }
        // Nothing the run needs is missing: no entry is refused for want of data.
        #expect(!run.stdout.contains("not in the organisation data"))
        #expect(!run.stdout.contains("must be a web address"))
    }
}
