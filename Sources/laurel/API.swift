import ArgumentParser
import LaurelCore
import LaurelDaemon
import LaurelHTTP
import LaurelPlugins
import LaurelSQLite
import LaurelService
import Logging
import ServiceLifecycle
import UnixSignals

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API alone, on a database a daemon runs on (laurel serve --http runs both).",
        discussion: """
            Every request needs 'Authorization: Bearer TOKEN', a token from 'laurel access grant'. \
            Stops on SIGTERM or SIGINT after the requests in flight.
            """
    )

    @Option(help: ArgumentHelp("The address to listen on, HOST:PORT.", valueName: "host:port"))
    var http = HTTPAddress(argument: "127.0.0.1:8080")!

    @OptionGroup var store: StoreOptions

    @OptionGroup var log: LogOptions

    @OptionGroup var approvals: FourEyesOptions

    func run() async throws {
        // What starting writes (workflow versions first seen) is the operator's doing; the
        // daemon and each HTTP request then say who they act for.
        try await AuditActor.$current.withValue(.commandLine(LaurelMain.commandPath())) { try await serve() }
    }

    private func serve() async throws {
        log.bootstrap()
        let logger = Logger(label: "laurel")
        var before: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var prepare: @Sendable () async throws -> Void = {}
        let service: CampaignService
        if store.isPostgres {
            let postgres = try store.openPostgres()
            before.append(.init(service: postgres))
            prepare = { [store] in try await store.prepare(postgres, .write) }
            service = CampaignService(store: postgres, registry: BuiltInPlugins.registry)
        } else {
            let sqlite = try store.openSQLite(.write)
            try sqlite.startBackgroundCheckpoints()
            service = CampaignService(store: sqlite, registry: BuiltInPlugins.registry)
        }
        let address = http
        let clock = DaemonClock.system
        let application = LaurelAPI(
            service: service, clock: { clock.now() }, logger: logger, metrics: Serve.bootstrapMetrics(),
            fourEyes: approvals.policy
        )
        .server(host: address.host, port: address.port) { port in
            logger.notice("HTTP API listening on http://\(address.host):\(port)")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: before + [
                    .init(
                        service: AfterPreparing(
                            prepare: prepare, services: [application, OrganisationRefresh(service: service)]))
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// Without a daemon beside it (which reads the organisation data again as it rescans its
/// folder), the API reads it again every few seconds when an import in another process changed it.
struct OrganisationRefresh: Service {
    let service: CampaignService

    func run() async throws {
        // Ends at the group's graceful shutdown, the sleep cut short.
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(5))
                _ = try? await service.refreshOrganisation()
            }
        }
    }
}

/// `--four-eyes ACTION`: the HTTP API's destructive actions that wait for a second administrator.
struct FourEyesOptions: ParsableArguments {
    @Option(
        name: .customLong("four-eyes"),
        help: ArgumentHelp(
            "An action a second administrator must approve over HTTP: 'migrate', or 'event:NAME' (event:cancel); repeat for more.",
            valueName: "action"))
    var actions: [String] = []

    var policy: FourEyes {
        var policy = FourEyes()
        for action in actions { _ = policy.add(action) }
        return policy
    }

    func validate() throws {
        var policy = FourEyes()
        for action in actions where !policy.add(action) {
            throw ValidationError("--four-eyes takes 'migrate' or 'event:NAME' (such as event:cancel), not '\(action)'")
        }
    }
}
