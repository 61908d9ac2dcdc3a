import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import Testing

@Suite("Audit log over HTTP")
struct AuditRoutesTests {
    @Test(
        "a change through the API is recorded as the person's (hashed), in their role, over http, with the request's id; auditors read the log, others are 403, a bad page is 422"
    )
    func recordedAndRead() async throws {
        let harness = try await APIHarness()
        let id = try await harness.startContest()
        try await harness.test { client in
            let submitted = try await client.send(
                .post, "/api/campaigns/\(id)/entries", as: "officer-g1",
                json: #"{"id": "e1", "kind": "clip", "fields": {"title": "Clip", "unit": "g1"}}"#)
            #expect(submitted.status == 201, "\(submitted.text)")

            let read = try await client.send(.get, "/api/audit", as: "auditor")
            #expect(read.status == 200, "\(read.text)")
            let records = try #require(read.json?["records"] as? [[String: Any]])
            let bodies = records.compactMap {
                ($0["body"] as? String).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }
            let submit = try #require(bodies.first { $0["action"] as? String == "campaign.submit" })
            let actor = try #require(submit["actor"] as? [String: Any])
            #expect(actor["role"] as? String == "unit-officer" && actor["origin"] as? String == "http")
            #expect((actor["request"] as? String)?.isEmpty == false, "the request id")
            #expect((actor["person"] as? String)?.count == 64 && actor["person"] as? String != "p-officer-g1")
            #expect(!read.text.contains("p-officer-g1"), "no person's id in what an auditor reads")
            #expect(submit["campaign"] as? String == id)
            // The harness's grants were made outside any request: recorded, visibly, as unattributed.
            #expect(bodies.contains { ($0["actor"] as? [String: Any])?["role"] as? String == "unattributed" })
            #expect((read.json?["checkpoints"] as? [Any])?.isEmpty == true, "no key signs checkpoints here")

            #expect(try await client.send(.get, "/api/audit", as: "officer-g1").status == 403)
            #expect(try await client.send(.get, "/api/audit", as: "admin").status == 403)
            #expect(try await client.send(.get, "/api/audit", as: nil).status == 401)
            let badLimit = try await client.send(.get, "/api/audit?limit=0", as: "auditor")
            #expect(badLimit.status == 422 && badLimit.text.contains("limit must be"), "\(badLimit.text)")
            #expect(try await client.send(.get, "/api/audit?from=x", as: "auditor").status == 422)
            let page = try await client.send(.get, "/api/audit?limit=1", as: "auditor")
            #expect((page.json?["records"] as? [Any])?.count == 1)
        }
    }
}
