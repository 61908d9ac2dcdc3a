import Foundation
import LaurelCore
import LaurelPlugins
import LaurelSQLite
import LaurelStore
import LaurelTesting
import Testing

/// The built `laurel serve` as a real process: graceful stop on SIGTERM, and crash safety under
/// SIGKILL while commands keep writing.
@Suite("Daemon process", .serialized)
struct DaemonProcessTests {
    /// Campaigns that collect ideas for two seconds, then wait one more before closing.
    static let workflow = """
        laurel: 1
        id: quick
        title: Quick campaign
        timezone: Asia/Ho_Chi_Minh
        entries:
          idea:
            fields:
              title: { type: text, required: true }
        metrics:
          ideas: { count: idea }
        events:
          launch: { by: admin }
        initial: draft
        states:
          draft:
            on: { launch: collecting }
          collecting:
            accepts: [idea]
            step: phase-target
            with: { metric: ideas, target: 1000, window: PT2S }
            on: { target-reached: wrap-up, deadline: wrap-up }
          wrap-up:
            timers:
              - after: PT1S
                goto: closed
          closed: { final: true }
        """

    static let registry = BuiltInPlugins.registry

    /// A folder with the workflow and a database path.
    static func setUp() throws -> (folder: URL, database: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("workflows"), withIntermediateDirectories: true)
        try Data(workflow.utf8).write(to: folder.appendingPathComponent("workflows/quick.yaml"))
        return (folder, folder.appendingPathComponent("laurel.sqlite").path)
    }

    static func startDaemon(_ folder: URL, _ database: String, log: String, options: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments =
            ["serve", "--workflows", folder.appendingPathComponent("workflows").path, "--database", database] + options
        let logURL = folder.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    static func command(_ arguments: [String], _ folder: URL, _ database: String) throws -> CLITests.Run {
        try CLITests.laurel(arguments + ["--database", database])
    }

    @Test("SIGTERM stops the daemon cleanly, exit 0, after it has fired a due timer")
    func gracefulStop() async throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let started = try Self.command(
            ["campaign", "start", "quick", "--workflows", folder.appendingPathComponent("workflows").path],
            folder, database)
        #expect(started.status == 0 && started.stdout == "quick-1\n", "\(started.stderr)")
        #expect(try Self.command(["campaign", "send", "quick-1", "launch"], folder, database).status == 0)
        let daemon = try Self.startDaemon(folder, database, log: "serve.log")
        // A failed expectation must not leave the daemon running after the test.
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(15)
        var state = ""
        while Date() < deadline {
            state =
                (try? await SQLiteStore(path: database, registry: Self.registry).read {
                    try $0.campaign(id: "quick-1")?.state
                }) ?? ""
            if state == "closed" { break }
            usleep(100_000)
        }
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        let log = (try? String(contentsOf: folder.appendingPathComponent("serve.log"), encoding: .utf8)) ?? ""
        #expect(state == "closed", "the deadline and the wrap-up timer fired: \(log)")
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0)
        #expect(log.contains("daemon stopped"))
        #expect(log.contains("collecting -> wrap-up (outcome deadline)"))
    }

    @Test("the demo runs the shipped workflows through a council's review and stops cleanly on SIGTERM")
    func demoThroughReview() async throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = [
            "serve", "--demo", "--workflows", CLITests.packageRoot.appendingPathComponent("workflows").path,
            "--database", database,
        ]
        let logURL = folder.appendingPathComponent("demo.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // A week per second: within seconds a campaign reaches a review, whose scores the demo
        // plans from the campaign's entries (it once read them unloaded and stopped the daemon).
        func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, !log().contains("review -> ") { usleep(200_000) }
        #expect(log().contains("review -> "), "no review ended within 60 s: \(log().suffix(3_000))")
        #expect(process.isRunning, "the demo daemon stopped: \(log().suffix(3_000))")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(!log().contains("Fatal error"))
    }

    @Test("an edited workflow file is reloaded while the daemon runs; a broken edit keeps the last good version")
    func reloadWhileRunning() async throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let workflows = folder.appendingPathComponent("workflows")
        let file = workflows.appendingPathComponent("quick.yaml")
        #expect(
            try Self.command(["campaign", "start", "quick", "--workflows", workflows.path], folder, database).status
                == 0)
        let daemon = try Self.startDaemon(folder, database, log: "serve.log")
        defer { if daemon.isRunning { daemon.terminate() } }
        func log() -> String {
            (try? String(contentsOf: folder.appendingPathComponent("serve.log"), encoding: .utf8)) ?? ""
        }
        func wait(for text: String, count: Int = 1) -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if log().components(separatedBy: text).count - 1 >= count { return true }
                usleep(100_000)
            }
            return false
        }
        #expect(wait(for: "daemon started"))
        let store = try SQLiteStore(path: database, registry: Self.registry)
        let first = try #require(try await store.read { try $0.latestWorkflowVersions() }.first).hash

        try Data(Self.workflow.replacingOccurrences(of: "target: 1000", with: "target: lots").utf8).write(to: file)
        #expect(wait(for: "workflow file rejected"), "\(log())")
        #expect(log().contains("version \(first.prefix(12)) stays in force"))
        #expect(try await store.read { try $0.latestWorkflowVersions() }.first?.hash == first)

        let raised = Self.workflow.replacingOccurrences(of: "target: 1000", with: "target: 2000")
        try Data(raised.utf8).write(to: file)
        let second = SHA256.hex(Array(raised.utf8))
        #expect(wait(for: "version=\(second.prefix(12))"), "\(log())")
        #expect(
            try await store.read { try $0.latestWorkflowVersions() }.first?.hash == second,
            "the daemon recorded the new version")
        // A campaign started now runs the new version; the one started before keeps its own.
        #expect(
            try Self.command(["campaign", "start", "quick", "--workflows", workflows.path], folder, database).stdout
                == "quick-2\n")
        #expect(try await store.read { try $0.campaign(id: "quick-1") }?.workflowVersion == first)
        #expect(try await store.read { try $0.campaign(id: "quick-2") }?.workflowVersion == second)
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }

    @Test(
        "killed with SIGKILL 100 times while commands write, nothing is lost or applied twice, and the audit log verifies against every checkpoint published"
    )
    func killTest() async throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let workflows = folder.appendingPathComponent("workflows").path
        let key = folder.appendingPathComponent("audit.key").path
        let outbox = folder.appendingPathComponent("outbox.jsonl").path
        try #require(try CLITests.laurel(["audit", "key", "--out", key]).status == 0)
        // Checkpoints every 0.2 s, published to the outbox file: many are signed between kills.
        let auditing = ["--audit-key", key, "--audit-every", "0.2", "--outbox", outbox]
        var random = SplitMix64(seed: 2026)
        var accepted: [String: String] = [:]  // idempotency key -> campaign, for every command that exited 0
        var campaigns: [String] = []
        var daemon = try Self.startDaemon(folder, database, log: "serve-0.log", options: auditing)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let kills = 100
        for round in 0..<kills {
            // Commands keep writing: a new campaign every fourth round, launched; an entry each round,
            // sent twice with the same key (the second must be a no-op).
            if round % 4 == 0 {
                let start = try Self.command(
                    ["campaign", "start", "quick", "--workflows", workflows, "--idempotency-key", "s\(round)"],
                    folder, database)
                try #require(start.status == 0, "\(start.stderr)")
                let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                campaigns.append(id)
                let launch = try Self.command(
                    ["campaign", "send", id, "launch", "--idempotency-key", "l\(round)"], folder, database)
                if launch.status == 0 { accepted["command:\(id):l\(round)"] = id }
            }
            let target = campaigns[random.next(upTo: campaigns.count)]
            for _ in 0..<2 {
                let entry = try Self.command(
                    [
                        "entry", "submit", target, "--kind", "idea", "--id", "idea-\(round)",
                        "--field", "title=Idea \(round)", "--idempotency-key", "e\(round)",
                    ], folder, database)
                // Refused when the campaign has closed or not launched: then it must leave no trace.
                if entry.status == 0 { accepted["entry:\(target):e\(round)"] = target }
            }
            usleep(UInt32(20_000 + random.next(upTo: 130_000)))
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            let log =
                (try? String(contentsOf: folder.appendingPathComponent("serve-\(round).log"), encoding: .utf8)) ?? ""
            #expect(
                daemon.terminationReason == .uncaughtSignal,
                "the daemon had stopped by itself (status \(daemon.terminationStatus)): \(log)")
            daemon = try Self.startDaemon(folder, database, log: "serve-\(round + 1).log", options: auditing)
        }
        // Then an uninterrupted run until every campaign has closed.
        let store = try SQLiteStore(path: database, registry: Self.registry)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try await store.read({ try $0.campaigns() }).contains(where: { $0.status == .running })
        { usleep(100_000) }
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)

        let summaries = try await store.read { try $0.campaigns() }
        #expect(summaries.count == campaigns.count && summaries.allSatisfy { $0.state == "closed" })
        let engine = try #require(try await Self.engine(store))
        let codec = CampaignCodec(registry: Self.registry)
        var timerEvents = 0
        for summary in summaries {
            let log = try await store.read { try $0.events(campaignID: summary.id) }
            let ids = log.map(\.id)
            #expect(Set(ids).count == ids.count, "no event of \(summary.id) is logged twice")
            // Exactly two timers per campaign: the phase deadline and the wrap-up, each once.
            let timers = log.filter { $0.kind == "timer" }
            timerEvents += timers.count
            #expect(timers.count == 2, "\(summary.id): \(timers.map(\.summary))")
            // Replaying the log without interruption rebuilds the stored campaign byte for byte.
            let stored = try #require(try await store.read { try $0.campaignWithEntries(id: summary.id) })
            #expect(try codec.storedForm(of: try Self.replay(log, engine: engine)) == codec.storedForm(of: stored))
        }
        // Every command that reported success is in the log exactly once.
        var logged = Set<String>()
        var entries = 0
        for summary in summaries {
            logged.formUnion(try await store.read { try $0.events(campaignID: summary.id) }.map(\.id))
            entries += try await store.read { try $0.campaign(id: summary.id) }?.entries.count ?? 0
        }
        for key in accepted.keys.sorted() { #expect(logged.contains(key), "\(key) was accepted but is not in the log") }
        #expect(entries == accepted.keys.filter { $0.hasPrefix("entry:") }.count)
        // Every change is in the audit log, signed at the stop, and agrees with every checkpoint
        // published on the way: none was lost to a kill or signed twice over different records.
        let audit = try CLITests.laurel(
            [
                "audit", "verify", "--key", key + ".pub", "--published", outbox, "--database", database, "--format",
                "json",
            ])
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
        let verified = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(verified["published"] as? Int ?? 0 >= 2 && verified["records"] as? Int == verified["placed"] as? Int)
        let timerRecords = try await store.read { try $0.auditRecords(fromLeaf: 0, limit: 100_000) }.filter {
            String(decoding: $0.body, as: UTF8.self).contains(#""action":"campaign.timer""#)
        }
        #expect(
            !timerRecords.isEmpty
                && timerRecords.allSatisfy { String(decoding: $0.body, as: UTF8.self).contains(#""role":"daemon""#) })
        print(
            "kill test: \(kills) SIGKILLs, \(campaigns.count) campaigns, \(accepted.count) accepted commands, "
                + "\(entries) entries, \(timerEvents) timers fired, \(try await store.read { try $0.eventCount() }) events logged"
        )
    }

    @Test(
        "a second daemon on the same database file is refused, naming the first; unwritable paths are refused at start")
    func oneDaemonPerFile() throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.startDaemon(folder, database, log: "first.log")
        defer {
            first.terminate()
            first.waitUntilExit()
        }
        let log = folder.appendingPathComponent("first.log").path
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("daemon started")
        { usleep(50_000) }
        let second = try CLITests.laurel([
            "serve", "--workflows", folder.appendingPathComponent("workflows").path, "--database", database,
        ])
        #expect(second.status == 1)
        #expect(
            second.stderr
                == "error: another 'laurel serve' runs on '\(database)' (process \(first.processIdentifier)); one daemon runs per database file: stop it first, or give this one another --database\n"
        )

        let other = folder.appendingPathComponent("other.sqlite").path
        try Data().write(to: folder.appendingPathComponent("a-file"))
        let paths = try CLITests.laurel([
            "serve", "--workflows", folder.appendingPathComponent("workflows").path, "--database", other,
            "--certificates", folder.appendingPathComponent("a-file").path,
        ])
        #expect(paths.status == 2)
        #expect(
            paths.stderr.contains(
                "--certificates: cannot use '\(folder.path)/a-file' as the certificates folder: it is a file, not a folder"
            ))
        #expect(!FileManager.default.fileExists(atPath: other), "nothing was created")
    }

    @Test("rule: no running count of a secret ballot can be read from the database or its log, with the daemon running")
    func secretBallotLeavesNoTrace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("workflows"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(
            """
            laurel: 1
            id: titles
            title: Emulation titles
            timezone: Asia/Ho_Chi_Minh
            entries:
              nomination: { fields: { name: { type: text, required: true } } }
            events:
              open: {}
            councils:
              emulation: { members: [council/a, council/b, council/c, council/d], quorum: 3 }
            initial: nominating
            states:
              nominating:
                accepts: [nomination]
                on: { open: voting }
              voting:
                step: ballot
                with: { council: emulation, window: P7D }
                on: { decided: done, no-quorum: done }
              done: { final: true }
            """.utf8
        ).write(to: folder.appendingPathComponent("workflows/titles.yaml"))
        let database = folder.appendingPathComponent("laurel.sqlite").path
        let workflows = folder.appendingPathComponent("workflows").path
        #expect(
            try Self.command(["campaign", "start", "titles", "--workflows", workflows], folder, database).status == 0)
        for nominee in ["n1", "n2"] {
            #expect(
                try Self.command(
                    [
                        "entry", "submit", "titles-1", "--kind", "nomination", "--id", nominee, "--field",
                        "name=\(nominee)",
                    ],
                    folder, database
                ).status == 0)
        }
        #expect(try Self.command(["campaign", "send", "titles-1", "open"], folder, database).status == 0)
        let daemon = try Self.startDaemon(folder, database, log: "serve.log")
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        let log = folder.appendingPathComponent("serve.log").path
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("daemon started")
        { usleep(50_000) }
        // Three of four members vote, each a different paper; the ballot stays open.
        for (member, choices) in [
            ("council/a", ["--for", "n1", "--against", "n2"]), ("council/b", ["--for", "n1", "--for", "n2"]),
            ("council/c", ["--against", "n1", "--for", "n2"]),
        ] {
            let vote = try Self.command(["ballot", "vote", "titles-1", "--member", member] + choices, folder, database)
            #expect(vote.status == 0, "\(vote.stderr)")
        }
        // Everything on disk, the daemon still running: the database file, its log and its index.
        var bytes: [UInt8] = []
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: database + suffix) { bytes += data }
        }
        // The ballot's memory as the document keeps it (format LCB 5): a key, then its counts as
        // a packed list of whole numbers (tag 11, their number, each zig-zag coded: n is 2n).
        func found(_ key: String, _ counts: [UInt8]) -> Bool {
            bytes.firstRange(of: Array(key.utf8) + [11, UInt8(counts.count)] + counts.map { $0 * 2 }) != nil
        }
        #expect(found("approvals", [2, 2]), "the counts as they are now are there (the search works)")
        #expect(!found("approvals", [1, 0]), "the counts after the first paper (council/a's) are gone")
        #expect(!found("approvals", [2, 1]), "the counts after the second paper are gone")
        #expect(!found("rejections", [0, 1]))
    }

    @Test(
        "a full disk does not make the daemon spin: it retries with growing delays, says so a few times, and catches up when there is room",
        .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func diskFull() throws {
        let (folder, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let disk = folder.appendingPathComponent("disk").path
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        func sh(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard try sh(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk]) == 0 else {
            Issue.record("mount failed")
            return
        }
        defer { _ = try? sh(["umount", "-l", disk]) }
        let database = disk + "/laurel.sqlite"
        let workflows = folder.appendingPathComponent("workflows").path
        for _ in 0..<3 {
            let started = try Self.command(["campaign", "start", "quick", "--workflows", workflows], folder, database)
            #expect(started.status == 0, "\(started.stderr)")
        }
        for id in ["quick-1", "quick-2", "quick-3"] {
            #expect(try Self.command(["campaign", "send", id, "launch"], folder, database).status == 0)
        }
        let daemon = try Self.startDaemon(folder, database, log: "full.log")
        defer {
            if daemon.isRunning {
                daemon.terminate()
                daemon.waitUntilExit()
            }
        }
        let started = Date().addingTimeInterval(15)
        while Date() < started,
            !((try? String(contentsOfFile: folder.appendingPathComponent("full.log").path, encoding: .utf8)) ?? "")
                .contains("daemon started")
        {
            usleep(50_000)
        }
        // Fill the disk while it runs: the timers that fall due in two seconds cannot be written.
        _ = try sh(["dd", "if=/dev/zero", "of=\(disk)/filler", "bs=64k"])
        Thread.sleep(forTimeInterval: 8)
        let log = (try? String(contentsOfFile: folder.appendingPathComponent("full.log").path, encoding: .utf8)) ?? ""
        let errors = log.split(separator: "\n").filter { $0.contains(" error ") }
        #expect(errors.count < 30, "\(errors.count) error lines in 8 s:\n\(errors.prefix(5).joined(separator: "\n"))")
        #expect(log.contains("disk is full") || log.contains("database or disk is full"), "\(log.suffix(1500))")
        // Room again: the timers fire, late, and nothing was lost.
        try FileManager.default.removeItem(atPath: disk + "/filler")
        let deadline = Date().addingTimeInterval(30)
        var state = ""
        while Date() < deadline {
            state =
                (try? Self.command(["campaign", "status", "quick-1", "--format", "json"], folder, database).stdout)
                ?? ""
            if state.contains("\"state\": \"wrap-up\"") || state.contains("\"state\": \"closed\"") { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(state.contains("\"state\": \"wrap-up\"") || state.contains("\"state\": \"closed\""), "\(state)")
    }

    static func engine(_ store: SQLiteStore) async throws -> Engine? {
        guard let version = try await store.read({ try $0.latestWorkflowVersions() }).first else { return nil }
        let result = WorkflowValidator(registry: registry).validate(version.source, file: version.file)
        return try result.workflow.map { try Engine(workflow: $0, version: version.hash, registry: registry) }
    }

    static func replay(_ log: [LoggedEvent], engine: Engine) throws -> Campaign {
        guard case .start(let inputs, let entries) = log.first?.action else { throw ReplayFailure() }
        var campaign = try engine.start(id: log[0].campaignID, inputs: inputs, entries: entries, at: log[0].at).campaign
        for event in log.dropFirst() {
            guard case .event(let action) = event.action else { continue }
            campaign = try engine.apply(action, to: campaign, at: event.at).campaign
        }
        return campaign
    }
}

struct ReplayFailure: Error {}
