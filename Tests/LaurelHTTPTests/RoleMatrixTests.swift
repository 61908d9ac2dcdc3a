import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelTesting
import Testing

/// Every endpoint × every role, in and out of scope, each with the status it must answer. The
/// campaign is a contest of district d1 while it collects entries (no council step open).
@Suite("Role matrix")
struct RoleMatrixTests {
    static let everyone = AccessFixtures.principals.keys.sorted()

    struct Row: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var json: String?
        /// The status for each principal named; every other principal gets `otherwise`.
        var expected: [String: Int]
        var otherwise: Int

        var description: String { "\(method) \(path)" }
    }

    /// `ID` in a path is the campaign's id; `N` in a body a number unique to the request.
    static let rows: [Row] = [
        Row(method: .get, path: "/api/me", expected: [:], otherwise: 200),
        Row(method: .get, path: "/api/campaigns", expected: [:], otherwise: 200),
        Row(
            method: .get, path: "/api/campaigns/ID",
            expected: ["admin-d2": 403, "officer-g3": 403, "outsider": 403], otherwise: 200),
        Row(
            method: .get, path: "/api/campaigns/ID/history", expected: ["admin": 200, "admin-d1": 200, "auditor": 200],
            otherwise: 403),
        Row(
            method: .get, path: "/api/campaigns/ID/entries",
            expected: [
                "admin": 200, "admin-d1": 200, "officer-g1": 200, "juror-a": 200, "juror-g1": 200, "board": 200,
            ],
            otherwise: 403),
        Row(
            method: .post, path: "/api/campaigns/ID/entries",
            json: #"{"id": "e-N", "kind": "clip", "fields": {"title": "Clip N", "unit": "g1"}}"#,
            expected: ["admin": 201, "admin-d1": 201, "officer-g1": 201], otherwise: 403),
        Row(
            method: .post, path: "/api/campaigns/ID/entries",
            json: #"{"id": "e-N", "kind": "clip", "fields": {"title": "Clip N", "unit": "g3"}}"#,
            // Within an administrator's scope, but the campaign of d1 takes no entry of d2's g3.
            expected: ["admin": 409], otherwise: 403),
        // The state takes no 'launch' now: who may send it gets the workflow's refusal (409).
        Row(
            method: .post, path: "/api/campaigns/ID/events", json: #"{"event": "launch"}"#,
            expected: ["admin": 409, "admin-d1": 409], otherwise: 403),
        Row(
            method: .post, path: "/api/campaigns/ID/scores", json: #"{"lines": [{"entry": "seed", "values": [5]}]}"#,
            expected: [:], otherwise: 403),
        Row(
            method: .post, path: "/api/campaigns/ID/ballot", json: #"{"for": ["seed"]}"#, expected: [:], otherwise: 403),
        Row(
            method: .get, path: "/api/campaigns/ID/results",
            expected: ["admin": 200, "admin-d1": 200, "auditor": 200], otherwise: 403),
        Row(
            method: .post, path: "/api/campaigns/ID/entries/seed/withdraw",
            expected: ["admin": 200, "admin-d1": 200, "officer-g1": 200], otherwise: 403),
        Row(
            method: .get, path: "/api/access", expected: ["admin": 200, "admin-d1": 200, "admin-d2": 200],
            otherwise: 403),
        Row(
            method: .post, path: "/api/access", json: #"{"person": "p-officer-g1", "role": "unit-officer"}"#,
            expected: ["admin": 201, "admin-d1": 201], otherwise: 403),
        Row(method: .get, path: "/api/campaigns/no-such-campaign", expected: [:], otherwise: 404),
        Row(
            method: .get, path: "/api/campaigns/ID/certificates",
            expected: ["admin": 200, "admin-d1": 200, "auditor": 200], otherwise: 403),
        // No award yet: who may read the results learns there is none; the others, nothing.
        Row(
            method: .get, path: "/api/campaigns/ID/certificates/seed",
            expected: ["admin": 404, "admin-d1": 404, "auditor": 404], otherwise: 403),
        Row(method: .get, path: "/api/audit", expected: ["auditor": 200], otherwise: 403),
        // Each sees the approvals of the campaigns they may change (none here).
        Row(method: .get, path: "/api/approvals", expected: [:], otherwise: 200),
        Row(method: .post, path: "/api/approvals/nothing/approve", expected: [:], otherwise: 404),
        Row(method: .post, path: "/api/approvals/nothing/reject", expected: [:], otherwise: 404),
        Row(method: .get, path: "/api/organisation", expected: [:], otherwise: 200),
        Row(
            method: .get, path: "/api/workflows", expected: ["admin": 200, "admin-d1": 200, "admin-d2": 200],
            otherwise: 403),
    ]

    @Test("each endpoint answers each role in and out of scope as it must", arguments: rows)
    func matrix(_ row: Row) async throws {
        let harness = try await APIHarness()
        let service = harness.service
        let now = harness.clock.now
        try await harness.test { client in
            var number = 0
            for who in Self.everyone {
                // A fresh campaign per principal, with an entry of g1 to withdraw, so one
                // principal's success does not change what the next one meets.
                let id = try await harness.startContest()
                _ = try await service.apply(
                    .submit(
                        .init(
                            id: "seed", kind: "clip", unit: "g1", fields: ["title": .text("Seed"), "unit": .text("g1")])
                    ),
                    to: id, eventID: "seed-\(id)", now: now)
                number += 1
                let answer = try await client.send(
                    row.method, row.path.replacingOccurrences(of: "ID", with: id), as: who,
                    json: row.json?.replacingOccurrences(of: "N", with: "\(number)"))
                #expect(
                    answer.status == row.expected[who] ?? row.otherwise,
                    "\(row) as \(who): \(answer.text)")
                if answer.status >= 400 {
                    #expect(answer.headers[.contentType] == "application/problem+json", "\(row) as \(who)")
                }
            }
            // Without a token, every /api route is 401, with a problem document.
            let anonymous = try await client.send(
                row.method, row.path.replacingOccurrences(of: "ID", with: "contest-1"), as: nil, json: row.json)
            #expect(anonymous.status == 401)
            #expect(anonymous.json?["code"] as? String == "unauthenticated")
        }
    }
}
