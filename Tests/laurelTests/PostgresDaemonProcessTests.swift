import Foundation
import LaurelCore
import LaurelPostgres
import LaurelStore
import LaurelTesting
import Testing

/// `laurel` on PostgreSQL as real processes: commands through `--database postgres://…`, and
/// two daemons sharing one database. Skipped where PostgreSQL is not installed.
@Suite("Daemon processes on PostgreSQL", .serialized, .enabled(if: PostgresServer.isAvailable))
struct PostgresDaemonProcessTests {
    @Test("two daemons on one database fire every timer of 12 campaigns once, and both stop cleanly on SIGTERM")
    func twoDaemons() async throws {
        try await PostgresServer.withDatabase { url in
            let (folder, _) = try DaemonProcessTests.setUp()
            defer { try? FileManager.default.removeItem(at: folder) }
            let workflows = folder.appendingPathComponent("workflows").path
            for number in 1...12 {
                let started = try DaemonProcessTests.command(
                    ["campaign", "start", "quick", "--workflows", workflows], folder, url)
                #expect(started.status == 0 && started.stdout == "quick-\(number)\n", "\(started.stderr)")
                let launched = try DaemonProcessTests.command(
                    ["campaign", "send", "quick-\(number)", "launch"], folder, url)
                #expect(launched.status == 0, "\(launched.stderr)")
            }
            let daemons = try ["first.log", "second.log"].map {
                try DaemonProcessTests.startDaemon(folder, url, log: $0)
            }
            defer { for daemon in daemons where daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            let closed = try await TestWorkflows.withPostgresStore(url: url) { store in
                let deadline = Date().addingTimeInterval(30)
                var closed = 0
                while Date() < deadline {
                    closed = try await store.read { try $0.campaigns().filter { $0.state == "closed" }.count }
                    if closed == 12 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return closed
            }
            for daemon in daemons { kill(daemon.processIdentifier, SIGTERM) }
            for daemon in daemons { daemon.waitUntilExit() }
            let logs = ["first.log", "second.log"].map {
                (try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) ?? ""
            }
            #expect(closed == 12, "every campaign closed: \(logs)")
            for (daemon, log) in zip(daemons, logs) {
                #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0, "\(log)")
                #expect(log.contains("daemon stopped"))
                #expect(!log.contains(" error "), "no error in either log: \(log)")
            }
            // Each campaign's two timers (the deadline, the wrap-up) are in its log once each,
            // whichever daemon fired them.
            let history = try DaemonProcessTests.command(
                ["campaign", "history", "quick-7", "--format", "json"], folder, url)
            #expect(history.status == 0, "\(history.stderr)")
            let fired = logs.joined().split(separator: "\n").filter { $0.contains("event=timer:") }
            #expect(fired.count == 24, "24 timers fired across both daemons: \(fired)")
            #expect(
                Set(fired.compactMap { $0.split(separator: " ").first { $0.hasPrefix("event=timer:") } }).count == 24)
        }
    }

    @Test(
        "store copy moves a SQLite database to PostgreSQL, verified; the daemon goes on there; a running daemon or a full target is refused"
    )
    func copyFromSQLite() async throws {
        try await PostgresServer.withDatabase { url in
            let (folder, sqlite) = try DaemonProcessTests.setUp()
            defer { try? FileManager.default.removeItem(at: folder) }
            let workflows = folder.appendingPathComponent("workflows").path
            func onSQLite(_ arguments: [String]) throws -> CLITests.Run {
                try DaemonProcessTests.command(arguments, folder, sqlite)
            }
            for number in 1...3 {
                let started = try onSQLite(["campaign", "start", "quick", "--workflows", workflows])
                #expect(started.status == 0 && started.stdout == "quick-\(number)\n", "\(started.stderr)")
            }
            // A daemon on the source could write after the copy read it: refused while it runs.
            let daemon = try DaemonProcessTests.startDaemon(folder, sqlite, log: "sqlite.log")
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            let logURL = folder.appendingPathComponent("sqlite.log")
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline,
                !((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").contains("daemon started")
            {
                usleep(100_000)
            }
            let busy = try CLITests.laurel(["store", "copy", "--from", sqlite, "--to", url])
            #expect(busy.status == 1 && busy.stderr.contains("another 'laurel serve' runs on"), "\(busy.stderr)")
            kill(daemon.processIdentifier, SIGTERM)
            daemon.waitUntilExit()

            for number in 1...2 {
                #expect(try onSQLite(["campaign", "send", "quick-\(number)", "launch"]).status == 0)
            }
            let submitted = try onSQLite(
                ["entry", "submit", "quick-1", "--kind", "idea", "--id", "SK-7", "--field", "title=Máy cắt mới"])
            #expect(submitted.status == 0, "\(submitted.stderr)")

            let copied = try CLITests.laurel(["store", "copy", "--from", sqlite, "--to", url])
            #expect(copied.status == 0, "\(copied.stderr)")
            #expect(copied.stdout.contains("verified part by part"), "\(copied.stdout)")
            #expect(copied.stdout.contains("campaigns                     3"), "\(copied.stdout)")
            #expect(copied.stderr.contains("reading the copy back to verify it"))

            // The daemon goes on from there: the launched campaigns' timers fire on PostgreSQL.
            let pgDaemon = try DaemonProcessTests.startDaemon(folder, url, log: "postgres.log")
            defer { if pgDaemon.isRunning { kill(pgDaemon.processIdentifier, SIGKILL) } }
            let states = try await TestWorkflows.withPostgresStore(url: url) { store in
                let deadline = Date().addingTimeInterval(30)
                var states: [String] = []
                while Date() < deadline {
                    states = try await store.read { try $0.campaigns().map(\.state) }
                    if states == ["closed", "closed", "draft"] { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return states
            }
            kill(pgDaemon.processIdentifier, SIGTERM)
            pgDaemon.waitUntilExit()
            #expect(states == ["closed", "closed", "draft"])
            let history = try DaemonProcessTests.command(["campaign", "history", "quick-1"], folder, url)
            #expect(history.stdout.contains("SK-7"), "the entry submitted on SQLite: \(history.stdout)")
            let next = try DaemonProcessTests.command(
                ["campaign", "start", "quick", "--workflows", workflows], folder, url)
            #expect(next.stdout == "quick-4\n", "campaign numbers go on: \(next.stderr)")

            let again = try CLITests.laurel(["store", "copy", "--from", sqlite, "--to", url, "--format", "json"])
            #expect(again.status == 1)
            #expect(
                again.stderr.contains("\"error\" : \"conflict\"") || again.stderr.contains("\"error\": \"conflict\""),
                "\(again.stderr)")
            #expect(again.stderr.contains("the target is not empty"))
        }
    }

    @Test("a command names what is wrong with a PostgreSQL database without its password, and exits 1")
    func unreachable() throws {
        let refused = try CLITests.laurel(["campaign", "list", "--database", "postgres://laurel:s3cret@127.0.0.1:1/x"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "error: cannot reach PostgreSQL at postgres://laurel@127.0.0.1:1/x (Connection refused); check that the server runs and --database names it\n"
        )
        #expect(!refused.stderr.contains("s3cret") && !refused.stdout.contains("s3cret"))
        let durability = try CLITests.laurel(
            ["campaign", "list", "--database", "postgres://laurel@127.0.0.1:1/x", "--durability", "full"])
        #expect(durability.status != 0 && durability.stderr.contains("--durability applies to a SQLite file"))
    }
}
