import Foundation
public import LaurelCore
public import LaurelStore

/// Which destructive actions need a second administrator's approval (four eyes), as the server's
/// configuration says (`laurel serve --four-eyes migrate --four-eyes event:cancel`).
public struct FourEyes: Sendable, Hashable {
    public var migrate: Bool
    /// Events, by name, an administrator sends only with a second one's approval.
    public var events: Set<String>

    public init(migrate: Bool = false, events: Set<String> = []) {
        self.migrate = migrate
        self.events = events
    }

    public static let none = FourEyes()

    public var isEmpty: Bool { !migrate && events.isEmpty }

    /// `migrate` or `event:NAME`, as the command line gives it; nil for anything else.
    public mutating func add(_ text: String) -> Bool {
        if text == "migrate" {
            migrate = true
            return true
        }
        if text.hasPrefix("event:"), text.count > 6 {
            events.insert(String(text.dropFirst(6)))
            return true
        }
        return false
    }
}

extension CampaignService {
    /// How long an approval waits for its second administrator.
    public static let approvalLifetime: Instant = 7 * 86_400

    /// Asks for an action to be approved by a second administrator; nothing else changes. The
    /// campaign's version is kept with it: approved, it is carried out only on that version.
    public func requestApproval(
        campaignID: String, action: String, detail: JSONValue, summary: String, version: Int, by person: String,
        now: Instant
    ) async throws -> Approval {
        let actor = AuditActor.current
        return try await writing { transaction in
            let existing = Set(try transaction.approvals().map(\.id))
            var id = Self.grantID()
            while existing.contains(id) { id = Self.grantID() }
            let approval = Approval(
                id: id, campaignID: campaignID, action: action, detail: Array(detail.rendered(pretty: false).utf8),
                summary: summary, version: version, requestedBy: person, requestedAt: now,
                expiresAt: now + Self.approvalLifetime)
            try transaction.saveApproval(approval)
            try transaction.appendAudit([Self.auditRecord("approval.request", approval, by: actor, at: now)])
            return approval
        }
    }

    public func approvals() async throws -> [Approval] {
        try await reading { try $0.approvals() }
    }

    /// The approval, still waiting, that `person` may decide: not their own, not expired.
    public func pendingApproval(_ id: String, decidedBy person: String, now: Instant) async throws -> Approval {
        guard let approval = try await reading({ try $0.approvals() }).first(where: { $0.id == id }) else {
            throw LaurelError(.notFound, "there is no approval '\(id)'; GET /api/approvals lists them")
        }
        if let decision = approval.decision {
            throw LaurelError(
                .conflict,
                "approval '\(id)' was \(decision.rawValue) already by another administrator; nothing was done again")
        }
        guard approval.expiresAt > now else {
            throw LaurelError(.conflict, "approval '\(id)' expired unanswered; ask for the action again")
        }
        guard approval.requestedBy != person else {
            throw LaurelError(
                .forbidden, "a second administrator must decide approval '\(id)': you asked for it yourself")
        }
        return approval
    }

    /// Records a decision. An approval whose action was carried out (its event is in the log) is
    /// recorded as approved whatever is asked: a rejection cannot undo it.
    @discardableResult
    public func decideApproval(_ approval: Approval, _ decision: Approval.Decision, by person: String, now: Instant)
        async throws -> Approval
    {
        let actor = AuditActor.current
        return try await writing { transaction in
            guard var current = try transaction.approvals().first(where: { $0.id == approval.id }),
                current.decision == nil
            else {
                throw LaurelError(.conflict, "approval '\(approval.id)' was decided meanwhile; nothing was done again")
            }
            let carriedOut = try transaction.containsEvent(id: Self.approvalEventID(approval.id))
            if decision == .rejected, carriedOut {
                throw LaurelError(
                    .conflict, "approval '\(approval.id)' was carried out already; it cannot be rejected afterwards")
            }
            current.decision = decision
            current.decidedBy = person
            current.decidedAt = now
            try transaction.saveApproval(current)
            try transaction.appendAudit([
                Self.auditRecord(
                    "approval.\(decision == .approved ? "approve" : "reject")", current, by: actor, at: now)
            ])
            return current
        }
    }

    /// The event id an approved action is applied under: a second approval of it, or a retry
    /// after a crash, applies nothing twice.
    public static func approvalEventID(_ id: String) -> String { "approval:\(id)" }

    static func auditRecord(_ action: String, _ approval: Approval, by actor: AuditActor, at now: Instant)
        -> AuditRecord
    {
        AuditTrail.record(
            action, by: actor, at: now, campaign: approval.campaignID, subject: approval.requestedBy,
            details: [
                ("approval", .string(approval.id)), ("what", .string(approval.action)),
                ("summary", .string(approval.summary)), ("version", .number(Double(approval.version))),
            ])
    }
}
