public import ArgumentParser
import Foundation
import LaurelCore
import LaurelSQLite
import LaurelService
import LaurelStore

struct AccessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Give people of the organisation access to the HTTP API, list and revoke it.",
        subcommands: [Grant.self, List.self, Revoke.self]
    )

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a person a role and print the token (or sign-in link code) that proves it, once.",
            discussion: """
                Roles: administrator (campaigns of --unit and the units under it; the whole organisation \
                without --unit), unit-officer (entries of their unit, by default the person's own), \
                council-member (scores and votes in the councils that list them; --council narrows it to \
                one), observer (progress and published results), auditor (history and the audit log). \
                The token is stored only as a hash: keep it where it was shown, or grant again.
                """
        )

        @Argument(help: ArgumentHelp("The person's id in the organisation data.", valueName: "person"))
        var person: String

        @Option(
            help: ArgumentHelp("administrator, unit-officer, council-member, observer or auditor.", valueName: "role"))
        var role: Role

        @Option(help: ArgumentHelp("The unit the role covers, with the units under it.", valueName: "unit"))
        var unit: String?

        @Option(help: ArgumentHelp("A council member's one council.", valueName: "council"))
        var council: String?

        @Option(
            help: ArgumentHelp(
                "How long it lasts, an ISO 8601 duration (default P90D; a link P7D).", valueName: "duration"))
        var expires: String?

        @Flag(help: "Make a one-time sign-in link's code instead of a token.")
        var link = false

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            var lifetime: ISODuration?
            if let expires {
                switch ISODuration.parse(expires) {
                case .success(let duration): lifetime = duration
                case .failure(let failure): throw LaurelError(.invalidRequest, "--expires: \(failure.message)")
                }
            }
            try await store.withService(.write) { service in
                let operatorName = ProcessInfo.processInfo.environment["USER"].map { "operator \($0)" } ?? "operator"
                let issued = try await service.grantAccess(
                    person: person, role: role, unit: unit, council: council, secret: link ? .link : .token,
                    lifetime: lifetime, grantedBy: operatorName, now: wallClock())
                let view = IssuedGrantView(issued, shownOnce: true)
                let grant = view.grant
                let scope = [grant.unit.map { "unit \($0)" }, grant.council.map { "council \($0)" }].compactMap { $0 }
                emit(
                    format,
                    text: """
                        Granted \(grant.role) to \(grant.person)\(scope.isEmpty ? "" : " (\(scope.joined(separator: ", ")))") until \(grant.expires) UTC; grant id \(grant.id).
                        \(link ? "Sign-in code" : "Token") (shown once, stored only as a hash):
                        \(issued.secret)
                        \(link ? "Open /signin?code=\(issued.secret) on the server's web pages, or POST it to /api/sign-in as {\"code\": \"...\"}; it works once." : "Send it as: Authorization: Bearer \(issued.secret.prefix(12))... (or paste it on the web pages' sign-in)")
                        """,
                    json: try JSONValue(encoding: view))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every grant, oldest first, without secrets.")

        @Flag(help: "Also list revoked, used and expired grants.")
        var all = false

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.read) { service in
                let now = wallClock()
                let views = try await service.accessGrants().map { GrantView($0, now: now) }.filter {
                    all || $0.status == "active"
                }
                if format == .json {
                    print(try JSONValue(encoding: views).rendered())
                    return
                }
                guard !views.isEmpty else {
                    print(
                        all
                            ? "No grants yet: 'laurel access grant PERSON --role ROLE' makes one."
                            : "No active grants (--all lists the others).")
                    return
                }
                for view in views {
                    let scope = [view.unit.map { "unit \($0)" }, view.council.map { "council \($0)" }].compactMap { $0 }
                    print(
                        Escaping.line(
                            "\(view.id)  \(view.person)  \(view.role)\(scope.isEmpty ? "" : " (\(scope.joined(separator: ", ")))")  \(view.kind)  \(view.status)  until \(view.expires)"
                        ))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a grant: its token proves nothing from the next request on.")

        @Argument(help: ArgumentHelp("The grant's id, as 'laurel access list' shows it.", valueName: "grant-id"))
        var id: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.write) { service in
                let revoked = try await service.revokeAccess(id: id, now: wallClock())
                let view = GrantView(revoked, now: wallClock())
                emit(
                    format, text: "Revoked grant \(view.id) (\(view.person), \(view.role)).",
                    json: try JSONValue(encoding: view))
            }
        }
    }
}

extension Role: ExpressibleByArgument {}
