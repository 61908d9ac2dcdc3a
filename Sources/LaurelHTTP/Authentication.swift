import Hummingbird
import LaurelCore
import LaurelService
import Logging

/// Reads `Authorization: Bearer TOKEN` and puts the person it proves in the context. The token
/// is looked up by its hash on every request, so a revocation counts from the next request.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let service: CampaignService
    let clock: @Sendable () -> Instant

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw LaurelError(.unauthenticated, "this request needs a token: send 'Authorization: Bearer TOKEN'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].count <= 200 else {
            throw LaurelError(
                .unauthenticated,
                "the Authorization header must be 'Bearer TOKEN', with the token 'laurel access grant' printed")
        }
        var context = context
        context.principal = try await service.authenticate(token: String(parts[1]), now: clock())
        context.logger[metadataKey: "grant"] = .string(context.principal?.grantID ?? "")
        return try await AuditActor.$current.withValue(context.auditActor) { try await next(request, context) }
    }
}

/// Before any token is read, the request acts as nobody from its address (signing in with a
/// link's code is recorded so).
struct AnonymousActorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        try await AuditActor.$current.withValue(context.auditActor) { try await next(request, context) }
    }
}
