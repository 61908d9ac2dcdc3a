import LaurelPostgres
import Testing

/// `--database postgres://...` and the PG* variables, read as psql reads them; a password never
/// shows.
@Suite struct PostgresLocationTests {
    @Test("a URL gives every part; what it leaves out comes from PG* variables, then the defaults")
    func parts() throws {
        let full = try PostgresLocation(url: "postgres://an:s%40cret@db.local:6543/laurel", environment: [:])
        #expect(
            full == PostgresLocation(host: "db.local", port: 6543, user: "an", password: "s@cret", database: "laurel"))
        let environment = [
            "PGHOST": "10.0.0.5", "PGPORT": "5433", "PGUSER": "bình", "PGPASSWORD": "pw", "PGDATABASE": "thi_dua",
        ]
        let bare = try PostgresLocation(url: "postgresql://", environment: environment)
        #expect(
            bare == PostgresLocation(host: "10.0.0.5", port: 5433, user: "bình", password: "pw", database: "thi_dua"))
        let named = try PostgresLocation(url: "postgres://laurel@127.0.0.1/", environment: [:])
        #expect(named.port == 5432 && named.database == "laurel" && named.password == nil)
        #expect(try PostgresLocation.fromEnvironment(["DATABASE_URL": "postgres://u@h/d"])?.database == "d")
        #expect(try PostgresLocation.fromEnvironment(["DATABASE_URL": "laurel.sqlite"]) == nil)
    }

    @Test("a Unix socket is named as libpq names it: ?host=/folder&port=N, or an encoded path as the host")
    func unixSocket() throws {
        let query = try PostgresLocation(
            url: "postgresql://postgres@/b_x?host=%2Ftmp%2Fpgpeers-ab12&port=40123", environment: [:])
        #expect(query.isUnixSocket && query.host == "/tmp/pgpeers-ab12" && query.port == 40123)
        #expect(query.unixSocketPath == "/tmp/pgpeers-ab12/.s.PGSQL.40123" && query.database == "b_x")
        #expect(query.description == "postgres://postgres@/b_x?host=/tmp/pgpeers-ab12&port=40123")
        let encoded = try PostgresLocation(url: "postgres://an@%2Fvar%2Frun%2Fpostgresql/laurel", environment: [:])
        #expect(encoded.isUnixSocket && encoded.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        let environment = try PostgresLocation(
            url: "postgres:///laurel", environment: ["PGHOST": "/run/pg", "PGUSER": "an"])
        #expect(environment.isUnixSocket && environment.host == "/run/pg")
        #expect(!(try PostgresLocation(url: "postgres://an@db/laurel", environment: [:])).isUnixSocket)
        #expect(throws: PostgresLocation.Invalid.self) {
            try PostgresLocation(url: "postgres://an@/laurel?host=/tmp&port=many", environment: [:])
        }
    }

    @Test("the password is never in the description or an error")
    func noPassword() throws {
        let location = try PostgresLocation(url: "postgres://an:topsecret@db:5432/laurel", environment: [:])
        #expect(location.description == "postgres://an@db:5432/laurel")
        do {
            _ = try PostgresLocation(url: "postgres://an:topsecret@db:5432/laurel?sslmode=require", environment: [:])
            Issue.record("sslmode=require was accepted")
        } catch {
            #expect(!"\(error)".contains("topsecret") && "\(error)".contains("sslmode=require"))
        }
        do {
            _ = try PostgresLocation(url: "postgres://an:topsecret@db/laurel?application=x", environment: [:])
            Issue.record("an unknown setting was accepted")
        } catch {
            #expect(!"\(error)".contains("topsecret") && "\(error)".contains("'application'"))
        }
        #expect(throws: PostgresLocation.Invalid.self) {
            try PostgresLocation(url: "postgres://u@h/d", environment: ["PGPORT": "abc"])
        }
        #expect(!PostgresLocation.isURL("laurel.sqlite") && PostgresLocation.isURL("postgresql://x"))
    }
}
