import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelTesting
import Testing

@Suite("Forecast over HTTP")
struct ForecastRoutesTests {
    @Test(
        "a running campaign's forecast answers each phase target ahead, what-ifs change the answer and nothing else, bad queries are 400 naming the fix"
    )
    func forecast() async throws {
        let harness = try await APIHarness()
        let version = try await TestWorkflows.record(TestWorkflows.quick, id: "quick", in: harness.store)
        let id = try await harness.service.start(version: version, idempotencyKey: nil, now: harness.clock.now)
            .campaignID
        _ = try await harness.service.apply(.command("launch"), to: id, eventID: "launch", now: harness.clock.now)
        _ = try await harness.service.apply(
            .submit(Entry(id: "i1", kind: "idea", fields: ["title": .text("Ý tưởng")])), to: id, eventID: "i1",
            now: harness.clock.now + 60)
        let before = try await harness.service.events(campaignID: id).count
        try await harness.test { client in
            let answer = try await client.send(.get, "/api/campaigns/\(id)/forecast?runs=50&seed=3", as: "admin")
            #expect(answer.status == 200, "\(answer.text)")
            let goals = answer.json?["goals"] as? [[String: Any]]
            #expect(goals?.first?["state"] as? String == "collecting")
            #expect(goals?.first?["current"] as? Double == 1 && goals?.first?["target"] as? Double == 3)
            #expect(answer.json?["runs"] as? Int == 50 && answer.json?["scenario"] == nil)
            let again = try await client.send(.get, "/api/campaigns/\(id)/forecast?runs=50&seed=3", as: "admin")
            #expect(again.text == answer.text, "the same seed, the same forecast")

            let whatIf = try await client.send(
                .get, "/api/campaigns/\(id)/forecast?runs=50&target=collecting=2&deadline=collecting=2024-05-20",
                as: "admin")
            #expect(whatIf.status == 200, "\(whatIf.text)")
            let changed = (whatIf.json?["goals"] as? [[String: Any]])?.first
            #expect(changed?["target"] as? Double == 2)
            // A date alone is the end of that day in the workflow's zone: midnight after it.
            #expect(changed?["deadline"] as? String == "2024-05-21 00:00", "\(whatIf.text)")

            for (query, words) in [
                ("runs=0", "between 1 and 2,000"), ("rate=fast", "rate must be a number"),
                ("rate=0", "above 0"), ("deadline=colecting=2024-05-20", "did you mean 'collecting'"),
                ("deadline=collecting", "write it as STATE=VALUE"), ("deadline=collecting=20-05-2024", "2022-05-31"),
                ("target=draft=5", "has no target"),
            ] {
                let refused = try await client.send(.get, "/api/campaigns/\(id)/forecast?\(query)", as: "admin")
                #expect(refused.status == 400, "\(query): \(refused.text)")
                #expect(refused.text.contains(words), "\(query): \(refused.text)")
            }
            #expect(try await client.send(.get, "/api/campaigns/nope/forecast", as: "admin").status == 404)
            #expect(try await client.send(.get, "/api/campaigns/\(id)/forecast", as: nil).status == 401)
        }
        #expect(try await harness.service.events(campaignID: id).count == before, "a forecast writes nothing")
    }
}
