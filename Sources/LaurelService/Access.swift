import Crypto
import Foundation
public import LaurelCore
public import LaurelStore

/// A grant just made, with its secret: shown once, never stored.
public struct IssuedGrant: Sendable {
    public var grant: AccessGrant
    /// The bearer token, or a sign-in link's code.
    public var secret: String
}

extension CampaignService {
    /// How long a grant lasts when the administrator names no expiry.
    public static let defaultTokenLifetime = ISODuration(days: 90)
    public static let defaultLinkLifetime = ISODuration(days: 7)

    /// Gives a person of the organisation data a role, and returns the secret that proves it.
    /// A unit officer's unit defaults to the person's own unit; a council member's council is
    /// checked against no workflow here (the person acts only in councils whose members list them).
    public func grantAccess(
        person: String, role: Role, unit: String?, council: String?, secret kind: AccessGrant.Secret = .token,
        lifetime: ISODuration?, grantedBy: String, now: Instant
    ) async throws -> IssuedGrant {
        let secret = Self.newSecret(kind)
        let actor = AuditActor.current
        let issued = try await writing { transaction in
            let organisation = try transaction.organisation()
            guard let someone = organisation.person(person) else {
                let known = organisation.people.map(\.id)
                throw LaurelError(
                    .invalidInput,
                    "there is no person '\(person)' in the organisation data"
                        + (known.isEmpty
                            ? "; import it first with 'laurel org import FILE'"
                            : Suggestions.didYouMean(person, in: known)))
            }
            if let unit, organisation.unit(unit) == nil {
                throw LaurelError(
                    .invalidInput,
                    "there is no unit '\(unit)' in the organisation data"
                        + Suggestions.didYouMean(unit, in: organisation.units.map(\.id)))
            }
            if council != nil, role != .councilMember {
                throw LaurelError(.invalidInput, "--council is for a council member's grant, not \(role.rawValue)")
            }
            let scope = unit ?? (role == .unitOfficer ? someone.unit : nil)
            let calendar = ZonedCalendar(zoneName: "UTC")!
            let lifetime = lifetime ?? (kind == .link ? Self.defaultLinkLifetime : Self.defaultTokenLifetime)
            let expires = calendar.adding(lifetime, to: now)
            guard expires > now else {
                throw LaurelError(.invalidInput, "the expiry must be a positive duration like P90D, not \(lifetime)")
            }
            let existing = Set(try transaction.accessGrants().map(\.id))
            var id = Self.grantID()
            while existing.contains(id) { id = Self.grantID() }
            let grant = AccessGrant(
                id: id, person: person, role: role.rawValue, unit: scope, council: council, secret: kind,
                secretHash: Self.hash(secret), createdAt: now, expiresAt: expires, grantedBy: grantedBy)
            try transaction.saveAccessGrant(grant)
            try transaction.appendAudit([Self.auditRecord("access.grant", grant, by: actor, at: now)])
            return grant
        }
        return IssuedGrant(grant: issued, secret: secret)
    }

    /// Revokes a grant: from the next request on it proves nothing. Revoking one already revoked
    /// is refused (`conflict`), so a command that did nothing says so.
    @discardableResult
    public func revokeAccess(id: String, now: Instant) async throws -> AccessGrant {
        let actor = AuditActor.current
        return try await writing { transaction in
            let grants = try transaction.accessGrants()
            guard var grant = grants.first(where: { $0.id == id }) else {
                throw LaurelError(
                    .notFound,
                    "there is no grant '\(id)'\(Suggestions.didYouMean(id, in: grants.map(\.id))); 'laurel access list' shows them"
                )
            }
            if let revoked = grant.revokedAt {
                throw LaurelError(
                    .conflict,
                    "grant '\(id)' was already revoked (or its link used) at \(Self.utc(revoked)); nothing was changed")
            }
            grant.revokedAt = now
            try transaction.saveAccessGrant(grant)
            try transaction.appendAudit([Self.auditRecord("access.revoke", grant, by: actor, at: now)])
            return grant
        }
    }

    /// A grant made, revoked or used, for the audit log: its id, role and scope; the person it is
    /// for only as a hash. Never its secret or the secret's hash.
    static func auditRecord(_ action: String, _ grant: AccessGrant, by actor: AuditActor, at now: Instant)
        -> AuditRecord
    {
        AuditTrail.record(
            action, by: actor, at: now, subject: grant.person,
            details: [
                ("grant", .string(grant.id)), ("role", .string(grant.role)),
                ("unit", grant.unit.map(JSONValue.string) ?? .null),
                ("council", grant.council.map(JSONValue.string) ?? .null), ("secret", .string(grant.secret.rawValue)),
                ("expires", .string(ZonedCalendar.utcTimestamp(grant.expiresAt))),
            ])
    }

    public func accessGrants() async throws -> [AccessGrant] {
        try await reading { try $0.accessGrants() }
    }

    /// The principal a bearer token proves at `now`. Unknown, expired, revoked and link secrets
    /// are all refused alike (`unauthenticated`), without saying which: the message helps the
    /// holder, not someone guessing.
    public func authenticate(token: String, now: Instant) async throws -> Principal {
        let hash = Self.hash(token)
        let grant = try await reading { try $0.accessGrant(secretHash: hash) }
        guard let grant, grant.secret == .token, grant.isActive(at: now), let role = Role(rawValue: grant.role) else {
            throw LaurelError(
                .unauthenticated,
                "the token is not valid: it may have expired or been revoked; ask an administrator for a new one")
        }
        return Principal(grantID: grant.id, person: grant.person, role: role, unit: grant.unit, council: grant.council)
    }

    /// Uses a sign-in link's code once: the link is spent and a token of the same person, role
    /// and scope is made, lasting as long as a token does.
    public func signIn(linkCode: String, now: Instant) async throws -> IssuedGrant {
        let hash = Self.hash(linkCode)
        let token = Self.newSecret(.token)
        let actor = AuditActor.current
        let grant = try await writing { transaction in
            guard var link = try transaction.accessGrant(secretHash: hash), link.secret == .link,
                link.isActive(at: now)
            else {
                throw LaurelError(
                    .unauthenticated,
                    "the sign-in link is not valid: it may have been used, expired or been revoked; ask for a new one")
            }
            link.revokedAt = now
            try transaction.saveAccessGrant(link)
            let existing = Set(try transaction.accessGrants().map(\.id))
            var id = Self.grantID()
            while existing.contains(id) { id = Self.grantID() }
            let calendar = ZonedCalendar(zoneName: "UTC")!
            let grant = AccessGrant(
                id: id, person: link.person, role: link.role, unit: link.unit, council: link.council, secret: .token,
                secretHash: Self.hash(token), createdAt: now,
                expiresAt: calendar.adding(Self.defaultTokenLifetime, to: now), grantedBy: "link \(link.id)")
            try transaction.saveAccessGrant(grant)
            // The person signing in is who the link was for: the record says so, as a hash.
            var signingIn = actor
            signingIn.person = link.person
            signingIn.role = link.role
            try transaction.appendAudit([
                Self.auditRecord("access.link-used", link, by: signingIn, at: now),
                Self.auditRecord("access.grant", grant, by: signingIn, at: now),
            ])
            return grant
        }
        return IssuedGrant(grant: grant, secret: token)
    }

    /// SHA-256 of a secret, in hexadecimal: what the store keeps. A secret has 256 random bits,
    /// so a slow password hash would add nothing.
    static func hash(_ secret: String) -> String {
        Hex.string(Crypto.SHA256.hash(data: Array(secret.utf8)))
    }

    /// 32 random bytes in base64url, with a prefix that says what it is (as GitHub's `ghp_`):
    /// a scanner can then find a token pasted where it should not be.
    static func newSecret(_ kind: AccessGrant.Secret) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (kind == .token ? "laurel_t_" : "laurel_l_") + text
    }

    /// Eight lowercase letters and digits: short enough to type in `laurel access revoke`.
    static func grantID() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func utc(_ instant: Instant) -> String {
        let (date, time) = ZonedCalendar(zoneName: "UTC")!.local(instant)
        return "\(date) \(time) UTC"
    }
}

extension CampaignService {
    /// A campaign, its engine and what ``Authorization`` decides on, from one snapshot. An unknown
    /// id is `notFound` without suggestions: over HTTP a suggestion could name a campaign the
    /// person may not see.
    public func campaignWithFacts(_ id: String, withEntries: Bool = false) async throws -> (
        campaign: Campaign, engine: Engine, facts: CampaignFacts
    ) {
        let (found, link) = try await reading { reader -> (Campaign?, (campaign: String, unit: String?)?) in
            let campaign = try withEntries ? reader.campaignWithEntries(id: id) : reader.campaign(id: id)
            return (campaign, campaign == nil ? nil : try reader.parent(of: id))
        }
        guard let campaign = found else { throw LaurelError(.notFound, "there is no campaign '\(id)'") }
        let engine = try await engine(version: campaign.workflowVersion)
        return (
            campaign, engine,
            CampaignFacts(
                campaign, workflow: engine.workflow,
                unit: Self.unit(of: campaign, engine: engine, parentUnit: link?.unit))
        )
    }

    /// The unit a campaign runs for: its unit input, else the unit its parent started it for.
    static func unit(of campaign: Campaign, engine: Engine, parentUnit: String?) -> String? {
        if let input = engine.workflow.unitInput, let unit = campaign.inputs[input.name]?.text { return unit }
        return parentUnit
    }

    /// The unit of each listed campaign, for filtering a list by scope, read in one snapshot.
    public func campaignFacts(of summaries: [CampaignSummary]) async throws -> [String: CampaignFacts] {
        var result: [String: CampaignFacts] = [:]
        for summary in summaries {
            result[summary.id] = try await campaignWithFacts(summary.id).facts
        }
        return result
    }

    /// The version a new campaign of the workflow starts on: the latest the daemon recorded.
    public func latestVersion(of workflowID: String) async throws -> String {
        let (latest, known) = try await reading { reader in
            (try reader.latestVersion(workflowID: workflowID), try reader.latestWorkflowVersions().map(\.workflowID))
        }
        guard let latest else {
            throw LaurelError(
                .notFound,
                "there is no workflow '\(workflowID)'\(Suggestions.didYouMean(workflowID, in: known)); the daemon records a workflow when it loads its file"
            )
        }
        return latest
    }

    /// A logged event by its id.
    public func loggedEvent(id: String) async throws -> LoggedEvent? {
        try await reading { try $0.event(id: id) }
    }
}

/// A grant as listed (`laurel access list`, `GET /api/access`): never its secret or its hash.
public struct GrantView: Encodable, Sendable, Hashable {
    public var id: String
    public var person: String
    public var role: String
    public var unit: String?
    public var council: String?
    /// "token" or "link".
    public var kind: String
    public var created: String
    public var expires: String
    public var revoked: String?
    /// "active", "expired", "revoked", or "used" (a link exchanged for a token).
    public var status: String
    public var grantedBy: String

    enum CodingKeys: String, CodingKey {
        case id, person, role, unit, council, kind, created, expires, revoked, status
        case grantedBy = "granted_by"
    }

    public init(_ grant: AccessGrant, now: Instant) {
        let calendar = ZonedCalendar(zoneName: "UTC")!
        id = grant.id
        person = grant.person
        role = grant.role
        unit = grant.unit
        council = grant.council
        kind = grant.secret.rawValue
        created = calendar.format(grant.createdAt)
        expires = calendar.format(grant.expiresAt)
        revoked = grant.revokedAt.map { calendar.format($0) }
        status =
            grant.revokedAt != nil
            ? (grant.secret == .link ? "used" : "revoked") : grant.isActive(at: now) ? "active" : "expired"
        grantedBy = grant.grantedBy
    }
}

/// A grant just made, with its secret: the only time it is shown.
public struct IssuedGrantView: Encodable, Sendable {
    public var grant: GrantView
    /// The bearer token, or the sign-in link's code.
    public var secret: String
    public var note: String

    public init(_ issued: IssuedGrant, shownOnce: Bool) {
        grant = GrantView(issued.grant, now: issued.grant.createdAt)
        secret = issued.secret
        note =
            issued.grant.secret == .token
            ? "send it as 'Authorization: Bearer TOKEN'; it is shown once and cannot be read again"
            : "the code of a one-time sign-in link: POST it to /api/sign-in as {\"code\": ...} for a token; it works once"
    }
}
