import Hummingbird
import LaurelCore
import LaurelService

extension LaurelAPI {
    func addCouncilRoutes(to api: RouterGroup<APIContext>) {
        // A council member's whole score sheet, as themselves: `{"lines": [{"entry": ..., "values": [...]}]}`.
        api.post("campaigns/:id/scores") { request, context in
            struct Line: Decodable {
                var entry: String
                var values: [Double]
            }
            struct Body: JSONRequest {
                static let keys: Set<String> = ["lines"]
                var lines: [Line]
            }
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let body = try await request.json(Body.self)
            if let bad = body.lines.indices.first(where: { body.lines[$0].values.contains { !$0.isFinite } }) {
                throw Problem(
                    LaurelError(.invalidInput, "scores are finite numbers"),
                    errors: [.init(pointer: "/lines/\(bad)/values", line: nil, detail: "not a finite number")])
            }
            // Decided in the transaction only: whether the jury's step is open depends on timers
            // that may fall due just before.
            let sheet = ScoreSheet(
                member: principal.person, lines: body.lines.map { ScoreSheet.Line(entry: $0.entry, values: $0.values) })
            return try await change(
                .scores(sheet), to: id, request: request, principal: principal, action: .score(member: principal.person)
            )
        }
        // A council member's ballot paper. In a secret ballot the answer, the log and every read
        // afterwards say only that the member voted.
        api.post("campaigns/:id/ballot") { request, context in
            struct Body: JSONRequest {
                static let keys: Set<String> = ["for", "against", "in_writing"]
                var approve: [String]?
                var reject: [String]?
                var inWriting: Bool?

                enum CodingKeys: String, CodingKey {
                    case approve = "for"
                    case reject = "against"
                    case inWriting = "in_writing"
                }
            }
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let body = try await request.json(Body.self)
            let choices =
                (body.approve ?? []).map { Vote.Choice(nominee: $0, approve: true) }
                + (body.reject ?? []).map { Vote.Choice(nominee: $0, approve: false) }
            let vote = Vote(member: principal.person, choices: choices, inWriting: body.inWriting ?? false)
            return try await change(
                .vote(vote), to: id, request: request, principal: principal, action: .vote(member: principal.person))
        }
    }
}
