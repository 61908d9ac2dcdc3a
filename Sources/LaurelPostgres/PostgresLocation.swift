public import Foundation

/// Where a PostgreSQL database is: from `--database postgres://user[:password]@host[:port]/name`
/// (or `postgresql://`), with what the URL leaves out taken from the usual environment
/// (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`), as `psql` does. `DATABASE_URL`
/// stands for the URL when none is given. The password is kept out of ``description``, so it
/// can be logged and shown in errors.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Why a location was refused: said without the password.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Reads a URL, filling in what it leaves out from `environment`.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text) else {
            throw Invalid(description: "a PostgreSQL location starts with postgres:// or postgresql://")
        }
        // URLComponents reads the parts; a password with reserved characters is percent-encoded.
        guard let components = URLComponents(string: text) else {
            throw Invalid(
                description: "'\(Self.redacting(text))' is not a URL: write postgres://USER@HOST:PORT/DATABASE")
        }
        let settings = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if let unknown = settings.keys.sorted().first(where: { !["sslmode", "host", "port"].contains($0) }) {
            throw Invalid(
                description:
                    "'\(Self.redacting(text))' has the setting '\(unknown)', which Laurel does not know (it reads host, port and sslmode)"
            )
        }
        if let mode = settings["sslmode"], mode != "disable" {
            throw Invalid(
                description:
                    "sslmode=\(mode) is not supported yet: Laurel connects without TLS (a database on this machine or a private network); write sslmode=disable or leave it out"
            )
        }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        // As libpq: `?host=/folder` names the folder of a Unix socket, `?port=` the port in its name.
        host =
            settings["host"].flatMap { $0.isEmpty ? nil : $0 }
            ?? components.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
            ?? environment["PGHOST"] ?? "127.0.0.1"
        if let text = settings["port"] {
            guard let port = Int(text) else {
                throw Invalid(description: "port=\(text) is not a port number (1 to 65535)")
            }
            self.port = port
        } else if let port = components.port {
            self.port = port
        } else if let text = environment["PGPORT"] {
            guard let port = Int(text), (1...65_535).contains(port) else {
                throw Invalid(description: "PGPORT is '\(text)', not a port number (1 to 65535)")
            }
            self.port = port
        } else {
            port = 5432
        }
        user =
            components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? NSUserName()
        password = components.password.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        database = name.isEmpty ? environment["PGDATABASE"] ?? user : (name.removingPercentEncoding ?? name)
        guard (1...65_535).contains(port) else { throw Invalid(description: "port \(port) is out of range") }
    }

    /// `DATABASE_URL` when it names PostgreSQL.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> PostgresLocation?
    {
        guard let url = environment["DATABASE_URL"], isURL(url) else { return nil }
        return try PostgresLocation(url: url, environment: environment)
    }

    /// Whether ``host`` is the folder of a Unix socket (a path), not a network host.
    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket's file: PostgreSQL names it by the port.
    public var unixSocketPath: String { "\(host)/.s.PGSQL.\(port)" }

    /// `postgres://user@host:port/database` (`postgres://user@/database?host=/folder&port=N` for a
    /// Unix socket), never with the password.
    public var description: String {
        isUnixSocket
            ? "postgres://\(user)@/\(database)?host=\(host)&port=\(port)"
            : "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// `text` with any password between `://user:` and `@` replaced by `***`.
    static func redacting(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@"),
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
