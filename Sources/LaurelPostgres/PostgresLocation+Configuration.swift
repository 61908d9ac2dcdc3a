public import PostgresNIO

extension PostgresLocation {
    /// A single connection to this location (a TCP host, or a Unix socket's folder), plain, with
    /// a 10 s connect timeout: the probe, and tools of the project's own (the benchmarks).
    public var connectionConfiguration: PostgresConnection.Configuration {
        var configuration =
            isUnixSocket
            ? PostgresConnection.Configuration(
                unixSocketPath: unixSocketPath, username: user, password: password, database: database)
            : PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The pool's configuration for this location, as ``connectionConfiguration`` (postgres-nio's
    /// two configuration types share no initialiser, so the choice is made once for each).
    var clientConfiguration: PostgresClient.Configuration {
        var configuration =
            isUnixSocket
            ? PostgresClient.Configuration(
                unixSocketPath: unixSocketPath, username: user, password: password, database: database)
            : PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
