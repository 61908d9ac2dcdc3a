public import LaurelCore

/// Access given to one person: a role with its scope, and the hash of the secret that proves it
/// (a bearer token, or a one-time sign-in link's code). The secret itself is never stored: it is
/// shown once when the grant is made (`laurel access grant`).
public struct AccessGrant: Sendable, Hashable {
    /// How the secret is used.
    public enum Secret: String, Sendable, Hashable {
        /// A bearer token, sent with every request until it expires or is revoked.
        case token
        /// A sign-in link's code: good once, exchanged for a token of the same role and scope.
        case link
    }

    /// A short public name, for `laurel access revoke ID` and the audit log; not a secret.
    public var id: String
    /// A person of the organisation data.
    public var person: String
    /// The role's name (`administrator`, `unit-officer`, `council-member`, `observer`, `auditor`).
    public var role: String
    /// The unit the role covers, with the units under it; nil for the whole organisation.
    public var unit: String?
    /// The council a council member's grant is for; nil for every council the person is on.
    public var council: String?
    public var secret: Secret
    /// SHA-256 of the secret, in hexadecimal.
    public var secretHash: String
    public var createdAt: Instant
    public var expiresAt: Instant
    /// When it was revoked (or, for a link, used); it proves nothing from then on.
    public var revokedAt: Instant?
    /// Who made the grant: a person, or the command line's operator.
    public var grantedBy: String

    public init(
        id: String, person: String, role: String, unit: String? = nil, council: String? = nil, secret: Secret = .token,
        secretHash: String, createdAt: Instant, expiresAt: Instant, revokedAt: Instant? = nil, grantedBy: String
    ) {
        self.id = id
        self.person = person
        self.role = role
        self.unit = unit
        self.council = council
        self.secret = secret
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.grantedBy = grantedBy
    }

    /// Whether the grant proves anything at `instant`: not revoked (or used) and not expired.
    public func isActive(at instant: Instant) -> Bool {
        revokedAt == nil && instant < expiresAt
    }
}
