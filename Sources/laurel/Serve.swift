import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelHTTP
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: advance every running campaign on its schedule until SIGTERM or SIGINT.",
        discussion: """
            Loads and validates every workflow file of the folder (a file with errors is reported and \
            the last good version of its workflow stays in force; files are read again when they \
            change), fires due timers in due order, each in one transaction with its consequences, \
            and catches up what fell due while it was down. With --demo it runs on an accelerated \
            clock, starts one campaign per workflow and generates entries, reports and scores, so \
            campaigns advance in the log within a minute.
            """
    )

    @Option(help: ArgumentHelp("The folder of workflow files.", valueName: "dir"))
    var workflows = "workflows"

    @OptionGroup var store: StoreOptions

    @Flag(help: "Accelerated clock, one campaign per workflow and generated events, to watch campaigns advance.")
    var demo = false

    @Option(
        help: ArgumentHelp("With --demo: virtual seconds per real second (604800: a week a second).", valueName: "n"))
    var speed: Double = 604_800

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("With --demo: the seed of the generated events (0 or more).", valueName: "n"))
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp("Append delivered notifications and awards to this file as JSON lines.", valueName: "path"))
    var outbox: String?

    @Option(
        help: ArgumentHelp(
            "Write each winner's certificate to this folder as Markdown and HTML, one subfolder per campaign.",
            valueName: "folder"))
    var certificates: String?

    @Option(
        name: .customLong("webhook"),
        help: ArgumentHelp(
            "POST every outbox item (notices, minutes, certificates) to this http(s) address, signed; repeat for more.",
            valueName: "url"))
    var webhooks: [String] = []

    @Option(
        help: ArgumentHelp(
            "The file holding the webhooks' shared secret (HMAC-SHA256 of each body); at least 16 bytes.",
            valueName: "path"))
    var webhookSecretFile: String?

    @Option(
        help: ArgumentHelp(
            "Sign an audit checkpoint with this key (from 'laurel audit key') every --audit-every seconds, and publish it through the outbox.",
            valueName: "file"))
    var auditKey: String?

    @Option(help: ArgumentHelp("Seconds between audit checkpoints, when records wait.", valueName: "seconds"))
    var auditEvery: Double = 10

    @OptionGroup var log: LogOptions

    @OptionGroup var approvals: FourEyesOptions

    @Option(
        help: ArgumentHelp(
            "PostgreSQL only: the server ends a daemon's session that stays this many seconds inside a transaction without a word (a stopped or cut-off daemon), so its locks go and its late commit fails.",
            valueName: "seconds"))
    var sessionTimeout: Int = 30

    @Option(
        help: ArgumentHelp(
            "The daemon's name in its log lines and, on PostgreSQL, in the server's list of sessions (application_name 'laurel NAME'): which of several daemons did what.",
            valueName: "name"))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "Also serve the HTTP API on this address, HOST:PORT (127.0.0.1:8080); people sign in with tokens from 'laurel access grant'.",
            valueName: "host:port"))
    var http: HTTPAddress?

    func validate() throws {
        if let name,
            name.isEmpty || name.count > 40 || name.contains(where: { $0.isNewline || $0.isWhitespace && $0 != " " })
        {
            throw ValidationError("--name must be 1 to 40 characters on one line, for example --name db-2")
        }
        // Above a billion (31 years a second) the clock would run past what an instant can hold.
        guard speed >= 1, speed <= 1e9, speed.isFinite else {
            throw ValidationError("--speed must be a number from 1 to 1000000000")
        }
        if !demo && speed != 604_800 { throw ValidationError("--speed only applies with --demo") }
        guard auditEvery >= 0.1, auditEvery <= 86_400, auditEvery.isFinite else {
            throw ValidationError("--audit-every must be a number of seconds from 0.1 to 86400")
        }
        if auditKey == nil && auditEvery != 10 { throw ValidationError("--audit-every applies with --audit-key") }
        if !approvals.actions.isEmpty && http == nil {
            throw ValidationError("--four-eyes applies to the HTTP API: give --http HOST:PORT too")
        }
        guard (1...86_400).contains(sessionTimeout) else {
            throw ValidationError("--session-timeout must be a whole number of seconds from 1 to 86400")
        }
        if sessionTimeout != 30 && !store.isPostgres {
            throw ValidationError("--session-timeout applies to PostgreSQL; a SQLite file has one daemon")
        }
        if demo && store.isPostgres {
            throw ValidationError(
                "--demo runs on a SQLite file of its own (it starts campaigns and generates events); give --database a file, not PostgreSQL"
            )
        }
    }

    func run() async throws {
        // What starting writes (workflow versions first seen) is the operator's doing; the
        // daemon and each HTTP request then say who they act for.
        try await AuditActor.$current.withValue(.commandLine(LaurelMain.commandPath())) { try await serve() }
    }

    private func serve() async throws {
        log.bootstrap()
        var logger = Logger(label: "laurel")
        if let name { logger[metadataKey: "daemon"] = .string(name) }
        // Paths the daemon will write are checked before anything starts (exit 2 with the reason).
        let problems = DaemonConfiguration(outboxFile: outbox, certificatesFolder: certificates).pathProblems()
        var isDirectory: ObjCBool = false
        let folderProblem =
            FileManager.default.fileExists(atPath: workflows, isDirectory: &isDirectory) && isDirectory.boolValue
            ? [] : ["--workflows: '\(workflows)' is not a folder of workflow files"]
        var webhookProblems: [String] = []
        var webhookConfiguration: WebhookConfiguration?
        switch WebhookConfiguration.make(endpoints: webhooks, secretFile: webhookSecretFile) {
        case .success(let made): webhookConfiguration = made
        case .failure(let failure): webhookProblems = failure.lines
        }
        var auditProblems: [String] = []
        var auditSigner: AuditSigner?
        if let auditKey {
            do {
                auditSigner = try AuditSigner.load(auditKey)
            } catch let error as LaurelError {
                auditProblems.append("--audit-key: \(error.message)")
            }
        }
        guard problems.isEmpty, folderProblem.isEmpty, webhookProblems.isEmpty, auditProblems.isEmpty else {
            throw LaurelError(
                .invalidRequest, "nothing was started",
                problems: (folderProblem + problems + webhookProblems + auditProblems).enumerated().map {
                    LaurelError.Problem(index: $0.offset, message: $0.element)
                })
        }
        // The services before the daemon: PostgreSQL's pool runs first and so stops last.
        var before: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var prepare: @Sendable () async throws -> Void = {}
        let service: CampaignService
        let claim: DaemonClaim?
        if store.isPostgres {
            // Several daemons may share the database: each claims the campaigns it fires.
            let postgres = try store.openPostgres(
                asDaemon: true, sessionTimeout: .seconds(sessionTimeout), name: name)
            before.append(.init(service: postgres))
            prepare = { [store] in try await store.prepare(postgres, .create) }
            service = CampaignService(store: postgres, registry: BuiltInPlugins.registry)
            claim = nil
        } else {
            let sqlite = try store.openSQLite(.create)
            // One daemon per file: a second one is refused before it does anything.
            do {
                claim = try sqlite.claimForDaemon()
            } catch {
                throw LaurelError(.unavailable, StoreMessages.describe(error))
            }
            // A paper's traces a crash may have left in the write-ahead log go before anything else.
            try? await sqlite.forgetBallotHistory()
            try sqlite.startBackgroundCheckpoints()
            service = CampaignService(store: sqlite, registry: BuiltInPlugins.registry)
        }
        defer { withExtendedLifetime(claim) {} }
        var clock = DaemonClock.system
        if demo {
            let library = try await service.workflowLibrary(folder: workflows, now: clock.now()).library
            var years: [Int] = []
            for current in library.current.values {
                if let year = try await service.engine(version: current.version).workflow.earliestWrittenYear {
                    years.append(year)
                }
            }
            let calendar = ZonedCalendar(zoneName: "UTC")!
            let start =
                years.min().flatMap { LocalDate(year: $0, month: 1, day: 1) }
                .map { calendar.instant($0, LocalTime(hour: 0, minute: 0)!) } ?? clock.now()
            clock = .accelerated(from: start, speed: speed)
        }
        let configuration = DaemonConfiguration(
            workflowsFolder: workflows, clock: clock,
            demo: demo ? DemoConfiguration(seed: seed) : nil, outboxFile: outbox,
            certificatesFolder: certificates, webhooks: webhookConfiguration, auditSigner: auditSigner,
            auditInterval: auditEvery)
        let daemon = CampaignDaemon(service: service, configuration: configuration, logger: logger)
        var services: [any Service] = [daemon]
        if let http {
            let api = LaurelAPI(
                service: service, clock: { [clock] in clock.now() }, logger: logger, metrics: Self.bootstrapMetrics(),
                fourEyes: approvals.policy)
            services.append(
                api.server(host: http.host, port: http.port) { [logger] port in
                    logger.notice("HTTP API listening on http://\(http.host):\(port)")
                })
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: before + [.init(service: AfterPreparing(prepare: prepare, services: services))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}

/// The daemon and the HTTP API, started once what they need is ready (PostgreSQL's schema, which
/// needs the pool running before it). They stop together: the group's graceful shutdown reaches
/// both, and when one fails the other is cancelled.
struct AfterPreparing: Service {
    let prepare: @Sendable () async throws -> Void
    let services: [any Service]

    func run() async throws {
        try await prepare()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            // The first to fail ends the others at once (leaving the scope cancels them): an API
            // that cannot listen stops the daemon too, rather than leaving it running alone.
            while try await group.next() != nil {}
        }
    }
}

/// Where the HTTP API listens: HOST:PORT, or :PORT and PORT for 127.0.0.1.
struct HTTPAddress: ExpressibleByArgument, Sendable {
    var host: String
    var port: Int

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        let hostPart = parts.count == 2 ? String(parts[0]) : ""
        guard parts.count <= 2, let port = Int(parts.last ?? ""), (0...65_535).contains(port) else { return nil }
        host = hostPart.isEmpty ? "127.0.0.1" : hostPart
        self.port = port
    }

    static var defaultValueDescription: String { "127.0.0.1:8080" }
}

extension Serve {
    /// swift-metrics to Prometheus, for the API's `/metrics`: once per process, before anything
    /// counts (the daemon's timers, hummingbird's requests).
    static func bootstrapMetrics() -> MetricsExport {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return MetricsExport(registry: registry)
    }
}
