import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore

extension LaurelAPI {
    func addAccessRoutes(to api: RouterGroup<APIContext>) {
        // The grants an administrator may manage: those within their scope.
        api.get("access") { _, context in
            let principal = try context.requirePrincipal()
            try await authorize(principal, .manageAccess(unit: principal.unit), campaign: nil)
            let organisation = try await service.organisationInUse()
            let now = clock()
            return JSONBody(
                try await service.accessGrants().filter {
                    Authorization.decide(
                        principal, .manageAccess(unit: $0.unit), campaign: nil, organisation: organisation
                    )
                    .isAllowed
                }.map { GrantView($0, now: now) })
        }
        api.post("access") { request, context in
            struct Body: JSONRequest {
                static let keys: Set<String> = ["person", "role", "unit", "council", "kind", "expires"]
                var person: String
                var role: String
                var unit: String?
                var council: String?
                var kind: String?
                var expires: String?
            }
            let principal = try context.requirePrincipal()
            let body = try await request.json(Body.self)
            guard let role = Role(rawValue: body.role) else {
                throw Problem(
                    LaurelError(
                        .invalidInput,
                        "there is no role '\(body.role)'; the roles are \(Suggestions.list(Role.allCases.map(\.rawValue), conjunction: "and"))"
                    ),
                    errors: [.init(pointer: "/role", line: nil, detail: "not a role")])
            }
            guard let kind = AccessGrant.Secret(rawValue: body.kind ?? "token") else {
                throw Problem(
                    LaurelError(.invalidInput, "a grant's kind is 'token' or 'link'"),
                    errors: [.init(pointer: "/kind", line: nil, detail: "not 'token' or 'link'")])
            }
            var lifetime: ISODuration?
            if let text = body.expires {
                switch ISODuration.parse(text) {
                case .success(let duration): lifetime = duration
                case .failure(let failure):
                    throw Problem(
                        LaurelError(.invalidInput, "expires: \(failure.message)"),
                        errors: [.init(pointer: "/expires", line: nil, detail: failure.message)])
                }
            }
            // An administrator grants within their scope, and never more than their own role.
            let organisation = try await service.organisationInUse()
            let unit = body.unit ?? (role == .unitOfficer ? organisation.person(body.person)?.unit : principal.unit)
            try await authorize(principal, .manageAccess(unit: unit), campaign: nil)
            let issued = try await service.grantAccess(
                person: body.person, role: role, unit: unit, council: body.council, secret: kind, lifetime: lifetime,
                grantedBy: principal.person, now: clock())
            return JSONBody(IssuedGrantView(issued, shownOnce: true)).response(status: .created)
        }
        api.post("access/:grant/revoke") { _, context in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("grant")
            let grant = try await service.accessGrants().first { $0.id == id }
            try await authorize(principal, .manageAccess(unit: grant?.unit), campaign: nil)
            let revoked = try await service.revokeAccess(id: id, now: clock())
            return JSONBody(GrantView(revoked, now: clock()))
        }
    }
}
