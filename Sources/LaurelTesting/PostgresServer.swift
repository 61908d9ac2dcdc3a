import Foundation
import Synchronization

/// A PostgreSQL server of a test's own: a new cluster (`initdb`) in a temporary folder, started on
/// a free port of 127.0.0.1 and on a Unix socket in that folder, and stopped and removed by
/// ``stop()``. When the tests run as root the cluster belongs to the `postgres` user, as `initdb`
/// refuses root. Settings that make a test cluster fast and nothing else (`fsync = off`) are for
/// tests only.
public final class PostgresServer: Sendable {
    /// Why a server could not be started, with what was printed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The folder of `initdb` and `pg_ctl`: `LAUREL_PG_BIN`, else the newest
    /// `/usr/lib/postgresql/N/bin`; nil when PostgreSQL is not installed.
    public static let binaries: String? = {
        if let chosen = ProcessInfo.processInfo.environment["LAUREL_PG_BIN"], !chosen.isEmpty { return chosen }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
        for version in versions.sorted(by: >)
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return nil
    }()

    /// Whether a server can be started here; tests that need one are skipped without it.
    public static var isAvailable: Bool { binaries != nil }

    /// The superuser of the cluster, who signs in without a password (trust, local only).
    public static let user = "laurel"

    public let port: Int
    /// The folder of the cluster, its log and its socket.
    public let folder: String

    /// `postgres://laurel@127.0.0.1:PORT/postgres`.
    public var url: String { "postgres://\(Self.user)@127.0.0.1:\(port)/postgres" }

    private init(port: Int, folder: String) {
        self.port = port
        self.folder = folder
    }

    /// Creates and starts a cluster; throws ``Failure`` with the server's log when it cannot.
    static func start() throws -> PostgresServer {
        guard let binaries else {
            throw Failure(description: "PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb)")
        }
        stopAbandoned(binaries: binaries)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "laurel-pg-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Which process the server is for: one that outlives it is stopped by the next start.
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/owner"))
        do {
            if getuid() == 0 { try run(["/bin/chown", "postgres:postgres", folder], asOwner: false) }
            try run(
                [
                    "\(binaries)/initdb", "-D", "\(folder)/data", "-U", user, "--auth=trust", "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ], asOwner: true)
            let port = try freePort()
            let options = [
                "-p \(port)", "-k \(folder)", "-c listen_addresses=127.0.0.1", "-c fsync=off",
                "-c synchronous_commit=off", "-c full_page_writes=off",
            ].joined(separator: " ")
            try run(
                [
                    "\(binaries)/pg_ctl", "-D", "\(folder)/data", "-o", options, "-l", "\(folder)/server.log", "-w",
                    "start",
                ],
                asOwner: true)
            return PostgresServer(port: port, folder: folder)
        } catch {
            let log = (try? String(contentsOfFile: "\(folder)/server.log", encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure(description: "\(error)\(log.isEmpty ? "" : "\nserver log:\n\(log.suffix(2_000))")")
        }
    }

    /// Stops the servers of test processes that ended without stopping theirs (killed, crashed)
    /// and removes their folders.
    private static func stopAbandoned(binaries: String) {
        let temporary = FileManager.default.temporaryDirectory.path
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for name in folders where name.hasPrefix("laurel-pg-") {
            let folder = "\(temporary)/\(name)"
            guard let text = try? String(contentsOfFile: "\(folder)/owner", encoding: .utf8),
                let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            try? run(["\(binaries)/pg_ctl", "-D", "\(folder)/data", "-m", "immediate", "-w", "stop"], asOwner: true)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Stops the server at once (as a crash would) and removes its folder.
    func stop() {
        if let binaries = Self.binaries {
            try? Self.run(
                ["\(binaries)/pg_ctl", "-D", "\(folder)/data", "-m", "immediate", "-w", "stop"], asOwner: true)
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A new, empty database on this server; its URL.
    public func createDatabase() throws -> String {
        let name =
            "laurel_\(UUID().uuidString.prefix(8).lowercased())_\(Self.databases.add(1, ordering: .relaxed).newValue)"
        try psql("CREATE DATABASE \(name)")
        return "postgres://\(Self.user)@127.0.0.1:\(port)/\(name)"
    }

    /// Drops a database made by ``createDatabase()``, closing what is still connected to it.
    public func dropDatabase(_ url: String) {
        guard let name = url.split(separator: "/").last else { return }
        try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one SQL command with `psql` on the server's `postgres` database.
    public func psql(_ command: String) throws {
        guard let binaries = Self.binaries else { return }
        try Self.run(
            [
                "\(binaries)/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U",
                Self.user, "-d", "postgres", "-c", command,
            ], asOwner: false)
    }

    private static let databases = Atomic<Int>(0)

    /// The server the tests of one process share, each on databases of its own
    /// (``withDatabase(_:)``): started by the first that needs it, stopped when the last is done.
    private static let shared = SharedServer()

    private actor SharedServer {
        private var server: Task<PostgresServer, any Error>?
        private var users = 0

        func lease() async throws -> PostgresServer {
            users += 1
            if server == nil { server = Task { try await PostgresServer.offThePool { try PostgresServer.start() } } }
            do {
                return try await server!.value
            } catch {
                users -= 1
                server = nil
                throw error
            }
        }

        func release() async {
            users -= 1
            guard users == 0, let server else { return }
            self.server = nil
            if let stopping = try? await server.value { try? await PostgresServer.offThePool { stopping.stop() } }
        }
    }

    /// Runs `body` with the URL of a new, empty database on the process's shared server, then
    /// drops the database; the server stops when no test uses it. Starting a server and
    /// creating a database run `initdb`, `pg_ctl` and `psql` and wait for them on a thread of
    /// their own, never one of Swift's few cooperative threads, which other tests need meanwhile.
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let server = try await shared.lease()
        let url: String
        do {
            url = try await offThePool { try server.createDatabase() }
        } catch {
            await shared.release()
            throw error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(url))
        } catch {
            result = .failure(error)
        }
        try? await offThePool { server.dropDatabase(url) }
        await shared.release()
        return try result.get()
    }

    /// Runs blocking work (a child process waited for) on a new thread while the caller suspends.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Runs a command to its end, as the `postgres` user when `asOwner` and this is root. Spawned
    /// and waited for directly: `pg_ctl start` leaves the server running with the command's output
    /// open, which keeps Foundation's `Process` from ever seeing it end.
    private static func run(_ arguments: [String], asOwner: Bool) throws {
        let command = asOwner && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "laurel-pg-output-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "\(command[0]) could not start: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally with 0: the low seven bits (a signal) and the exit code are all zero.
        guard status == 0 else {
            let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (status \(status)): \(printed)")
        }
    }

    /// A port nothing listens on now, from the kernel (a bind to port 0).
    private static func freePort() throws -> Int {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard handle >= 0 else { throw Failure(description: "no socket for a free port") }
        defer { close(handle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(handle, pointer, length) == 0 && getsockname(handle, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
