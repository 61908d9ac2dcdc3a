import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelTesting
import Testing

@Suite("Councils over HTTP")
struct CouncilTests {
    /// A contest with an entry of g1 and one of g2, closed so that the jury's review is open.
    static func judging(_ harness: APIHarness) async throws -> String {
        let id = try await harness.startContest()
        for (entry, unit) in [("e1", "g1"), ("e2", "g2")] {
            _ = try await harness.service.apply(
                .submit(
                    .init(id: entry, kind: "clip", unit: unit, fields: ["title": .text(entry), "unit": .text(unit)])),
                to: id, eventID: "\(entry)-\(id)", now: harness.clock.now)
        }
        _ = try await harness.service.apply(.command("close"), to: id, eventID: "close-\(id)", now: harness.clock.now)
        return id
    }

    @Test(
        "a council member scores only as themselves, never an entry of their own unit, never sees it listed, and cannot read the history with others' sheets"
    )
    func scoring() async throws {
        let harness = try await APIHarness()
        let id = try await Self.judging(harness)
        try await harness.test { client in
            let own = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-g1",
                json: #"{"lines": [{"entry": "e1", "values": [9]}]}"#)
            #expect(own.status == 409)
            #expect(
                own.json?["detail"] as? String
                    == "'p-juror-g1' may not score entry 'e1': it comes from their own unit 'g1' (exclude-own-unit)")
            let listed = try await client.send(.get, "/api/campaigns/\(id)/entries", as: "juror-g1")
            #expect(listed.list?.compactMap { $0["id"] as? String } == ["e2"])
            #expect(listed.list?.first?["total"] == nil, "no totals before the results are out")
            let other = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-g1",
                json: #"{"lines": [{"entry": "e2", "values": [7]}]}"#)
            #expect(other.status == 200, "\(other.text)")
            let both = try await client.send(
                .post, "/api/campaigns/\(id)/scores", as: "juror-a",
                json: #"{"lines": [{"entry": "e1", "values": [8]}, {"entry": "e2", "values": [6]}]}"#)
            #expect(both.status == 200, "\(both.text)")
            #expect(try await client.send(.get, "/api/campaigns/\(id)/history", as: "juror-a").status == 403)
            // The board is not open yet: its members vote in the ballot step only.
            #expect(
                try await client.send(.post, "/api/campaigns/\(id)/ballot", as: "board", json: #"{"for": ["e1"]}"#)
                    .status == 403)
        }
    }

    @Test("a secret paper is cast once, within the window; nothing answers or shows how the member voted")
    func secretBallot() async throws {
        let harness = try await APIHarness()
        let id = try await Self.judging(harness)
        try await harness.test { client in
            for (who, line) in [
                ("juror-a", #"{"entry": "e1", "values": [8]}, {"entry": "e2", "values": [6]}"#),
                ("juror-g1", #"{"entry": "e2", "values": [7]}"#),
            ] {
                let answer = try await client.send(
                    .post, "/api/campaigns/\(id)/scores", as: who, json: #"{"lines": [\#(line)]}"#)
                #expect(answer.status == 200, "\(answer.text)")
            }
            // The review's window closes; no daemon has fired it, and the paper still finds the
            // ballot open: the decision is taken after the due timers fire, in the transaction.
            harness.clock.advance(by: 11 * TestWorkflows.day)
            let paper = try await client.send(
                .post, "/api/campaigns/\(id)/ballot", as: "board", json: #"{"for": ["e2"]}"#)
            #expect(paper.status == 200, "\(paper.text)")
            #expect(
                paper.json?["summary"] as? String == "vote of p-board", "the answer names no nominee: \(paper.text)")
            let again = try await client.send(
                .post, "/api/campaigns/\(id)/ballot", as: "board", json: #"{"against": ["e2"]}"#)
            #expect(again.status == 409, "a second paper: \(again.text)")
            let history = try await client.send(.get, "/api/campaigns/\(id)/history", as: "admin")
            let votes = history.list?.filter { ($0["kind"] as? String) == "vote" } ?? []
            #expect(votes.count == 1)
            #expect(!history.text.contains("for e2") && !history.text.contains("approve"), "\(history.text)")
            harness.clock.advance(by: 8 * TestWorkflows.day)
            let late = try await client.send(
                .post, "/api/campaigns/\(id)/ballot", as: "juror-a", json: #"{"for": ["e2"]}"#)
            #expect(late.status == 403 || late.status == 409, "after the window: \(late.text)")
        }
    }
}
