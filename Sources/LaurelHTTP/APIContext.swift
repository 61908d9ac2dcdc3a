public import Hummingbird
public import LaurelService

/// A request's context: hummingbird's, with the person the bearer token proved (nil on the few
/// routes that need none: the health check, the OpenAPI document, signing in).
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The client's IP address, for the audit log (a hash there).
    public var clientAddress: String?
    /// A web page's language and session (``PageSession``); unused by the API.
    var page = PageSession()

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Who this request acts as, for the audit log: the person the token proved, in their role, or
    /// nobody yet (signing in).
    var auditActor: AuditActor {
        AuditActor(
            person: principal?.person, role: principal?.role.rawValue ?? "anonymous", origin: "http",
            address: clientAddress, requestID: id)
    }

    /// Bodies are read by each route up to its own limit (``LaurelAPI/Limits``), not hummingbird's.
    public var maxUploadSize: Int { LaurelAPI.Limits.largestBody }

    /// The person asking; a route that needs one is behind the authentication middleware, so
    /// its absence is Laurel's fault, not the client's.
    func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw LaurelError(.unauthenticated, "this request needs a token: send 'Authorization: Bearer TOKEN'")
        }
        return principal
    }
}
