import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelPostgres
import LaurelSQLite
import LaurelService
import LaurelStore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on a database as a whole.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand, FormattedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything one database holds into a new, empty one (SQLite to PostgreSQL, for example).",
            discussion: """
                Workflow versions, campaigns with their entries and timers, the event log, the outbox, \
                the organisation data, campaign numbers, recurrence cursors and child campaigns are \
                copied with their numbers and times, in one transaction of the target. Before that \
                transaction commits, the copy is read back and every part's count and checksum must \
                equal the source's; otherwise nothing is written. A target that holds anything is \
                refused. Stop 'laurel serve' on the source first: the copy is refused while a daemon \
                runs on a SQLite source, and on a PostgreSQL source it copies one snapshot. \
                docs/operations.md, "Moving from SQLite to PostgreSQL", says how to switch over.
                """)

        @Option(
            help: ArgumentHelp(
                "The database to copy: a SQLite file, or postgres://USER@HOST:PORT/DATABASE.", valueName: "path-or-url")
        )
        var from: String

        @Option(
            help: ArgumentHelp(
                "The empty database to copy into: postgres://USER@HOST:PORT/DATABASE (created by 'createdb'), or a new SQLite file.",
                valueName: "path-or-url"))
        var to: String

        @Option var format: OutputFormat = .text

        func validate() throws {
            for (name, value) in [("--from", from), ("--to", to)] where PostgresLocation.isURL(value) {
                do {
                    _ = try PostgresLocation(url: value)
                } catch let error as PostgresLocation.Invalid {
                    throw ValidationError("\(name): \(error.description)")
                }
            }
            if !PostgresLocation.isURL(from), !FileManager.default.fileExists(atPath: from) {
                throw ValidationError("--from: there is no database file '\(from)'")
            }
            if from == to { throw ValidationError("--from and --to name the same database") }
        }

        func run() async throws {
            let source = try StoreOptions.parse(["--database", from])
            let target = try StoreOptions.parse(["--database", to])
            let createdTarget = !target.isPostgres && !FileManager.default.fileExists(atPath: to)
            do {
                let report = try await source.withStore(.read, holdingDaemonClaim: true) { sourceStore in
                    try await target.withStore(.create) { targetStore in
                        try await CampaignService.copyStore(
                            from: sourceStore, to: targetStore, registry: BuiltInPlugins.registry,
                            progress: { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) })
                    }
                }
                present(report, source: source.displayName, target: target.displayName)
            } catch {
                // A SQLite file this command made for a copy that failed goes again.
                if createdTarget {
                    for suffix in ["", "-wal", "-shm", "-migration.lock"] {
                        try? FileManager.default.removeItem(atPath: to + suffix)
                    }
                }
                throw error
            }
        }

        private func present(_ report: StoreCopyReport, source: String, target: String) {
            if format == .json {
                let parts = report.parts.map { part in
                    JSONValue.object([
                        ("name", .string(part.name)), ("count", .number(Double(part.count))),
                        ("checksum", .string(part.checksum)),
                    ])
                }
                print(
                    JSONValue.object([
                        ("from", .string(source)), ("to", .string(target)), ("verified", .bool(true)),
                        ("parts", .array(parts)),
                    ]).rendered())
                return
            }
            print("Copied \(source) to \(target), verified part by part:")
            let width = report.parts.map(\.name.count).max() ?? 0
            for part in report.parts {
                let name = part.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let count = part.count.groupedByThousands.leftPadded(to: 10)
                print("  \(name) \(count)  sha256 \(part.checksum.prefix(16))")
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
