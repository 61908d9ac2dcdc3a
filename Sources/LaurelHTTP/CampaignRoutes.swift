import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore
import LaurelYAML

/// What a change through the API answers: the event logged for it. A retry with the same
/// `Idempotency-Key` reads the same event and so gets the same answer.
struct ChangeView: Encodable, Sendable {
    var campaign: String
    var event: String
    var at: String
    var summary: String

    init(_ event: LoggedEvent, calendar: ZonedCalendar) {
        campaign = event.campaignID
        self.event = event.id
        at = calendar.format(event.at)
        summary = event.summary
    }
}

extension LaurelAPI {
    func addCampaignRoutes(to api: RouterGroup<APIContext>) {
        api.get("campaigns") { _, context in
            let principal = try context.requirePrincipal()
            let organisation = try await service.organisationInUse()
            let summaries = try await service.campaigns()
            var visible: [CampaignSummary] = []
            for (id, facts) in try await service.campaignFacts(of: summaries) {
                if Authorization.decide(principal, .readProgress, campaign: facts, organisation: organisation).isAllowed
                {
                    visible.append(summaries.first { $0.id == id }!)
                }
            }
            let ids = Set(visible.map(\.id))
            return JSONBody(try await service.campaignListing().filter { ids.contains($0.id) })
        }
        api.post("campaigns") { request, context in try await start(request, context) }
        api.post("campaigns/:id/migrate") { request, context in try await migrate(request, context) }
        api.get("campaigns/:id") { _, context in
            let id = try context.parameters.require("id")
            let (campaign, _, facts) = try await service.campaignWithFacts(id)
            try await authorize(try context.requirePrincipal(), .readProgress, campaign: facts)
            var headers = HTTPFields()
            headers[.eTag] = Self.eTag(campaign)
            return JSONBody(try await service.status(of: id), headers: headers)
        }
        api.get("campaigns/:id/history") { _, context in
            let id = try context.parameters.require("id")
            let facts = try await service.campaignWithFacts(id).facts
            try await authorize(try context.requirePrincipal(), .readHistory, campaign: facts)
            return JSONBody(try await service.history(of: id))
        }
        api.post("campaigns/:id/events") { request, context in
            struct Body: JSONRequest {
                static let keys: Set<String> = ["event"]
                var event: String
            }
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let body = try await request.json(Body.self)
            let (_, engine, facts) = try await service.campaignWithFacts(id)
            guard let definition = engine.workflow.events.first(where: { $0.name == body.event }) else {
                throw Problem(
                    LaurelError(
                        .invalidInput,
                        "'\(engine.workflow.id)' declares no event '\(body.event)'\(Suggestions.didYouMean(body.event, in: engine.workflow.events.map(\.name)))"
                    ), errors: [.init(pointer: "/event", line: nil, detail: "not an event of this workflow")])
            }
            try await authorize(principal, .sendEvent(sender: definition.sender), campaign: facts)
            if fourEyes.events.contains(body.event) {
                let campaign = try await service.campaignWithFacts(id).campaign
                if let ifVersion = try Self.ifMatch(request), ifVersion != campaign.eventCount {
                    throw LaurelError(
                        .preconditionFailed,
                        "campaign '\(id)' is at version \(campaign.eventCount), not \(ifVersion) as the request says; read it again"
                    )
                }
                return try await askApproval(
                    campaign: campaign, action: "event", detail: .object([("event", .string(body.event))]),
                    summary: "send \(body.event)", principal: principal)
            }
            return try await change(
                .command(body.event), to: id, request: request, principal: principal,
                action: .sendEvent(sender: definition.sender), ifVersion: try Self.ifMatch(request))
        }
        api.get("campaigns/:id/forecast") { request, context in
            let id = try context.parameters.require("id")
            let facts = try await service.campaignWithFacts(id).facts
            try await authorize(try context.requirePrincipal(), .readProgress, campaign: facts)
            return JSONBody(try await service.forecast(of: id, try Self.forecastRequest(request), now: clock()))
        }
        api.get("campaigns/:id/results") { request, context in
            let id = try context.parameters.require("id")
            let facts = try await service.campaignWithFacts(id).facts
            try await authorize(try context.requirePrincipal(), .readResults, campaign: facts)
            let view = try await service.results(of: id)
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json": return JSONBody(view).response(status: .ok)
            case "csv": return TextBody(text: view.csv, type: "text/csv; charset=utf-8").response(status: .ok)
            case "markdown":
                return TextBody(text: view.markdown, type: "text/markdown; charset=utf-8").response(status: .ok)
            case let other:
                throw LaurelError(.invalidRequest, "format is json, csv or markdown, not '\(other)'")
            }
        }
    }

    /// The forecast's query: runs, seed, rate, and `deadline=STATE=DATE` and `target=STATE=N`,
    /// each repeatable. Runs are capped lower than on the command line: a request holds a thread.
    static func forecastRequest(_ request: Request) throws -> ForecastRequest {
        let query = request.uri.queryParameters
        var forecast = ForecastRequest()
        func number<T: LosslessStringConvertible>(_ name: String, _ type: T.Type) throws -> T? {
            guard let text = query.get(name) else { return nil }
            guard let value = T(text) else {
                throw LaurelError(.invalidRequest, "\(name) must be a number, not '\(text.truncatedForMessage)'")
            }
            return value
        }
        if let runs = try number("runs", Int.self) {
            guard (1...2_000).contains(runs) else {
                throw LaurelError(.invalidRequest, "runs must be between 1 and 2,000 over HTTP, got \(runs)")
            }
            forecast.runs = runs
        }
        if let seed = try number("seed", UInt64.self) { forecast.seed = seed }
        if let rate = try number("rate", Double.self) { forecast.rate = rate }
        for name in ["deadline", "target"] {
            for option in query.getAll(name) { try forecast.add(name, value: option) }
        }
        return forecast
    }

    func start(_ request: Request, _ context: APIContext) async throws -> Response {
        struct Body: JSONRequest {
            static let keys: Set<String> = ["workflow", "inputs"]
            var workflow: String
            var inputs: [String: FieldText]?
        }
        let principal = try context.requirePrincipal()
        let body = try await request.json(Body.self)
        let version = try await service.latestVersion(of: body.workflow)
        let engine = try await service.engine(version: version)
        var values: [String: Value] = [:]
        var errors: [Problem.Item] = []
        for (key, given) in (body.inputs ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let input = engine.workflow.inputs.first(where: { $0.name == key }) else {
                errors.append(
                    .init(
                        pointer: "/inputs/\(key)", line: nil,
                        detail:
                            "'\(body.workflow)' has no input '\(key)'\(Suggestions.didYouMean(key, in: engine.workflow.inputs.map(\.name)))"
                    ))
                continue
            }
            do {
                values[key] = try FieldValues.value(
                    given.text, type: input.type, name: "input '\(key)'", calendar: engine.calendar)
            } catch let error as LaurelError {
                errors.append(.init(pointer: "/inputs/\(key)", line: nil, detail: error.message))
            }
        }
        guard errors.isEmpty else {
            throw Problem(
                LaurelError(.invalidInput, "\(errors.count) of the inputs cannot be used; nothing was started"),
                errors: errors)
        }
        let unit = engine.workflow.unitInput.flatMap { values[$0.name]?.text }
        try await authorize(principal, .startCampaign(unit: unit), campaign: nil)
        let key = try Self.idempotencyKey(request, principal: principal)
        let result = try await Self.counting("start") {
            try await service.start(version: version, inputs: values, idempotencyKey: key, now: clock())
        }
        let startEvent = key.map { "start:\($0)" } ?? "start:\(result.campaignID)"
        guard let logged = try await service.loggedEvent(id: startEvent) else {
            throw LaurelError(.internal, "the start of '\(result.campaignID)' is not in the log")
        }
        var headers = HTTPFields()
        headers[.location] = "/api/campaigns/\(result.campaignID)"
        if result.status == .alreadyApplied { headers[Self.replayed] = "true" }
        return JSONBody(ChangeView(logged, calendar: engine.calendar), headers: headers).response(status: .created)
    }

    /// Moves a campaign to another recorded version: a dry run unless `apply` is true.
    func migrate(_ request: Request, _ context: APIContext) async throws -> Response {
        struct Body: JSONRequest {
            static let keys: Set<String> = ["to", "map", "apply"]
            var to: String
            var map: [String: String]?
            var apply: Bool?
        }
        let id = try context.parameters.require("id")
        let principal = try context.requirePrincipal()
        let body = try await request.json(Body.self)
        let (campaign, _, facts) = try await service.campaignWithFacts(id)
        try await authorize(principal, .migrate, campaign: facts)
        let hash = try await service.recordedVersion(of: campaign.workflowID, matching: body.to)
        let map = body.map ?? [:]
        let apply = body.apply ?? false
        let eventID =
            try Self.idempotencyKey(request, principal: principal).map { "http:\($0)" }
            ?? "http:\(UUID().uuidString.lowercased())"
        if let ifVersion = try Self.ifMatch(request), ifVersion != campaign.eventCount {
            throw LaurelError(
                .preconditionFailed,
                "campaign '\(id)' is at version \(campaign.eventCount), not \(ifVersion) as the request says; read it again"
            )
        }
        // Four eyes: the dry run is shown, and the migration waits for a second administrator.
        let asking = apply && fourEyes.migrate
        let result = try await service.migrate(
            id, toVersion: hash, mapState: Self.stateMapping(map, hash: hash), eventID: eventID, now: clock(),
            dryRun: !apply || asking)
        if asking {
            return try await askApproval(
                campaign: campaign, action: "migrate",
                detail: .object([
                    ("to", .string(hash)),
                    ("map", .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                ]), summary: "migrate to \(hash.prefix(12))", principal: principal,
                migration: MigrationView(result, applied: false))
        }
        return JSONBody(MigrationView(result, applied: apply)).response(status: .ok)
    }

    /// The state a migration moves the campaign to: the one `map` names for its state, or the
    /// same state when the version has it.
    static func stateMapping(_ map: [String: String], hash: String) -> @Sendable (String, Engine) throws -> String {
        { current, target in
            if let mapped = map[current] { return mapped }
            if target.workflow.state(named: current) != nil { return current }
            throw Problem(
                LaurelError(
                    .invalidInput,
                    "state '\(current)' is not in version \(hash.prefix(12)); say where it goes in map (its states: \(target.workflow.states.map(\.name).joined(separator: ", ")))"
                ), errors: [.init(pointer: "/map/\(current)", line: nil, detail: "a state must be mapped")])
        }
    }

    /// Applies a person's event under the request's idempotency key and answers with the logged
    /// event; a retry answers the same.
    /// `action` is decided again inside the transaction, on the campaign as it is once its due
    /// timers fired (a window that just closed is closed).
    func change(
        _ event: CampaignEvent, to campaignID: String, request: Request, principal: Principal, action: Action,
        ifVersion: Int? = nil, status: HTTPResponse.Status = .ok, eventID: String? = nil
    ) async throws -> Response {
        try await change(
            to: campaignID, request: request, principal: principal, ifVersion: ifVersion, status: status,
            eventID: eventID, action: { _ in action }, event: { _ in event })
    }

    /// A change made in one transaction: the event and the action it is decided as come from the
    /// campaign's engine (an entry's fields typed by its kind, its unit from its unit field).
    func change(
        to campaignID: String, request: Request, principal: Principal, ifVersion: Int? = nil,
        status: HTTPResponse.Status = .ok, eventID given: String? = nil, action: @escaping @Sendable (Engine) -> Action,
        event: @escaping @Sendable (Engine) throws -> CampaignEvent
    ) async throws -> Response {
        let eventID =
            try given ?? Self.idempotencyKey(request, principal: principal).map { "http:\($0)" }
            ?? "http:\(UUID().uuidString.lowercased())"
        let result = try await applying(
            to: campaignID, eventID: eventID, kind: Self.commandKind(request.uri.path), principal: principal,
            ifVersion: ifVersion, action: action, event: event)
        let logged: LoggedEvent
        var headers = HTTPFields()
        if result.status == .alreadyApplied {
            guard let earlier = try await service.loggedEvent(id: eventID) else {
                throw LaurelError(.internal, "the event '\(eventID)' was applied but is not in the log")
            }
            logged = earlier
            headers[Self.replayed] = "true"
        } else {
            guard let last = result.logged.last(where: { $0.id == eventID }) else {
                throw LaurelError(.internal, "the event '\(eventID)' was applied but not logged")
            }
            logged = last
        }
        let calendar = try await service.engine(version: result.campaign?.workflowVersion ?? "").calendar
        return JSONBody(ChangeView(logged, calendar: calendar), headers: headers).response(status: status)
    }

    /// A person's change in one transaction, `action` decided on the campaign as it is then;
    /// counted in the metrics under `kind`. The API and the pages both make changes this way.
    func applying(
        to campaignID: String, eventID: String, kind: String, principal: Principal, ifVersion: Int? = nil,
        action: @escaping @Sendable (Engine) -> Action, event: @escaping @Sendable (Engine) throws -> CampaignEvent
    ) async throws -> ServiceResult {
        try await Self.counting(kind) {
            try await service.apply(
                to: campaignID, eventID: eventID, now: clock(), ifVersion: ifVersion,
                authorize: { facts, engine in
                    if case .deny(let reason) = Authorization.decide(
                        principal, action(engine), campaign: facts, organisation: engine.organisation)
                    {
                        throw LaurelError(.forbidden, reason)
                    }
                }, event: event)
        }
    }

    /// A change's kind for the metrics, from its route: entry, withdrawal, scores, ballot, event.
    static func commandKind(_ path: String) -> String {
        if path.hasSuffix("/withdraw") { return "withdrawal" }
        if path.hasSuffix("/entries") { return "entry" }
        if path.hasSuffix("/scores") { return "scores" }
        if path.hasSuffix("/ballot") { return "ballot" }
        return "event"
    }

    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!

    /// The request's `Idempotency-Key`, scoped to the person (two people's keys never meet).
    static func idempotencyKey(_ request: Request, principal: Principal) throws -> String? {
        guard let key = request.headers[idempotencyKeyField] else { return nil }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw LaurelError(
                .invalidRequest,
                "the Idempotency-Key must be 1 to 200 printable ASCII characters without spaces, such as a UUID")
        }
        return "\(principal.person):\(key)"
    }

    /// A campaign's ETag: its version, which every change to it moves.
    static func eTag(_ campaign: Campaign) -> String { "\"\(campaign.eventCount)\"" }

    /// The version `If-Match` names, nil without the header.
    static func ifMatch(_ request: Request) throws -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("\""), trimmed.hasSuffix("\""), trimmed.count >= 3,
            let version = Int(trimmed.dropFirst().dropLast())
        else {
            throw LaurelError(
                .invalidRequest, "If-Match takes the ETag a GET of the campaign returned, such as \"12\", not \(value)")
        }
        return version
    }
}
