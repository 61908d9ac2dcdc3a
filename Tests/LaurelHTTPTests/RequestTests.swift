import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelTesting
import Testing

@Suite("Requests: retries, races, bad input, tokens")
struct RequestTests {
    static let entry = #"{"id": "e1", "kind": "clip", "fields": {"title": "Clip", "unit": "g1"}}"#
    static let key = HTTPField.Name("Idempotency-Key")!

    @Test(
        "the same Idempotency-Key and body answer the first answer again; another body under it is 409, and nothing is done twice"
    )
    func idempotency() async throws {
        let harness = try await APIHarness()
        let id = try await harness.startContest()
        try await harness.test { client in
            let path = "/api/campaigns/\(id)/entries"
            let first = try await client.send(
                .post, path, as: "officer-g1", json: Self.entry, headers: [Self.key: "k-1"])
            #expect(first.status == 201, "\(first.text)")
            let again = try await client.send(
                .post, path, as: "officer-g1", json: Self.entry, headers: [Self.key: "k-1"])
            #expect(again.status == 201)
            #expect(again.text == first.text)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await client.send(
                .post, path, as: "officer-g1", json: Self.entry.replacingOccurrences(of: "Clip", with: "Other"),
                headers: [Self.key: "k-1"])
            #expect(other.status == 409)
            #expect(other.json?["code"] as? String == "conflict")
            // Another person's key of the same text is theirs: no conflict with the officer's.
            let admins = try await client.send(
                .post, path, as: "admin", json: Self.entry.replacingOccurrences(of: "e1", with: "e2"),
                headers: [Self.key: "k-1"])
            #expect(admins.status == 201, "\(admins.text)")
        }
        #expect(try await harness.service.campaign(id: id)?.entries.count == 2)
    }

    @Test("If-Match with the campaign's ETag: a stale version is 412 and changes nothing")
    func ifMatch() async throws {
        let harness = try await APIHarness()
        let id = try await harness.startContest()
        try await harness.test { client in
            let read = try await client.send(.get, "/api/campaigns/\(id)", as: "admin")
            let tag = try #require(read.headers[.eTag])
            _ = try await client.send(.post, "/api/campaigns/\(id)/entries", as: "officer-g1", json: Self.entry)
            let stale = try await client.send(
                .post, "/api/campaigns/\(id)/events", as: "admin", json: #"{"event": "close"}"#,
                headers: [.ifMatch: tag])
            #expect(stale.status == 412, "\(stale.text)")
            #expect(
                try await client.send(.get, "/api/campaigns/\(id)", as: "admin").json?["state"] as? String
                    == "collecting")
            let fresh = try await client.send(.get, "/api/campaigns/\(id)", as: "admin")
            let closed = try await client.send(
                .post, "/api/campaigns/\(id)/events", as: "admin", json: #"{"event": "close"}"#,
                headers: [.ifMatch: fresh.headers[.eTag] ?? ""])
            #expect(closed.status == 200, "\(closed.text)")
            let malformed = try await client.send(
                .post, "/api/campaigns/\(id)/events", as: "admin", json: #"{"event": "close"}"#,
                headers: [.ifMatch: "W/x"])
            #expect(malformed.status == 400)
        }
    }

    @Test(
        "bad bodies: not JSON 400, a wrong or missing value 422 with its JSON pointer, too large 413, a wrong field every one named"
    )
    func badInput() async throws {
        let harness = try await APIHarness()
        let id = try await harness.startContest()
        try await harness.test { client in
            let path = "/api/campaigns/\(id)/entries"
            let notJSON = try await client.send(.post, path, as: "officer-g1", json: "{id: 1")
            #expect(notJSON.status == 400)
            let missing = try await client.send(.post, path, as: "officer-g1", json: #"{"id": "e1", "fields": {}}"#)
            #expect(missing.status == 422)
            #expect((missing.json?["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/kind")
            let wrongType = try await client.send(.post, path, as: "officer-g1", json: #"{"id": 5, "kind": "clip"}"#)
            #expect(wrongType.status == 422)
            #expect((wrongType.json?["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/id")
            let fields = try await client.send(
                .post, path, as: "officer-g1",
                json:
                    #"{"id": "e1", "kind": "clip", "fields": {"title": "x", "unit": "g1", "colour": "red", "size": 3}}"#
            )
            #expect(fields.status == 422)
            let pointers = (fields.json?["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String }
            #expect(pointers == ["/fields/colour", "/fields/size"])
            let big = try await client.send(
                .post, path, as: "officer-g1", json: "{\"id\": \"" + String(repeating: "x", count: 300_000) + "\"}")
            #expect(big.status == 413)
            let vietnamese = try await client.send(
                .post, path, as: "officer-g1", json: #"{"id": "e1"}"#, headers: [.acceptLanguage: "vi-VN,vi;q=0.9"])
            #expect(vietnamese.json?["title"] as? String == "Có giá trị không hợp lệ")
            let wrongMedia = try await client.send(
                .post, path, as: "officer-g1", body: "id=1", contentType: "text/plain")
            #expect(wrongMedia.status == 400)
            #expect(try await client.send(.get, "/api/no-such-route", as: "admin").status == 404)
        }
        #expect(try await harness.service.campaign(id: id)?.entries.count == 0)
    }

    @Test("a revoked token is refused from the next request; an expired one too; a sign-in link works once")
    func tokens() async throws {
        let harness = try await APIHarness()
        try await harness.test { client in
            #expect(try await client.send(.get, "/api/me", as: "officer-g1").status == 200)
            let grants = try await client.send(.get, "/api/access", as: "admin")
            let grant = try #require(grants.list?.first { $0["person"] as? String == "p-officer-g1" }?["id"] as? String)
            let revoked = try await client.send(.post, "/api/access/\(grant)/revoke", as: "admin-d1")
            #expect(revoked.status == 200, "\(revoked.text)")
            let refused = try await client.send(.get, "/api/me", as: "officer-g1")
            #expect(refused.status == 401)
            #expect(refused.headers[.wwwAuthenticate] == #"Bearer realm="laurel""#)
            #expect(try await client.send(.post, "/api/access/\(grant)/revoke", as: "admin").status == 409)
            #expect(try await client.send(.get, "/api/me", as: "laurel_t_guessed").status == 401)

            let link = try await client.send(
                .post, "/api/access", as: "admin",
                json: #"{"person": "p-observer", "role": "observer", "kind": "link"}"#)
            #expect(link.status == 201, "\(link.text)")
            let code = try #require(link.json?["secret"] as? String)
            #expect(try await client.send(.get, "/api/me", as: code).status == 401, "a link's code is not a token")
            let signedIn = try await client.send(.post, "/api/sign-in", as: nil, json: "{\"code\": \"\(code)\"}")
            #expect(signedIn.status == 201)
            let token = try #require(signedIn.json?["secret"] as? String)
            #expect(try await client.send(.get, "/api/me", as: token).json?["role"] as? String == "observer")
            #expect(
                try await client.send(.post, "/api/sign-in", as: nil, json: "{\"code\": \"\(code)\"}").status == 401)

            harness.clock.advance(by: 91 * TestWorkflows.day)
            #expect(try await client.send(.get, "/api/me", as: "admin").status == 401, "past the 90 days")
        }
    }

    @Test("an administrator grants within their scope only, and the listing never shows a secret or its hash")
    func grants() async throws {
        let harness = try await APIHarness()
        try await harness.test { client in
            let outside = try await client.send(
                .post, "/api/access", as: "admin-d1", json: #"{"person": "p-officer-g3", "role": "unit-officer"}"#)
            #expect(outside.status == 403, "\(outside.text)")
            let unknown = try await client.send(
                .post, "/api/access", as: "admin", json: #"{"person": "p-nobody", "role": "observer"}"#)
            #expect(unknown.status == 422)
            let badRole = try await client.send(
                .post, "/api/access", as: "admin", json: #"{"person": "p-observer", "role": "admin"}"#)
            #expect(badRole.status == 422)
            #expect((badRole.json?["detail"] as? String)?.contains("'administrator'") == true)
            let listing = try await client.send(.get, "/api/access", as: "admin-d1")
            #expect(!listing.text.contains("laurel_t_") && !listing.text.contains("secret"))
            #expect(listing.list?.allSatisfy { ["d1", "g1", "g2"].contains($0["unit"] as? String ?? "") } == true)
        }
    }
}
