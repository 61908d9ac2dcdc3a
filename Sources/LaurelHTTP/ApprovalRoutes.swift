import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore

/// An approval as the API shows it.
struct ApprovalView: Encodable {
    var id: String
    var campaign: String
    var action: String
    var summary: String
    /// The campaign's version (ETag) it was asked on; it is carried out only on that version.
    var version: Int
    var requestedBy: String
    var requested: String
    var expires: String
    /// pending, approved, rejected or expired.
    var status: String
    var decidedBy: String?
    var decided: String?

    init(_ approval: Approval, now: Instant) {
        id = approval.id
        campaign = approval.campaignID
        action = approval.action
        summary = approval.summary
        version = approval.version
        requestedBy = approval.requestedBy
        requested = ZonedCalendar.utcTimestamp(approval.requestedAt)
        expires = ZonedCalendar.utcTimestamp(approval.expiresAt)
        status = approval.decision?.rawValue ?? (approval.expiresAt > now ? "pending" : "expired")
        decidedBy = approval.decidedBy
        decided = approval.decidedAt.map(ZonedCalendar.utcTimestamp)
    }

    enum CodingKeys: String, CodingKey {
        case id, campaign, action, summary, version, requested, expires, status, decided
        case requestedBy = "requested_by"
        case decidedBy = "decided_by"
    }
}

/// What an approval of a migration answers: the approval, and the dry run the first
/// administrator saw.
struct ApprovalRequestedView: Encodable {
    var approval: ApprovalView
    var migration: MigrationView?
}

extension LaurelAPI {
    func addApprovalRoutes(to api: RouterGroup<APIContext>) {
        api.get("approvals") { _, context in
            let principal = try context.requirePrincipal()
            let now = clock()
            var visible: [ApprovalView] = []
            for approval in try await service.approvals() {
                guard let facts = try? await service.campaignWithFacts(approval.campaignID).facts,
                    try await Self.mayDecide(principal, approval, facts: facts, service: service)
                else { continue }
                visible.append(ApprovalView(approval, now: now))
            }
            return JSONBody(visible)
        }
        api.post("approvals/:approval/approve") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("approval")
            let approval = try await service.pendingApproval(id, decidedBy: principal.person, now: clock())
            let facts = try await service.campaignWithFacts(approval.campaignID).facts
            guard try await Self.mayDecide(principal, approval, facts: facts, service: service) else {
                throw LaurelError(
                    .forbidden,
                    "approving '\(approval.summary)' on campaign '\(approval.campaignID)' is outside your access")
            }
            let detail = (try? JSONSerialization.jsonObject(with: Data(approval.detail))) as? [String: Any] ?? [:]
            let eventID = CampaignService.approvalEventID(id)
            switch approval.action {
            case "event":
                guard let name = detail["event"] as? String else {
                    throw LaurelError(.internal, "approval '\(id)' names no event")
                }
                let answer = try await change(
                    .command(name), to: approval.campaignID, request: request, principal: principal,
                    action: .sendEvent(sender: .admin), ifVersion: approval.version, eventID: eventID)
                try await service.decideApproval(approval, .approved, by: principal.person, now: clock())
                return answer
            case "migrate":
                guard let to = detail["to"] as? String else {
                    throw LaurelError(.internal, "approval '\(id)' names no version")
                }
                let map = detail["map"] as? [String: String] ?? [:]
                if try await service.loggedEvent(id: eventID) == nil {
                    let campaign = try await service.campaignWithFacts(approval.campaignID).campaign
                    guard campaign.eventCount == approval.version else {
                        throw LaurelError(
                            .preconditionFailed,
                            "campaign '\(approval.campaignID)' is at version \(campaign.eventCount), not \(approval.version) as when the migration was asked for; reject this approval and ask again"
                        )
                    }
                    let result = try await service.migrate(
                        approval.campaignID, toVersion: to, mapState: Self.stateMapping(map, hash: to),
                        eventID: eventID,
                        now: clock(), dryRun: false)
                    try await service.decideApproval(approval, .approved, by: principal.person, now: clock())
                    return JSONBody(MigrationView(result, applied: true)).response(status: .ok)
                }
                try await service.decideApproval(approval, .approved, by: principal.person, now: clock())
                return JSONBody(ApprovalView(approval, now: clock())).response(status: .ok)
            default:
                throw LaurelError(.internal, "approval '\(id)' is for an unknown action '\(approval.action)'")
            }
        }
        api.post("approvals/:approval/reject") { _, context in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("approval")
            guard let approval = try await service.approvals().first(where: { $0.id == id }) else {
                throw LaurelError(.notFound, "there is no approval '\(id)'; GET /api/approvals lists them")
            }
            // The one who asked may withdraw it; anyone else who may decide it may reject it.
            if approval.requestedBy != principal.person {
                _ = try await service.pendingApproval(id, decidedBy: principal.person, now: clock())
                let facts = try await service.campaignWithFacts(approval.campaignID).facts
                guard try await Self.mayDecide(principal, approval, facts: facts, service: service) else {
                    throw LaurelError(.forbidden, "rejecting '\(approval.summary)' is outside your access")
                }
            }
            let decided = try await service.decideApproval(approval, .rejected, by: principal.person, now: clock())
            return JSONBody(ApprovalView(decided, now: clock())).response(status: .ok)
        }
    }

    /// Whether `principal` may carry out what the approval asks on its campaign.
    static func mayDecide(_ principal: Principal, _ approval: Approval, facts: CampaignFacts, service: CampaignService)
        async throws -> Bool
    {
        let action: Action = approval.action == "migrate" ? .migrate : .sendEvent(sender: .admin)
        return Authorization.decide(
            principal, action, campaign: facts, organisation: try await service.organisationInUse()
        )
        .isAllowed
    }

    /// Asks for a second administrator's approval and answers 202 with where to find it.
    func askApproval(
        campaign: Campaign, action: String, detail: JSONValue, summary: String, principal: Principal,
        migration: MigrationView? = nil
    ) async throws -> Response {
        let approval = try await service.requestApproval(
            campaignID: campaign.id, action: action, detail: detail, summary: summary, version: campaign.eventCount,
            by: principal.person, now: clock())
        var headers = HTTPFields()
        headers[.location] = "/api/approvals/\(approval.id)"
        return JSONBody(
            ApprovalRequestedView(approval: ApprovalView(approval, now: clock()), migration: migration),
            headers: headers
        ).response(status: .accepted)
    }
}
