import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

/// Four eyes: a destructive action waits for a second administrator.
@Suite("Four-eyes approvals")
struct ApprovalTests {
    static let policy = FourEyes(migrate: true, events: ["close"])

    @Test(
        "a configured event is asked for (202), changes nothing, cannot be approved by who asked or by a unit officer, is carried out by a second administrator, once; the audit log names both"
    )
    func secondAdministrator() async throws {
        let harness = try await APIHarness(fourEyes: Self.policy)
        let id = try await harness.startContest()
        try await harness.test { client in
            let asked = try await client.send(
                .post, "/api/campaigns/\(id)/events", as: "admin-d1", json: #"{"event": "close"}"#)
            #expect(asked.status == 202, "\(asked.text)")
            let approval = try #require(asked.json?["approval"] as? [String: Any])
            let approvalID = try #require(approval["id"] as? String)
            #expect(approval["status"] as? String == "pending" && approval["summary"] as? String == "send close")
            #expect(asked.headers[.location] == "/api/approvals/\(approvalID)")
            #expect(try await harness.service.campaign(id: id)?.state == "collecting", "nothing changed yet")

            let own = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin-d1")
            #expect(own.status == 403 && own.text.contains("you asked for it yourself"), "\(own.text)")
            let officer = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "officer-g1")
            #expect(officer.status == 403, "\(officer.text)")
            let outside = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin-d2")
            #expect(outside.status == 403, "another district's administrator: \(outside.text)")
            #expect(try await client.send(.get, "/api/approvals", as: "officer-g1").list?.isEmpty == true)
            #expect(try await client.send(.get, "/api/approvals", as: "admin").list?.count == 1)

            let approved = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin")
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.json?["event"] as? String == "approval:\(approvalID)")
            #expect(try await harness.service.campaign(id: id)?.state != "collecting", "closed by the second one")
            let again = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin")
            #expect(again.status == 409 && again.text.contains("approved already"), "\(again.text)")
            let listed = try await client.send(.get, "/api/approvals", as: "admin-d1").list ?? []
            #expect(
                listed.first?["status"] as? String == "approved" && listed.first?["decided_by"] as? String == "p-admin")

            let log = try await client.send(.get, "/api/audit", as: "auditor")
            let actions = (log.json?["records"] as? [[String: Any]] ?? []).compactMap {
                ($0["body"] as? String).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }.map { "\($0["action"] ?? "") \((($0["actor"] as? [String: Any])?["role"]) ?? "")" }
            #expect(
                actions.suffix(3) == [
                    "approval.request administrator", "campaign.command administrator",
                    "approval.approve administrator",
                ], "\(actions)")
        }
    }

    @Test(
        "an approval holds the campaign's version: after another change it is 412 and changes nothing; the one who asked may withdraw it"
    )
    func versionHeld() async throws {
        let harness = try await APIHarness(fourEyes: Self.policy)
        let id = try await harness.startContest()
        try await harness.test { client in
            let asked = try await client.send(
                .post, "/api/campaigns/\(id)/events", as: "admin-d1", json: #"{"event": "close"}"#)
            let approvalID = try #require((asked.json?["approval"] as? [String: Any])?["id"] as? String)
            let entry = try await client.send(
                .post, "/api/campaigns/\(id)/entries", as: "officer-g1",
                json: #"{"id": "e1", "kind": "clip", "fields": {"title": "Clip", "unit": "g1"}}"#)
            #expect(entry.status == 201, "\(entry.text)")
            let stale = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin")
            #expect(stale.status == 412, "\(stale.text)")
            #expect(try await harness.service.campaign(id: id)?.state == "collecting")
            let withdrawn = try await client.send(.post, "/api/approvals/\(approvalID)/reject", as: "admin-d1")
            #expect(withdrawn.status == 200 && withdrawn.json?["status"] as? String == "rejected", "\(withdrawn.text)")
            let late = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin")
            #expect(late.status == 409, "\(late.text)")
            #expect(try await client.send(.post, "/api/approvals/nope/approve", as: "admin").status == 404)
        }
    }

    @Test("a migration with apply shows its dry run and waits; approved, it is carried out on the version asked")
    func migration() async throws {
        let harness = try await APIHarness(fourEyes: Self.policy)
        let id = try await harness.startContest()
        let next = try await TestWorkflows.record(
            AccessFixtures.contest.replacingOccurrences(
                of: "title: District contest", with: "title: District contest 2"),
            id: "contest", in: harness.store)
        try await harness.test { client in
            let asked = try await client.send(
                .post, "/api/campaigns/\(id)/migrate", as: "admin-d1", json: #"{"to": "\#(next)", "apply": true}"#)
            #expect(asked.status == 202, "\(asked.text)")
            #expect((asked.json?["migration"] as? [String: Any])?["applied"] as? Bool == false, "the dry run shown")
            let approvalID = try #require((asked.json?["approval"] as? [String: Any])?["id"] as? String)
            #expect(try await harness.service.campaign(id: id)?.workflowVersion != next)
            // Without apply it stays a dry run, asked of nobody.
            let dry = try await client.send(
                .post, "/api/campaigns/\(id)/migrate", as: "admin-d1", json: #"{"to": "\#(next)"}"#)
            #expect(dry.status == 200, "\(dry.text)")
            let approved = try await client.send(.post, "/api/approvals/\(approvalID)/approve", as: "admin")
            #expect(approved.status == 200 && approved.json?["applied"] as? Bool == true, "\(approved.text)")
            #expect(try await harness.service.campaign(id: id)?.workflowVersion == next)
        }
    }
}
