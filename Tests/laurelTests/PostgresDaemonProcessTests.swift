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
