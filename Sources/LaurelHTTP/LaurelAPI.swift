import Foundation
public import Hummingbird
public import LaurelCore
public import LaurelService
public import Logging
import NIOCore
public import ServiceLifecycle

/// The HTTP API: every operation of the `laurel` command for the people a campaign exists for,
/// each asked of ``Authorization`` first and done through ``CampaignService`` (this module has
/// no store of its own). `laurel serve --http` runs it beside the daemon; `laurel api` alone.
public struct LaurelAPI: Sendable {
    /// The largest bodies taken, by kind.
    public enum Limits {
        /// A JSON request: an entry, a score sheet, a paper.
        public static let jsonBody = 256 * 1024
        /// A CSV upload of entries (the command line takes 64 MB from a file).
        public static let csvBody = 16 * 1024 * 1024
        public static let largestBody = csvBody
    }

    let service: CampaignService
    let clock: @Sendable () -> Instant
    /// The campaign pages' forecasts, kept a few minutes.
    let forecasts = ForecastCache()
    /// The campaign pages' per-unit progress and growth chart, until the campaign changes.
    let insights = InsightsCache()
    /// What open campaign pages follow.
    let live: LiveFeed
    /// The pages' templates, read once from the build's resources.
    static let pages = Result { try Pages.load() }
    let logger: Logger
    /// `/metrics`, when the process bootstrapped swift-metrics with Prometheus.
    let metrics: MetricsExport?
    /// The actions that wait for a second administrator's approval.
    let fourEyes: FourEyes

    public init(
        service: CampaignService, clock: @escaping @Sendable () -> Instant, logger: Logger,
        metrics: MetricsExport? = nil, fourEyes: FourEyes = .none
    ) {
        self.service = service
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.fourEyes = fourEyes
        live = LiveFeed(service: service, logger: logger)
    }

    /// The routes, with problem documents for every error and authentication before `/api/`.
    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        // Requests by route (its template, never an id), method and status, with durations;
        // outside the problem middleware, so it sees the status a client gets.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AnonymousActorMiddleware())
        router.get("healthz") { _, _ in JSONBody(["status": "ok"]) }
        router.get("openapi.json") { _, _ in
            TextBody(text: try Self.openAPIDocument(), type: "application/json; charset=utf-8")
        }
        router.post("api/sign-in") { request, _ in try await signIn(request) }
        router.get("metrics") { _, _ in
            guard let metrics else { throw LaurelError(.notFound, "this server exports no metrics") }
            return TextBody(
                text: try await metrics.text(service: service), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        let api = router.group("api").add(middleware: AuthenticationMiddleware(service: service, clock: clock))
        api.get("me") { _, context in JSONBody(PrincipalView(try context.requirePrincipal())) }
        addCampaignRoutes(to: api)
        addEntryRoutes(to: api)
        addCouncilRoutes(to: api)
        addAccessRoutes(to: api)
        addAdministrationRoutes(to: api)
        addAuditRoutes(to: api)
        addApprovalRoutes(to: api)
        addCertificateRoutes(to: api)
        switch Self.pages {
        case .success(let pages): addPageRoutes(to: router, pages: pages)
        case .failure(let error): logger.error("the web pages are off: \(error)")
        }
        return router
    }

    /// The server: hummingbird's `Application`, as a `Service` to run in a `ServiceGroup`. An
    /// address it cannot listen on is said in words (`unavailable`), naming the address.
    public func server(host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some Service
    {
        Server(
            application: Application(
                router: router(),
                configuration: .init(address: .hostname(host, port: port), serverName: "laurel"),
                onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
                logger: logger),
            address: "\(host):\(port)")
    }

    private struct Server<Wrapped: ApplicationProtocol>: Service {
        let application: Wrapped
        let address: String

        func run() async throws {
            do {
                try await application.run()
            } catch let error as IOError {
                let reason =
                    switch error.errnoCode {
                    case EADDRINUSE: "the address is already in use (another laurel, or another server)"
                    case EACCES: "permission denied (ports below 1024 need privileges)"
                    case EADDRNOTAVAIL: "this machine has no such address"
                    default: String(cString: strerror(error.errnoCode)).lowercased()
                    }
                throw LaurelError(
                    .unavailable,
                    "the HTTP API cannot listen on \(address): \(reason); stop what uses it, or give --http another HOST:PORT"
                )
            }
        }
    }

    /// The committed OpenAPI document (Sources/LaurelHTTP/Resources/openapi.json), as shipped.
    public static func openAPIDocument() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw LaurelError(.internal, "the OpenAPI document is missing from this build")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Allowed, or thrown as `forbidden` with the reason.
    func authorize(_ principal: Principal, _ action: Action, campaign: CampaignFacts?) async throws {
        let organisation = try await service.organisationInUse()
        if case .deny(let reason) = Authorization.decide(
            principal, action, campaign: campaign, organisation: organisation)
        {
            throw LaurelError(.forbidden, reason)
        }
    }

    func signIn(_ request: Request) async throws -> Response {
        struct Body: JSONRequest {
            static let keys: Set<String> = ["code"]
            var code: String
        }
        let body = try await request.json(Body.self)
        let issued = try await service.signIn(linkCode: body.code, now: clock())
        return JSONBody(IssuedGrantView(issued, shownOnce: true)).response(status: .created)
    }
}

/// An `Encodable` value as a JSON response (keys as the view declares them, snake_case).
struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var headers = HTTPFields()

    init(_ value: Value, headers: HTTPFields = HTTPFields()) {
        self.value = value
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response(status: .ok)
    }

    /// Keys in the order the view declares them (``JSONValue``), as the command line prints them.
    func response(status: HTTPResponse.Status) -> Response {
        let json = (try? JSONValue(encoding: value)) ?? .null
        return TextBody(text: json.rendered(pretty: false), type: "application/json; charset=utf-8", headers: headers)
            .response(status: status)
    }
}

/// A body already written: JSON built in code, CSV, Markdown, YAML.
struct TextBody: ResponseGenerator {
    var text: String
    var type: String
    var headers = HTTPFields()

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response(status: .ok)
    }

    func response(status: HTTPResponse.Status) -> Response {
        var headers = headers
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Who the token proves.
struct PrincipalView: Encodable, Sendable {
    var grant: String
    var person: String
    var role: String
    var unit: String?
    var council: String?

    init(_ principal: Principal) {
        grant = principal.grantID
        person = principal.person
        role = principal.role.rawValue
        unit = principal.unit
        council = principal.council
    }
}
